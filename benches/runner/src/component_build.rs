//! Building a component: `wasi-aot build` against `wasmtime compile` on the largest
//! component among the test programs (`tests/programs/component/js_app.wasm`, made with
//! componentize-js: the StarlingMonkey engine, over 12 MB), wall time and peak memory, and
//! how much of wasi-aot's build goes to the component itself (validating and flattening it,
//! generating adapters) rather than to compiling its core modules, from `build -v`.

use std::fs;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::measure::{median, run_measured, Sample};
use crate::tools::Tools;

/// The component measured.
pub const INPUT: &str = "tests/programs/component/js_app.wasm";

/// Build figures of the component.
#[derive(Debug)]
pub struct ComponentBuildResult {
    /// Timed builds per tool.
    pub reps: usize,
    /// Size of the component, in bytes.
    pub bytes: u64,
    /// `wasi-aot build`: median wall seconds, median CPU seconds, highest peak RSS in KiB.
    pub aot: (f64, f64, u64),
    /// `wasmtime compile`: the same figures.
    pub wasmtime: (f64, f64, u64),
    /// From `wasi-aot build -v`: milliseconds in the component front end, and in all.
    pub component_ms: (f64, f64),
}

/// Times `reps` builds by each tool, alternating, after one untimed build each.
pub fn compare(tools: &Tools, reps: usize) -> Result<ComponentBuildResult> {
    let wasm = tools.root.join(INPUT);
    let bytes = fs::metadata(&wasm)
        .with_context(|| format!("failed to read `{}`", wasm.display()))?
        .len();
    let dir = tools.work_dir("component-build")?;
    let aot_out = dir.join("js_app");
    let cwasm_out = dir.join("js_app.cwasm");
    let aot = || {
        let mut cmd = Command::new(&tools.wasi_aot);
        // `wasmtime compile` targets the host CPU; so does this build.
        cmd.args(["build", "--target-cpu", "native"])
            .arg(&wasm)
            .arg("-o")
            .arg(&aot_out);
        cmd
    };
    let wasmtime = || {
        let mut cmd = Command::new(&tools.wasmtime);
        cmd.arg("compile").arg(&wasm).arg("-o").arg(&cwasm_out);
        cmd
    };
    run_measured(&mut aot(), "wasi-aot build (warm-up)")?;
    run_measured(&mut wasmtime(), "wasmtime compile (warm-up)")?;
    let mut aot_samples = Vec::new();
    let mut wasmtime_samples = Vec::new();
    for _ in 0..reps {
        aot_samples.push(run_measured(&mut aot(), "wasi-aot build")?);
        wasmtime_samples.push(run_measured(&mut wasmtime(), "wasmtime compile")?);
    }
    Ok(ComponentBuildResult {
        reps,
        bytes,
        aot: summarize(&aot_samples),
        wasmtime: summarize(&wasmtime_samples),
        component_ms: phases(&mut aot())?,
    })
}

fn summarize(samples: &[Sample]) -> (f64, f64, u64) {
    let walls: Vec<f64> = samples.iter().map(|s| s.wall.as_secs_f64()).collect();
    let cpus: Vec<f64> = samples.iter().map(|s| s.cpu.as_secs_f64()).collect();
    let rss = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
    (
        median(&walls).unwrap_or(f64::NAN),
        median(&cpus).unwrap_or(f64::NAN),
        rss,
    )
}

/// The `component` and `total` phase times `wasi-aot build -v` prints, in milliseconds.
fn phases(build: &mut Command) -> Result<(f64, f64)> {
    let out = build
        .arg("-v")
        .output()
        .context("failed to run wasi-aot build -v")?;
    if !out.status.success() {
        bail!(
            "wasi-aot build -v failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let phase = |name: &str| {
        text.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?;
            rest.split_whitespace().next()?.parse::<f64>().ok()
        })
    };
    match (phase("component"), phase("total")) {
        (Some(c), Some(t)) => Ok((c, t)),
        _ => bail!("wasi-aot build -v printed no component and total phases:\n{text}"),
    }
}
