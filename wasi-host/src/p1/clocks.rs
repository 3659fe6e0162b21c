//! `clock_res_get` and `clock_time_get`: the four witx clocks, read from the host's
//! `clock_gettime`/`clock_getres` and reported in nanoseconds.
//!
//! wasmtime answers `badf` for the two CPU-time clocks because WASI 0.2 has none; we give the
//! host's process and thread CPU time, which is what the witx `clockid` documents.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::memory::GuestMemory;

/// Writes the resolution of clock `id` to `resolution`.
pub fn clock_res_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    id: i32,
    resolution: i32,
) -> Result<(), HostError> {
    let clock = host_clock(id)?;
    let mut spec = zero_timespec();
    // SAFETY: `spec` is a valid, writable `timespec`.
    if unsafe { libc::clock_getres(clock, &mut spec) } != 0 {
        return Err(Errno::last_host_error().into());
    }
    mem.write_u64(resolution as u32, nanoseconds(spec)?)
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
    let clock = host_clock(id)?;
    let mut spec = zero_timespec();
    // SAFETY: `spec` is a valid, writable `timespec`.
    if unsafe { libc::clock_gettime(clock, &mut spec) } != 0 {
        return Err(Errno::last_host_error().into());
    }
    mem.write_u64(time as u32, nanoseconds(spec)?)
}

/// The host clock for witx `clockid` `id`.
fn host_clock(id: i32) -> Result<libc::clockid_t, Errno> {
    match id {
        0 => Ok(libc::CLOCK_REALTIME),
        1 => Ok(libc::CLOCK_MONOTONIC),
        2 => Ok(libc::CLOCK_PROCESS_CPUTIME_ID),
        3 => Ok(libc::CLOCK_THREAD_CPUTIME_ID),
        _ => Err(Errno::Inval),
    }
}

fn zero_timespec() -> libc::timespec {
    libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }
}

/// `spec` as a witx `timestamp`; `overflow` before 1970 or after 2554.
fn nanoseconds(spec: libc::timespec) -> Result<u64, Errno> {
    let seconds = u64::try_from(spec.tv_sec).map_err(|_| Errno::Overflow)?;
    let nanos = u64::try_from(spec.tv_nsec).map_err(|_| Errno::Overflow)?;
    seconds
        .checked_mul(1_000_000_000)
        .and_then(|total| total.checked_add(nanos))
        .ok_or(Errno::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HostTrap;
    use crate::memory::TestMemory;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn every_clock_has_a_time_and_resolution() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(64);
        for id in 0..4 {
            clock_time_get(&mut ctx, &mut memory.guest(), id, 0, 8).unwrap();
            clock_res_get(&mut ctx, &mut memory.guest(), id, 16).unwrap();
            let resolution = memory.u64_at(16);
            assert!(resolution > 0 && resolution <= 1_000_000_000, "clock {id}");
        }
    }

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
    }

    #[test]
    fn unknown_clock_is_einval() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(16);
        for id in [4, -1, i32::MAX] {
            assert_eq!(
                clock_time_get(&mut ctx, &mut memory.guest(), id, 0, 0),
                Err(Errno::Inval.into())
            );
            assert_eq!(
                clock_res_get(&mut ctx, &mut memory.guest(), id, 0),
                Err(Errno::Inval.into())
            );
        }
    }

    #[test]
    fn result_pointer_is_checked() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(16);
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
