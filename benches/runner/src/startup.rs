//! Start-up time and executable size: `benches/startup/hello.c`, run end to end many
//! times with the variants alternating (the native build is an ordinary dynamically
//! linked `gcc -O2` executable), and the size of its wasi-aot executable after `strip`.

use std::fs;
use std::process::Command;

use anyhow::{Context, Result};

use crate::measure::{median, run_measured};
use crate::tools::{run_step, Tools};
use crate::variants::{Artifacts, Program, Variant};

/// Start-up figures.
#[derive(Debug)]
pub struct StartupResult {
    /// Runs per variant.
    pub runs: usize,
    /// Median wall time per variant, in milliseconds.
    pub median_ms: [f64; 3],
    /// Size of the wasi-aot executable as built, in bytes.
    pub aot_bytes: u64,
    /// Size of the wasi-aot executable after `strip`, in bytes.
    pub aot_stripped_bytes: u64,
    /// Size of the native executable after `strip`, in bytes.
    pub native_stripped_bytes: u64,
    /// Size of the precompiled wasmtime module, in bytes.
    pub cwasm_bytes: u64,
}

/// Measures start-up over `runs` runs per variant.
pub fn measure(tools: &Tools, runs: usize) -> Result<StartupResult> {
    let program = Program::from_source(&tools.root.join("benches/startup/hello.c"))?;
    let artifacts = Artifacts::build(tools, &program)?;
    artifacts.verify().context("hello world")?;
    let mut walls: [Vec<f64>; 3] = Default::default();
    // A few untimed runs first, so every variant starts with warm page caches.
    for _ in 0..3 {
        for variant in Variant::ALL {
            run_measured(&mut artifacts.command(variant), "hello (warm-up)")?;
        }
    }
    for _ in 0..runs {
        for variant in Variant::ALL {
            let sample = run_measured(&mut artifacts.command(variant), "hello")?;
            walls[variant.index()].push(sample.wall.as_secs_f64() * 1e3);
        }
    }
    let mut median_ms = [0.0; 3];
    for variant in Variant::ALL {
        median_ms[variant.index()] = median(&walls[variant.index()]).unwrap_or(f64::NAN);
    }

    let dir = tools.work_dir("hello")?;
    let stripped = |input: &std::path::Path, name: &str| -> Result<u64> {
        let out = dir.join(name);
        run_step(Command::new("strip").arg("-o").arg(&out).arg(input))?;
        file_size(&out)
    };
    Ok(StartupResult {
        runs,
        median_ms,
        aot_bytes: file_size(&artifacts.aot)?,
        aot_stripped_bytes: stripped(&artifacts.aot, "wasi-aot.stripped")?,
        native_stripped_bytes: stripped(&artifacts.native, "native.stripped")?,
        cwasm_bytes: file_size(&artifacts.cwasm)?,
    })
}

fn file_size(path: &std::path::Path) -> Result<u64> {
    Ok(fs::metadata(path)
        .with_context(|| format!("failed to stat `{}`", path.display()))?
        .len())
}
