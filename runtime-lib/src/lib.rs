//! The runtime library linked into every executable `wasi-aot` builds.
//!
//! It owns the process: [`entry`] (`main`), the program metadata ([`program`]),
//! instantiation ([`instance`]) with linear memories ([`memory`]) and tables ([`table`]),
//! the libcalls compiled code makes ([`libcalls`]), traps and their signal handler
//! ([`trap`]), the WASI host functions ([`host`], [`host_p2`], forwarding to
//! `wasi-aot-host`), components' instantiation plans and resource built-ins
//! ([`component`]), the HTTP server a proxy component runs as ([`serve`]), and the script
//! mode the spec harness drives ([`harness`]).
//!
//! Boundaries: everything shared with compiled code comes from `wasi-aot-abi`; WASI
//! semantics live in `wasi-aot-host`. The runtime knows nothing of Cranelift or wasmparser.

pub mod component;
pub mod entry;
pub mod harness;
pub mod host;
pub mod host_p2;
pub mod instance;
pub mod libcalls;
pub mod memory;
pub mod program;
pub mod serve;
pub mod table;
pub mod trap;
