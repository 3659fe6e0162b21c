//! One benchmark program in its three builds, and how to run each: the C source
//! compiled natively with `gcc -O2` (the practical limit), the checked-in `.wasm` run by
//! wasmtime after `wasmtime compile` (`run --allow-precompiled`), and the same `.wasm`
//! built into an executable by `wasi-aot build`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context, Result};

use crate::tools::{run_step, Tools};

/// The three implementations, in the order every comparison runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The C source built with `gcc -O2`.
    Native,
    /// `wasmtime run --allow-precompiled` of the `wasmtime compile` output.
    Wasmtime,
    /// The executable from `wasi-aot build`.
    WasiAot,
}

impl Variant {
    /// All variants, in run order.
    pub const ALL: [Variant; 3] = [Variant::Native, Variant::Wasmtime, Variant::WasiAot];

    /// The label used in tables.
    pub fn label(self) -> &'static str {
        match self {
            Variant::Native => "native",
            Variant::Wasmtime => "wasmtime",
            Variant::WasiAot => "wasi-aot",
        }
    }

    /// Index into per-variant arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A benchmark program: its checked-in module and how to build it natively.
#[derive(Clone, Debug)]
pub struct Program {
    /// Short name, also the build directory name.
    pub name: String,
    /// What it exercises (the `Category:` line of its source).
    pub category: String,
    /// The checked-in `.wasm`.
    pub wasm: PathBuf,
    /// Inputs of the native build: C sources or prebuilt objects.
    pub native_inputs: Vec<PathBuf>,
    /// Extra native compiler flags (include paths, defines).
    pub native_flags: Vec<String>,
}

impl Program {
    /// A program from one C source with its `.wasm` beside it.
    pub fn from_source(source: &Path) -> Result<Program> {
        let name = source
            .file_stem()
            .and_then(|s| s.to_str())
            .with_context(|| format!("bad file name `{}`", source.display()))?
            .to_string();
        let text = fs::read_to_string(source)
            .with_context(|| format!("failed to read `{}`", source.display()))?;
        let category = text
            .lines()
            .find_map(|line| {
                line.trim_start_matches([' ', '*'])
                    .strip_prefix("Category:")
            })
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        let wasm = source.with_extension("wasm");
        if !wasm.is_file() {
            bail!(
                "`{}` is missing; rebuild the modules with `make bench-wasm`",
                wasm.display()
            );
        }
        Ok(Program {
            name,
            category,
            wasm,
            native_inputs: vec![source.to_path_buf()],
            native_flags: Vec::new(),
        })
    }
}

/// The built artifacts of one program.
#[derive(Clone, Debug)]
pub struct Artifacts {
    /// The native executable.
    pub native: PathBuf,
    /// The precompiled wasmtime module.
    pub cwasm: PathBuf,
    /// The wasi-aot executable.
    pub aot: PathBuf,
    wasmtime: PathBuf,
}

impl Artifacts {
    /// Builds all three variants of `program` into `target/bench/<name>/`.
    pub fn build(tools: &Tools, program: &Program) -> Result<Artifacts> {
        let dir = tools.work_dir(&program.name)?;
        let native = dir.join("native");
        let cwasm = dir.join(format!("{}.cwasm", program.name));
        let aot = dir.join("wasi-aot");
        run_step(
            Command::new(&tools.cc)
                .arg("-O2")
                .args(&program.native_flags)
                .arg("-o")
                .arg(&native)
                .args(&program.native_inputs)
                .arg("-lm"),
        )
        .with_context(|| format!("native build of {} failed", program.name))?;
        run_step(
            Command::new(&tools.wasmtime)
                .arg("compile")
                .arg(&program.wasm)
                .arg("-o")
                .arg(&cwasm),
        )
        .with_context(|| format!("`wasmtime compile` of {} failed", program.name))?;
        run_step(
            // `wasmtime compile` targets the host CPU; so does this build.
            Command::new(&tools.wasi_aot)
                .arg("build")
                .args(["--target-cpu", "native"])
                .arg(&program.wasm)
                .arg("-o")
                .arg(&aot),
        )
        .with_context(|| format!("`wasi-aot build` of {} failed", program.name))?;
        Ok(Artifacts {
            native,
            cwasm,
            aot,
            wasmtime: tools.wasmtime.clone(),
        })
    }

    /// The command that runs `variant`, with null standard streams.
    pub fn command(&self, variant: Variant) -> Command {
        let mut cmd = match variant {
            Variant::Native => Command::new(&self.native),
            Variant::Wasmtime => {
                let mut cmd = Command::new(&self.wasmtime);
                cmd.args(["run", "--allow-precompiled"]).arg(&self.cwasm);
                cmd
            }
            Variant::WasiAot => Command::new(&self.aot),
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }

    /// Runs `variant` once with its output captured.
    pub fn output(&self, variant: Variant) -> Result<Output> {
        self.command(variant)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("failed to run the {} build", variant.label()))
    }

    /// Runs every variant once and checks that each exits with status 0 and prints
    /// exactly what the native build prints (stdout and stderr). Returns the native
    /// output's last line, or what went wrong.
    pub fn verify(&self) -> Result<String> {
        let native = self.output(Variant::Native)?;
        if !native.status.success() {
            bail!(
                "the native build failed ({}): {}",
                native.status,
                String::from_utf8_lossy(&native.stderr).trim()
            );
        }
        for variant in [Variant::Wasmtime, Variant::WasiAot] {
            let out = self.output(variant)?;
            if !out.status.success() {
                bail!(
                    "{} failed ({}): {}",
                    variant.label(),
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            if out.stdout != native.stdout || out.stderr != native.stderr {
                bail!(
                    "{} output differs from native:\n--- native\n{}{}--- {}\n{}{}",
                    variant.label(),
                    String::from_utf8_lossy(&native.stdout),
                    String::from_utf8_lossy(&native.stderr),
                    variant.label(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        let text = String::from_utf8_lossy(&native.stdout).into_owned()
            + &String::from_utf8_lossy(&native.stderr);
        Ok(text.lines().last().unwrap_or("").trim().to_string())
    }
}
