//! Golden tests of the messages `wasi-aot build` prints when it cannot build, and a check
//! that no input makes the compiler panic.
//!
//! Each case `NAME` in `tests/errors/` (see the README there) runs the real `wasi-aot`
//! binary, since its output is what users see: `wasi-aot build NAME.wat -o $TMP/NAME` (or
//! `NAME.wasm`), or the arguments listed in `NAME.args`, from `tests/errors/` with a
//! clean environment. Stderr must equal `NAME.err` (with the case's temporary directory
//! written `$TMP`), the exit status `NAME.status`, and stdout must be empty. A case with
//! a `NAME.fixme` file pins behaviour known to be wrong: it still asserts today's output,
//! runs as kind `FIXME`, and the reason is printed at the end. `BLESS=1` rewrites `.err`
//! and `.status` files.
//!
//! The binary is `wasi-aot` next to the test executable's profile directory
//! (`target/debug/wasi-aot` for `target/debug/deps/errors-*`): `CARGO_BIN_EXE_*` exists only
//! for binaries of the tested package. When it is missing or older than the sources it is
//! built from, the harness runs `cargo build -p wasi-aot-compiler --bin wasi-aot` first (the
//! Makefile's test target builds it before the tests anyway).
//!
//! `no_panic_on_garbage` feeds deterministic mutations of `tests/programs/c/hello.wasm`
//! through `compile_program` in-process: each must return `Ok` or `Err`, never panic.

use anyhow::{bail, Context, Result};
use libtest_mimic::{Arguments, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;
use wasi_aot_compiler::{compile_program, Config, ModuleInput, ProgramKind};
use wasi_aot_tests::{
    expect_golden, expect_status, parse_args_file, read_golden, run_command, workspace_root,
};

/// The files a case may consist of.
const CASE_FILES: &[&str] = &["wat", "wasm", "args", "err", "status", "fixme"];

/// Reasons of the FIXME cases that ran, printed after the run.
static FIXMES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn main() {
    let args = Arguments::from_args();
    let dir = cases_dir();
    let mut names = BTreeSet::new();
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/errors is readable") {
        let path = entry.expect("tests/errors is readable").path();
        let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
        if ext.is_some_and(|e| CASE_FILES.contains(&e.as_str())) {
            names.insert(
                path.file_stem()
                    .expect("case files have names")
                    .to_string_lossy()
                    .into_owned(),
            );
        } else if path.file_name().is_some_and(|n| n != "README.md") {
            strays.push(path.display().to_string());
        }
    }
    let mut trials = Vec::new();
    for name in names {
        let fixme =
            read_golden(&dir.join(format!("{name}.fixme"))).expect("fixme files are readable");
        let kind = if fixme.is_some() { "FIXME" } else { "" };
        let case = name.clone();
        let trial = Trial::test(name, move || {
            check_case(&case).map_err(|e| format!("{e:#}"))?;
            if let Some(reason) = fixme {
                FIXMES
                    .lock()
                    .expect("no trial panics while holding the lock")
                    .push(format!("{case}: {}", reason.trim()));
            }
            Ok(())
        });
        trials.push(trial.with_kind(kind));
    }
    trials.push(Trial::test("every_file_is_part_of_a_case", move || {
        if strays.is_empty() {
            return Ok(());
        }
        let known = CASE_FILES.join(", .");
        Err(format!(
            "not part of any case (case files are .{known}):\n{}",
            strays.join("\n")
        )
        .into())
    }));
    trials.push(Trial::test("no_panic_on_garbage", || {
        no_panic_on_garbage().map_err(|e| format!("{e:#}").into())
    }));
    let conclusion = libtest_mimic::run(&args, trials);
    let mut fixmes = FIXMES.lock().expect("all trials have finished");
    fixmes.sort();
    if !fixmes.is_empty() {
        println!("cases that pin known-wrong behaviour (FIXME):");
        for fixme in fixmes.iter() {
            println!("  {fixme}");
        }
    }
    conclusion.exit()
}

fn cases_dir() -> PathBuf {
    workspace_root().join("tests/errors")
}

