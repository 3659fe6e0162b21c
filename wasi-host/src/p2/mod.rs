//! The WASI 0.2 interfaces the host implements, one module per WIT interface, as plain Rust
//! (no component bindings yet). `p1` is a thin layer over these: one filesystem, one set of
//! clocks, one poll loop, whichever ABI the guest uses.

pub mod clocks;
pub mod filesystem;
pub mod poll;
pub mod random;
pub mod sockets;
