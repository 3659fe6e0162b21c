//! The WASI host-call path: `benches/hostcall/fd_write.c` makes 100,000 small
//! `write(2)` calls to standard output, which is `/dev/null` here. Under WASI each is
//! one `fd_write` import call; natively, one system call. The same writes as a component
//! (`benches/hostcall/blocking_write.c`: each one `output-stream.blocking-write-and-flush`,
//! WASI 0.2) run built by wasi-aot and by `wasmtime run` of the precompiled component.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::measure::{median, run_measured};
use crate::tools::{run_step, Tools};
use crate::variants::{Artifacts, Program, Variant};

/// Host-call figures.
#[derive(Debug)]
pub struct HostcallResult {
    /// Runs per variant.
    pub runs: usize,
    /// Median wall time per variant of the Preview 1 program, in milliseconds.
    pub median_ms: [f64; 3],
    /// Median wall time of the component: (wasmtime, wasi-aot), in milliseconds.
    pub component_ms: (f64, f64),
}

impl HostcallResult {
    /// `median(a) / median(b)`.
    pub fn ratio(&self, a: Variant, b: Variant) -> f64 {
        self.median_ms[a.index()] / self.median_ms[b.index()]
    }
}

/// Measures the host-call loops over `runs` runs per variant.
pub fn measure(tools: &Tools, runs: usize) -> Result<HostcallResult> {
    let program = Program::from_source(&tools.root.join("benches/hostcall/fd_write.c"))?;
    let artifacts = Artifacts::build(tools, &program)?;
    artifacts.verify().context("fd_write")?;
    let component = Component::build(tools)?;
    component.verify()?;
    let mut walls: [Vec<f64>; 3] = Default::default();
    let (mut wasmtime_component, mut aot_component) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        for variant in Variant::ALL {
            // `command` points stdout at /dev/null.
            let sample = run_measured(&mut artifacts.command(variant), "fd_write")?;
            walls[variant.index()].push(sample.wall.as_secs_f64() * 1e3);
        }
        let sample = run_measured(&mut component.wasmtime(), "blocking_write (wasmtime)")?;
        wasmtime_component.push(sample.wall.as_secs_f64() * 1e3);
        let sample = run_measured(&mut component.aot(), "blocking_write (wasi-aot)")?;
        aot_component.push(sample.wall.as_secs_f64() * 1e3);
    }
    let mut median_ms = [0.0; 3];
    for variant in Variant::ALL {
        median_ms[variant.index()] = median(&walls[variant.index()]).unwrap_or(f64::NAN);
    }
    Ok(HostcallResult {
        runs,
        median_ms,
        component_ms: (
            median(&wasmtime_component).unwrap_or(f64::NAN),
            median(&aot_component).unwrap_or(f64::NAN),
        ),
    })
}

/// The component build of the benchmark: wasi-aot's executable and wasmtime's
/// precompiled component.
struct Component {
    aot: std::path::PathBuf,
    cwasm: std::path::PathBuf,
    wasmtime: std::path::PathBuf,
}

impl Component {
    fn build(tools: &Tools) -> Result<Component> {
        let wasm = tools.root.join("benches/hostcall/blocking_write.wasm");
        if !wasm.is_file() {
            bail!(
                "`{}` is missing; rebuild it with `make bench-wasm`",
                wasm.display()
            );
        }
        let dir = tools.work_dir("blocking_write")?;
        let aot = dir.join("wasi-aot");
        let cwasm = dir.join("blocking_write.cwasm");
        run_step(
            Command::new(&tools.wasmtime)
                .arg("compile")
                .arg(&wasm)
                .arg("-o")
                .arg(&cwasm),
        )
        .context("`wasmtime compile` of the blocking_write component failed")?;
        run_step(
            Command::new(&tools.wasi_aot)
                .arg("build")
                .args(["--target-cpu", "native"])
                .arg(&wasm)
                .arg("-o")
                .arg(&aot),
        )
        .context("`wasi-aot build` of the blocking_write component failed")?;
        Ok(Component {
            aot,
            cwasm,
            wasmtime: tools.wasmtime.clone(),
        })
    }

    fn quiet(mut cmd: Command) -> Command {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }

    fn aot(&self) -> Command {
        Component::quiet(Command::new(&self.aot))
    }

    fn wasmtime(&self) -> Command {
        let mut cmd = Command::new(&self.wasmtime);
        cmd.args(["run", "--allow-precompiled"]).arg(&self.cwasm);
        Component::quiet(cmd)
    }

    /// Both builds write the expected byte count and exit with status 0.
    fn verify(&self) -> Result<()> {
        let want = "blocking_write: 450000 bytes in 100000 calls";
        for (label, mut cmd) in [("wasi-aot", self.aot()), ("wasmtime", self.wasmtime())] {
            let out = cmd
                .stderr(Stdio::piped())
                .output()
                .with_context(|| format!("failed to run the {label} component"))?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() || stderr.trim() != want {
                bail!(
                    "the {label} component failed ({}): {}",
                    out.status,
                    stderr.trim()
                );
            }
        }
        Ok(())
    }
}