/// Runs case `name` and compares its stderr, status and stdout with the golden files.
fn check_case(name: &str) -> Result<()> {
    let dir = cases_dir();
    let tmp = tempfile::tempdir()?;
    let tmp_text = tmp.path().to_string_lossy().into_owned();
    let args = match read_golden(&dir.join(format!("{name}.args")))? {
        Some(text) => parse_args_file(&text)
            .into_iter()
            .map(|a| a.replace("$TMP", &tmp_text))
            .collect(),
        None => {
            let input = ["wat", "wasm"]
                .iter()
                .map(|ext| format!("{name}.{ext}"))
                .find(|file| dir.join(file).is_file())
                .with_context(|| {
                    format!("case `{name}` has neither NAME.wat, NAME.wasm nor NAME.args")
                })?;
            vec![
                "build".into(),
                input,
                "-o".into(),
                format!("{tmp_text}/{name}"),
            ]
        }
    };
    let mut cmd = Command::new(cli()?);
    cmd.args(&args)
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", tmp.path())
        .env("XDG_CACHE_HOME", tmp.path());
    let out = run_command(&mut cmd, b"")?;
    let stderr = out.stderr_text().replace(&tmp_text, "$TMP");

    let mut problems = Vec::new();
    problems.extend(expect_golden(&dir.join(format!("{name}.err")), stderr.as_bytes(), true).err());
    problems.extend(expect_status(&dir.join(format!("{name}.status")), &out.status_text()).err());
    if !out.stdout.is_empty() {
        problems.push(format!("stdout is not empty:\n{}", out.stdout_text()));
    }
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "wasi-aot {}\n{}\n--- stderr ---\n{stderr}",
        args.join(" "),
        problems.join("\n")
    )
}

/// The `wasi-aot` binary of the profile the tests were built with, built first when it is
/// missing or stale.
fn cli() -> Result<PathBuf> {
    static CLI: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = CLI.get_or_init(|| find_or_build_cli().map_err(|e| format!("{e:#}")));
    found.clone().map_err(|e| anyhow::anyhow!("{e}"))
}

fn find_or_build_cli() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    // target/<profile>/deps/errors-HASH → target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("the test executable is not in target/<profile>/deps")?;
    let bin = profile_dir.join("wasi-aot");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    if built.is_some_and(|time| !sources_newer_than(time)) {
        return Ok(bin);
    }
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let target_dir = profile_dir
        .parent()
        .context("the profile directory has a parent")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "-p",
            "wasi-aot-compiler",
            "--bin",
            "wasi-aot",
            "--profile",
            profile,
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(workspace_root())
        .status()
        .context("failed to run cargo to build wasi-aot")?;
    if !status.success() || !bin.is_file() {
        bail!("`cargo build -p wasi-aot-compiler` failed ({status}); the error cases need the wasi-aot binary");
    }
    Ok(bin)
}

/// Whether a source the `wasi-aot` binary is built from changed after `time`.
fn sources_newer_than(time: SystemTime) -> bool {
    fn newer(path: &Path, time: SystemTime) -> bool {
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        if meta.is_dir() {
            let Ok(entries) = std::fs::read_dir(path) else {
                return false;
            };
            return entries.flatten().any(|e| newer(&e.path(), time));
        }
        meta.modified().is_ok_and(|m| m > time)
    }
    let root = workspace_root();
    [
        "compiler",
        "linker",
        "runtime-lib",
        "wasi-host",
        "Cargo.lock",
        "Cargo.toml",
    ]
    .iter()
    .any(|p| newer(&root.join(p), time))
}

/// A fixed-seed linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Mutations of a valid module: every fourth is truncated, the others get 1–4 bytes
/// replaced. Half compile as commands, half as scripts (where any import is accepted, so
/// more mutants reach code generation).
fn no_panic_on_garbage() -> Result<()> {
    const MUTANTS: usize = 1000;
    let hello = std::fs::read(workspace_root().join("tests/programs/c/hello.wasm"))?;
    let mut rng = Lcg(0x5eed);
    let config = Config {
        threads: 1,
        ..Config::default()
    };
    let mut panics = Vec::new();
    let (mut compiled, mut rejected) = (0, 0);
    for i in 0..MUTANTS {
        let mut wasm = hello.clone();
        if i % 4 == 0 {
            wasm.truncate(rng.below(wasm.len()));
        } else {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(wasm.len());
                wasm[at] = rng.next() as u8;
            }
        }
        let kind = if i % 2 == 0 {
            ProgramKind::Command
        } else {
            ProgramKind::Script
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let input = ModuleInput {
                name: format!("mutant{i}"),
                wasm: &wasm,
            };
            compile_program(&[input], kind, &config).map(|_| ())
        }));
        match result {
            Ok(Ok(())) => compiled += 1,
            Ok(Err(_)) => rejected += 1,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string payload)".into());
                panics.push(format!(
                    "mutant {i} ({kind:?}, {} bytes): {message}",
                    wasm.len()
                ));
            }
        }
    }
    if panics.is_empty() {
        return Ok(());
    }
    bail!(
        "compile_program panicked on {} of {MUTANTS} mutants ({compiled} compiled, {rejected} rejected):\n{}",
        panics.len(),
        panics.join("\n")
    )
}
