//! `clock_res_get` and `clock_time_get`: the four witx clocks, from `p2::clocks`.
//!
//! wasmtime answers `badf` for the two CPU-time clocks because WASI 0.2 has none; we give the
//! host's process and thread CPU time, which is what the witx `clockid` documents.

use crate::ctx::WasiCtx;
use crate::error::HostError;
use crate::memory::GuestMemory;
use crate::p1::types::invalid;
use crate::p2::clocks::Clock;

/// The clock for witx `clockid` `id`.
fn clock(id: i32) -> Result<Clock, HostError> {
    match id {
        0 => Ok(Clock::Wall),
        1 => Ok(Clock::Monotonic),
        2 => Ok(Clock::ProcessCpuTime),
        3 => Ok(Clock::ThreadCpuTime),
        _ => Err(invalid("clockid")),
    }
}

/// Writes the resolution of clock `id` to `resolution`.
pub fn clock_res_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    id: i32,
    resolution: i32,
) -> Result<(), HostError> {
    let value = clock(id)?.resolution()?;
    mem.write_u64(resolution as u32, value)
}

/// Writes the current time of clock `id` to `time`. `precision` is a hint the host ignores,
/// as wasmtime does.
pub fn clock_time_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    id: i32,
    _precision: i64,
    time: i32,
) -> Result<(), HostError> {
    let value = clock(id)?.now()?;
    mem.write_u64(time as u32, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HostTrap;
    use crate::memory::TestMemory;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn realtime_is_unix_time_and_monotonic_does_not_go_back() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(64);
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        clock_time_get(&mut ctx, &mut memory.guest(), 0, 1, 0).unwrap();
        let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let now = u128::from(memory.u64_at(0));
        assert!(before.as_nanos() <= now && now <= after.as_nanos());

        clock_time_get(&mut ctx, &mut memory.guest(), 1, 0, 8).unwrap();
        clock_time_get(&mut ctx, &mut memory.guest(), 1, 0, 16).unwrap();
        assert!(memory.u64_at(8) <= memory.u64_at(16));
        for id in 0..4 {
            clock_res_get(&mut ctx, &mut memory.guest(), id, 24).unwrap();
            assert!(memory.u64_at(24) > 0);
        }
    }

    #[test]
    fn unknown_clock_traps_and_pointers_are_checked() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(16);
        for id in [4, -1, i32::MAX] {
            assert_eq!(
                clock_time_get(&mut ctx, &mut memory.guest(), id, 0, 0),
                Err(invalid("clockid"))
            );
            assert_eq!(
                clock_res_get(&mut ctx, &mut memory.guest(), id, 0),
                Err(invalid("clockid"))
            );
        }
        assert_eq!(
            clock_time_get(&mut ctx, &mut memory.guest(), 1, 0, 12),
            Err(HostTrap::MemoryOutOfBounds.into())
        );
        assert_eq!(
            clock_time_get(&mut ctx, &mut memory.guest(), 1, 0, 4),
            Err(HostTrap::MisalignedPointer.into())
        );
    }
}
