//! The WASI host of every executable `wasi-aot` builds: what the guest's WASI imports do.
//!
//! Entry points: the runtime creates one [`WasiCtx`] per guest ([`WasiCtx::new`] with argv and
//! environment; descriptors 0, 1 and 2 are the host's standard streams) and, for each host call,
//! wraps the guest's linear memory in a [`GuestMemory`] and calls the function of the same name
//! in [`p1`]. A function returns `Ok(())` (errno 0), [`HostError::Guest`] with the [`Errno`] the
//! guest receives, or [`HostError::Trap`] with a [`HostTrap`] the runtime raises in compiled
//! code; `proc_exit` is a trap carrying the exit status.
//!
//! Modules: [`ctx`] (the per-guest state), [`memory`] (checked guest-memory access), [`error`]
//! (errno values and traps), [`p1`] (`wasi_snapshot_preview1`, one function per witx function,
//! with the guest's descriptor table), and `host_fd` (the host system calls on descriptors).
//!
//! Boundaries: this crate knows nothing of Cranelift, the vmctx layout or how compiled code
//! calls it; the runtime's trampolines own that. It never panics on guest input and never
//! unwinds into compiled code: every failure is a returned value. Guest output goes straight
//! to the host descriptors, unbuffered, so nothing needs flushing when the guest exits.

pub mod ctx;
pub mod error;
mod host_fd;
pub mod memory;
pub mod p1;
pub mod p2;
pub mod resources;

pub use ctx::WasiCtx;
pub use error::{Errno, HostError, HostTrap};
pub use memory::GuestMemory;
