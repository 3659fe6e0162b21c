//! The run-time comparison: every program of `benches/programs/` (and SQLite) built
//! three ways, checked against native output, then timed round by round with the
//! variants alternating (native, wasmtime, wasi-aot, native, ...), so that slow drift
//! in the machine's load hits all three alike.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::measure::{median, run_measured, Sample};
use crate::tools::Tools;
use crate::variants::{Artifacts, Program, Variant};

/// The outcome for one program.
#[derive(Debug)]
pub struct KernelResult {
    /// The program's name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// Whether it counts towards the geometric means (SQLite does not: it is not one of
    /// our kernels).
    pub in_geomean: bool,
    /// The samples per variant (indexed by [`Variant::index`]), or why the program was
    /// not timed.
    pub outcome: Result<[Vec<Sample>; 3], String>,
}

impl KernelResult {
    /// The median wall time of `variant`, in seconds.
    pub fn median_wall(&self, variant: Variant) -> Option<f64> {
        let samples = self.outcome.as_ref().ok()?;
        let walls: Vec<f64> = samples[variant.index()]
            .iter()
            .map(|s| s.wall.as_secs_f64())
            .collect();
        median(&walls)
    }

    /// The median CPU time (user + system) of `variant`, in seconds.
    pub fn median_cpu(&self, variant: Variant) -> Option<f64> {
        let samples = self.outcome.as_ref().ok()?;
        let cpus: Vec<f64> = samples[variant.index()]
            .iter()
            .map(|s| s.cpu.as_secs_f64())
            .collect();
        median(&cpus)
    }

    /// `median(a) / median(b)` by wall time.
    pub fn ratio(&self, a: Variant, b: Variant) -> Option<f64> {
        Some(self.median_wall(a)? / self.median_wall(b)?)
    }

    /// `median(a) / median(b)` by CPU time.
    pub fn cpu_ratio(&self, a: Variant, b: Variant) -> Option<f64> {
        Some(self.median_cpu(a)? / self.median_cpu(b)?)
    }
}

/// The programs of `benches/programs/`, sorted by name, keeping those named in `only`
/// (all when `only` is empty).
pub fn discover(root: &Path, only: &[String]) -> Result<Vec<Program>> {
    let dir = root.join("benches/programs");
    let mut sources: Vec<_> = fs::read_dir(&dir)
        .with_context(|| format!("failed to read `{}`", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "c"))
        .collect();
    sources.sort();
    sources
        .iter()
        .map(|source| Program::from_source(source))
        .filter(|program| match program {
            Ok(p) => only.is_empty() || only.contains(&p.name),
            Err(_) => true,
        })
        .collect()
}

/// Builds, verifies and times `program` for `rounds` rounds, printing progress on stderr.
/// A build or verification failure is recorded in the result, not returned.
pub fn measure(tools: &Tools, program: &Program, rounds: usize, in_geomean: bool) -> KernelResult {
    let outcome = build_and_time(tools, program, rounds).map_err(|err| format!("{err:#}"));
    if let Err(reason) = &outcome {
        eprintln!("  {}: NOT TIMED: {reason}", program.name);
    }
    KernelResult {
        name: program.name.clone(),
        category: program.category.clone(),
        in_geomean,
        outcome,
    }
}

fn build_and_time(tools: &Tools, program: &Program, rounds: usize) -> Result<[Vec<Sample>; 3]> {
    let artifacts = Artifacts::build(tools, program)?;
    let checked = artifacts.verify()?;
    eprintln!("  {:<12} output identical ({checked})", program.name);
    let mut samples: [Vec<Sample>; 3] = Default::default();
    for round in 0..rounds {
        for variant in Variant::ALL {
            let what = format!(
                "{} ({}, round {})",
                program.name,
                variant.label(),
                round + 1
            );
            let sample = run_measured(&mut artifacts.command(variant), &what)?;
            samples[variant.index()].push(sample);
        }
    }
    let medians: Vec<String> = Variant::ALL
        .iter()
        .map(|v| {
            let walls: Vec<f64> = samples[v.index()]
                .iter()
                .map(|s| s.wall.as_secs_f64())
                .collect();
            format!("{} {:.3}s", v.label(), median(&walls).unwrap_or(f64::NAN))
        })
        .collect();
    eprintln!("  {:<12} {}", program.name, medians.join("  "));
    Ok(samples)
}
