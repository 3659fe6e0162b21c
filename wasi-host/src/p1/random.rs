//! `random_get`: `p2::random` bytes written straight into guest memory.

use crate::ctx::WasiCtx;
use crate::error::HostError;
use crate::memory::GuestMemory;
use crate::p2::random::fill_random_bytes;

/// Fills `buf_len` guest bytes at `buf` with random data.
pub fn random_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    buf: i32,
    buf_len: i32,
) -> Result<(), HostError> {
    let bytes = mem.slice_mut(buf as u32, buf_len as u32)?;
    fill_random_bytes(bytes)?;
    Ok(())
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
