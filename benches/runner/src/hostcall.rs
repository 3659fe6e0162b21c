//! The WASI host-call path: `benches/hostcall/fd_write.c` makes 100,000 small
//! `write(2)` calls to standard output, which is `/dev/null` here. Under WASI each is
//! one `fd_write` import call; natively, one system call.

use anyhow::{Context, Result};

use crate::measure::{median, run_measured};
use crate::tools::Tools;
use crate::variants::{Artifacts, Program, Variant};

/// Host-call figures.
#[derive(Debug)]
pub struct HostcallResult {
    /// Runs per variant.
    pub runs: usize,
    /// Median wall time per variant, in milliseconds.
    pub median_ms: [f64; 3],
}

impl HostcallResult {
    /// `median(a) / median(b)`.
    pub fn ratio(&self, a: Variant, b: Variant) -> f64 {
        self.median_ms[a.index()] / self.median_ms[b.index()]
    }
}

/// Measures the host-call loop over `runs` runs per variant.
pub fn measure(tools: &Tools, runs: usize) -> Result<HostcallResult> {
    let program = Program::from_source(&tools.root.join("benches/hostcall/fd_write.c"))?;
    let artifacts = Artifacts::build(tools, &program)?;
    artifacts.verify().context("fd_write")?;
    let mut walls: [Vec<f64>; 3] = Default::default();
    for _ in 0..runs {
        for variant in Variant::ALL {
            // `command` points stdout at /dev/null.
            let sample = run_measured(&mut artifacts.command(variant), "fd_write")?;
            walls[variant.index()].push(sample.wall.as_secs_f64() * 1e3);
        }
    }
    let mut median_ms = [0.0; 3];
    for variant in Variant::ALL {
        median_ms[variant.index()] = median(&walls[variant.index()]).unwrap_or(f64::NAN);
    }
    Ok(HostcallResult { runs, median_ms })
}
