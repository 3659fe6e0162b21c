//! How linear memories are laid out in the address space.

/// Size of a wasm page.
pub const WASM_PAGE_SIZE: u64 = 65536;

/// The linear-memory strategy compiled code relies on. It is written into the program
/// metadata; the runtime refuses a strategy it does not implement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryStrategy {
    /// Bytes of address space reserved for each 32-bit memory, guard included. Compiled code
    /// performs no bounds check: `base + zext(index) + offset + access size` always lands
    /// inside this reservation, and everything past the accessible length is `PROT_NONE`.
    pub reservation: u64,
}

impl MemoryStrategy {
    /// 4 GiB of addressable memory plus a 4 GiB guard region (plus slack for the access
    /// size), so that any 32-bit index plus any 32-bit static offset is covered.
    pub const GUARDED_32: MemoryStrategy = MemoryStrategy {
        reservation: (8 << 30) + WASM_PAGE_SIZE,
    };
}
