//! Guest `iovec`/`ciovec` arrays: the buffer lists of `fd_read` and `fd_write`.
//!
//! The whole array and every buffer in it are checked before any I/O, so a bad entry traps
//! without a partial read or write having happened.

use crate::error::{HostError, HostTrap};
use crate::memory::GuestMemory;
use crate::p1::types::{IOVEC_ALIGN, IOVEC_SIZE};

/// One checked buffer: `len` guest bytes at `buf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GuestIovec {
    pub(crate) buf: u32,
    pub(crate) len: u32,
}

/// Reads the `iovs_len` entries at `iovs` and checks each buffer lies inside the memory.
///
/// The buffers are trimmed so that their total fits the `size` the call reports (a longer
/// list is transferred short, which both calls allow).
pub(crate) fn read_iovecs(
    mem: &GuestMemory,
    iovs: u32,
    iovs_len: u32,
) -> Result<Vec<GuestIovec>, HostError> {
    let mut list = Vec::with_capacity(iovs_len as usize);
    read_iovecs_with(mem, iovs, iovs_len, |iovec| list.push(iovec))?;
    Ok(list)
}

/// Like [`read_iovecs`] for a list of at most [`INLINE_IOVECS`] entries, without
/// allocating: the hot path of `fd_write`/`fd_read`, where wasi-libc passes one or two
/// buffers. Returns the entries and their number.
pub(crate) fn read_iovecs_inline(
    mem: &GuestMemory,
    iovs: u32,
    iovs_len: u32,
) -> Result<([GuestIovec; INLINE_IOVECS], usize), HostError> {
    debug_assert!(iovs_len as usize <= INLINE_IOVECS);
    let mut entries = [GuestIovec { buf: 0, len: 0 }; INLINE_IOVECS];
    let mut n = 0;
    read_iovecs_with(mem, iovs, iovs_len, |iovec| {
        entries[n] = iovec;
        n += 1;
    })?;
    Ok((entries, n))
}

/// Lists of at most this many entries take the allocation-free path.
pub(crate) const INLINE_IOVECS: usize = 2;

/// Reads and checks the entries, passing each to `push`.
fn read_iovecs_with(
    mem: &GuestMemory,
    iovs: u32,
    iovs_len: u32,
    mut push: impl FnMut(GuestIovec),
) -> Result<(), HostError> {
    if iovs_len == 0 {
        return Ok(());
    }
    let array_len = iovs_len
        .checked_mul(IOVEC_SIZE)
        .ok_or(HostTrap::MemoryOutOfBounds)?;
    let array = mem.slice(iovs, array_len)?;
    GuestMemory::check_aligned(iovs, IOVEC_ALIGN)?;

    let mut total = 0u32;
    for entry in array.chunks_exact(IOVEC_SIZE as usize) {
        let buf = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
        let len = u32::from_le_bytes([entry[4], entry[5], entry[6], entry[7]]);
        mem.slice(buf, len)?;
        let len = len.min(u32::MAX - total);
        total += len;
        push(GuestIovec { buf, len });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;

    #[test]
    fn entries_are_read_and_checked() {
        let mut memory = TestMemory::new(64);
        memory.set_u32(8, 40);
        memory.set_u32(12, 3);
        memory.set_u32(16, 64);
        memory.set_u32(20, 0);
        let iovecs = read_iovecs(&memory.guest(), 8, 2).unwrap();
        assert_eq!(
            iovecs,
            [
                GuestIovec { buf: 40, len: 3 },
                GuestIovec { buf: 64, len: 0 }
            ]
        );
        // An empty list is not dereferenced at all.
        assert_eq!(read_iovecs(&memory.guest(), u32::MAX, 0), Ok(Vec::new()));
    }

    #[test]
    fn bad_arrays_and_buffers_trap() {
        let mut memory = TestMemory::new(64);
        let oob = Err(HostError::Trap(HostTrap::MemoryOutOfBounds));
        // Array past the end, and an array length whose byte size overflows.
        assert_eq!(read_iovecs(&memory.guest(), 60, 1), oob);
        assert_eq!(read_iovecs(&memory.guest(), 0, 0x2000_0000), oob);
        assert_eq!(
            read_iovecs(&memory.guest(), 2, 1),
            Err(HostError::Trap(HostTrap::MisalignedPointer))
        );
        // Buffer past the end.
        memory.set_u32(0, 60);
        memory.set_u32(4, 5);
        assert_eq!(read_iovecs(&memory.guest(), 0, 1), oob);
    }
}
