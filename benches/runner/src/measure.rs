//! Running a child process and measuring it: wall time, CPU time and peak memory of
//! that one child, plus the statistics the report uses (median, geometric mean).
//!
//! The child is reaped with `wait4`, which returns the resource usage of exactly that
//! process and the descendants it waited for (so `wasi-aot build` includes its link
//! step). `getrusage(RUSAGE_CHILDREN)` would not do: its `ru_maxrss` is the maximum
//! over every child the runner ever had.

use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// One measured run of a child process.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// From just before `spawn` to the return of `wait4`.
    pub wall: Duration,
    /// User plus system CPU time of the child and the descendants it waited for.
    pub cpu: Duration,
    /// Peak resident set size, in KiB.
    pub max_rss_kib: u64,
}

/// Runs `cmd` to completion with its standard streams as already configured
/// (standard input defaults to null here) and measures it. A non-zero exit status or
/// death by signal is an error naming `what`.
pub fn run_measured(cmd: &mut Command, what: &str) -> Result<Sample> {
    cmd.stdin(Stdio::null());
    let start = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("failed to start {what}"))?;
    let pid = libc::pid_t::try_from(child.id()).context("child pid out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std only reaps in `wait`,
        // which is never called on it); `status` and `usage` are valid for writes.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err).with_context(|| format!("failed to wait for {what}"));
        }
    }
    let wall = start.elapsed();
    // `child` was reaped above; dropping it only closes our ends of its pipes.
    drop(child);
    if libc::WIFSIGNALED(status) {
        bail!("{what} was killed by signal {}", libc::WTERMSIG(status));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{what} exited with status {}", libc::WEXITSTATUS(status));
    }
    Ok(Sample {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    })
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::new(secs, micros * 1000)
}

/// The median of `values` (the mean of the middle two for an even count); `None` when
/// empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// The geometric mean of positive `values`; `None` when empty.
pub fn geomean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let log_sum: f64 = values.iter().map(|v| v.ln()).sum();
    Some((log_sum / values.len() as f64).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn geomean_of_ratios() {
        let g = geomean(&[2.0, 0.5]).expect("two values");
        assert!((g - 1.0).abs() < 1e-12);
        assert!((geomean(&[4.0]).expect("one value") - 4.0).abs() < 1e-12);
        assert_eq!(geomean(&[]), None);
    }

    #[test]
    fn measures_a_child() {
        let sample =
            run_measured(Command::new("true").stdout(Stdio::null()), "true").expect("`true` runs");
        assert!(sample.max_rss_kib > 0);
        let err = run_measured(Command::new("false").stdout(Stdio::null()), "false")
            .expect_err("`false` fails");
        assert!(err.to_string().contains("exited with status 1"), "{err:#}");
    }
}
