//! `random_get`: bytes from the host's cryptographically secure generator, written straight
//! into guest memory.

use crate::ctx::WasiCtx;
use crate::error::{last_host_errno, Errno, HostError};
use crate::memory::GuestMemory;

/// Fills `buf_len` guest bytes at `buf` with random data.
pub fn random_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    buf: i32,
    buf_len: i32,
) -> Result<(), HostError> {
    let bytes = mem.slice_mut(buf as u32, buf_len as u32)?;
    fill_random(bytes)?;
    Ok(())
}

/// Fills `buf` completely, however many calls the host needs.
fn fill_random(mut buf: &mut [u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match random_chunk(buf) {
            Some(filled) => buf = &mut buf[filled..],
            None if last_host_errno() == libc::EINTR => {}
            None => return Err(Errno::last_host_error()),
        }
    }
    Ok(())
}

/// Fills a prefix of `buf` (never empty on success) and returns its length, or `None` with
/// the host `errno` set.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn random_chunk(buf: &mut [u8]) -> Option<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    let filled = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    usize::try_from(filled).ok().filter(|&n| n > 0)
}

/// Fills a prefix of `buf` (never empty on success) and returns its length, or `None` with
/// the host `errno` set.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn random_chunk(buf: &mut [u8]) -> Option<usize> {
    // `getentropy` fills at most 256 bytes per call.
    let len = buf.len().min(256);
    // SAFETY: `buf` is valid for writes of `len <= buf.len()` bytes.
    let status = unsafe { libc::getentropy(buf.as_mut_ptr().cast(), len) };
    (status == 0).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HostTrap;
    use crate::memory::TestMemory;

    #[test]
    fn fills_exactly_the_requested_bytes() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(4096);
        random_get(&mut ctx, &mut memory.guest(), 16, 4000).unwrap();
        let bytes = memory.bytes();
        assert!(bytes[..16].iter().all(|&b| b == 0));
        assert!(bytes[4016..].iter().all(|&b| b == 0));
        // 4000 random bytes with no zero run of 64: a failure here means nothing was written.
        assert!(bytes[16..4016]
            .windows(64)
            .all(|w| w.iter().any(|&b| b != 0)));

        let first = memory.bytes()[16..48].to_vec();
        random_get(&mut ctx, &mut memory.guest(), 16, 32).unwrap();
        assert_ne!(&memory.bytes()[16..48], &first[..]);
    }

    #[test]
    fn empty_and_out_of_bounds() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(64);
        random_get(&mut ctx, &mut memory.guest(), 64, 0).unwrap();
        assert_eq!(
            random_get(&mut ctx, &mut memory.guest(), 60, 8),
            Err(HostTrap::MemoryOutOfBounds.into())
        );
        assert!(memory.bytes().iter().all(|&b| b == 0));
    }
}
