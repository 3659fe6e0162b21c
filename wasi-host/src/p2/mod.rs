//! The WASI 0.2 interfaces the host implements, one module per WIT interface. `p1` is a thin
//! layer over these: one filesystem, one set of clocks, one poll loop, whichever ABI the
//! guest uses. The functions components import (named after their WIT functions, listed in
//! `wasi_aot_abi::wasi_p2`) take a [`P2Call`] and their flattened canonical ABI parameters.

pub mod call;
pub mod cli;
pub mod clocks;
pub mod filesystem;
pub mod http;
pub mod poll;
pub mod random;
pub mod sockets;
pub mod streams;
pub mod values;

pub use call::P2Call;
// The socket interfaces, where the host table names them.
pub use sockets::{lookup, network, tcp, udp};
