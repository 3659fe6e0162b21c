//! `wasi:clocks`: the wall clock and the monotonic clock, plus the two CPU-time clocks P1
//! defines (WASI 0.2 has none; they are here so that every clock is read in one place).
//!
//! Times are nanoseconds as `u64` (P1's `timestamp`); a host time before the epoch or past
//! 2554 is `overflow`.

use crate::error::{Errno, HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::poll::Pollable;
use crate::resources::HostObject;

/// A host clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// `wasi:clocks/wall-clock`: time since the Unix epoch.
    Wall,
    /// `wasi:clocks/monotonic-clock`: never goes back.
    Monotonic,
    /// CPU time of the process.
    ProcessCpuTime,
    /// CPU time of the calling thread.
    ThreadCpuTime,
}

impl Clock {
    fn host_id(self) -> libc::clockid_t {
        match self {
            Clock::Wall => libc::CLOCK_REALTIME,
            Clock::Monotonic => libc::CLOCK_MONOTONIC,
            Clock::ProcessCpuTime => libc::CLOCK_PROCESS_CPUTIME_ID,
            Clock::ThreadCpuTime => libc::CLOCK_THREAD_CPUTIME_ID,
        }
    }

    /// `now`, in nanoseconds.
    pub fn now(self) -> Result<u64, Errno> {
        let mut spec = zero_timespec();
        // SAFETY: `spec` is a valid, writable `timespec`.
        if unsafe { libc::clock_gettime(self.host_id(), &mut spec) } != 0 {
            return Err(Errno::last_host_error());
        }
        nanoseconds(spec)
    }

    /// `resolution`, in nanoseconds.
    pub fn resolution(self) -> Result<u64, Errno> {
        let mut spec = zero_timespec();
        // SAFETY: `spec` is a valid, writable `timespec`.
        if unsafe { libc::clock_getres(self.host_id(), &mut spec) } != 0 {
            return Err(Errno::last_host_error());
        }
        nanoseconds(spec)
    }
}

/// `datetime` of `wasi:clocks/wall-clock`.
struct WallTime {
    seconds: u64,
    nanoseconds: u32,
}
crate::store_record!(WallTime {
    seconds: u64,
    nanoseconds: u32
});

fn wall_time(nanos: u64) -> WallTime {
    WallTime {
        seconds: nanos / 1_000_000_000,
        nanoseconds: (nanos % 1_000_000_000) as u32,
    }
}

fn clock_failure(_: Errno) -> HostError {
    // The host clocks do not fail on a supported system; WASI 0.2's clocks cannot report it.
    HostTrap::canon("the host clock failed").into()
}

/// `wasi:clocks/monotonic-clock` `now`.
pub fn monotonic_now(_call: &mut P2Call<'_>) -> Result<i64, HostError> {
    Ok(Clock::Monotonic.now().map_err(clock_failure)? as i64)
}

/// `wasi:clocks/monotonic-clock` `resolution`.
pub fn monotonic_resolution(_call: &mut P2Call<'_>) -> Result<i64, HostError> {
    Ok(Clock::Monotonic.resolution().map_err(clock_failure)? as i64)
}

/// `wasi:clocks/monotonic-clock` `subscribe-instant`: ready once the clock reaches `when`.
pub fn monotonic_subscribe_instant(call: &mut P2Call<'_>, when: i64) -> Result<i32, HostError> {
    let pollable = Pollable::Deadline(when as u64);
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

/// `wasi:clocks/monotonic-clock` `subscribe-duration`: ready `when` nanoseconds from now.
pub fn monotonic_subscribe_duration(call: &mut P2Call<'_>, when: i64) -> Result<i32, HostError> {
    let now = Clock::Monotonic.now().map_err(clock_failure)?;
    let pollable = Pollable::Deadline(now.saturating_add(when as u64));
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

/// `wasi:clocks/wall-clock` `now`.
pub fn wall_now(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    let now = wall_time(Clock::Wall.now().map_err(clock_failure)?);
    call.store_result(ret, now)
}

/// `wasi:clocks/wall-clock` `resolution`.
pub fn wall_resolution(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    let resolution = wall_time(Clock::Wall.resolution().map_err(clock_failure)?);
    call.store_result(ret, resolution)
}

fn zero_timespec() -> libc::timespec {
    libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }
}

/// `spec` in nanoseconds; `overflow` before 1970 or after 2554.
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

    #[test]
    fn every_clock_reads() {
        for clock in [
            Clock::Wall,
            Clock::Monotonic,
            Clock::ProcessCpuTime,
            Clock::ThreadCpuTime,
        ] {
            assert!(clock.now().is_ok());
            let resolution = clock.resolution().unwrap();
            assert!(resolution > 0 && resolution <= 1_000_000_000);
        }
        let a = Clock::Monotonic.now().unwrap();
        assert!(Clock::Monotonic.now().unwrap() >= a);
    }

    #[test]
    fn negative_times_overflow() {
        let spec = libc::timespec {
            tv_sec: -1,
            tv_nsec: 0,
        };
        assert_eq!(nanoseconds(spec), Err(Errno::Overflow));
    }
}
