//! Components, from `tests/components/<case>/`: each is flattened into its instantiation plan,
//! built into an executable and run.
//!
//! A case holds `component.wat` (component text). Its plan's text form must equal `plan.txt`
//! and what `wasi-aot inspect` prints `inspect.txt`;
//! the executable runs with the arguments of `args` (one per line, else none), no input and
//! an empty environment, and its stdout and exit status must equal `stdout` and `status`,
//! its stderr `stderr` when that exists. `BLESS=1` rewrites the golden files from the actual
//! results (and creates `plan.txt`, `inspect.txt`, `stdout` and `status` of a new case); review the diff.

use anyhow::{Context, Result};
use libtest_mimic::{Arguments, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasi_aot_compiler::Config;
use wasi_aot_tests::{
    build_command, expect_golden, expect_status, parse_args_file, read_golden, run_command,
    workspace_root,
};

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for case in cases().expect("tests/components is readable") {
        let name = case
            .file_name()
            .expect("cases are directories")
            .to_string_lossy()
            .into_owned();
        trials.push(Trial::test(name, move || {
            check(&case).map_err(|e| format!("{e:#}").into())
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn cases() -> Result<Vec<PathBuf>> {
    let root = workspace_root().join("tests/components");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&root)? {
        let path = entry?.path();
        if path.is_dir() {
            cases.push(path);
        }
    }
    cases.sort();
    Ok(cases)
}

fn check(case: &Path) -> Result<()> {
    let source = case.join("component.wat");
    let wasm = wasi_aot_compiler::read_input(&source)
        .with_context(|| format!("failed to read `{}`", source.display()))?;
    let config = Config::default();
    let mut problems = Vec::new();

    let plan = wasi_aot_compiler::component::plan(&wasm, &config)?;
    problems.extend(expect_golden(&case.join("plan.txt"), plan.to_string().as_bytes(), true).err());
    let inspect = wasi_aot_compiler::inspect::describe(&wasm)?;
    problems.extend(expect_golden(&case.join("inspect.txt"), inspect.as_bytes(), true).err());

    let dir = tempfile::tempdir()?;
    let exe = dir.path().join("app");
    build_command(&wasm, &config, &exe)?;
    let args = read_golden(&case.join("args"))?
        .map(|text| parse_args_file(&text))
        .unwrap_or_default();
    let mut cmd = Command::new(&exe);
    cmd.args(&args).env_clear().current_dir(dir.path());
    let out = run_command(&mut cmd, b"")?;
    problems.extend(expect_golden(&case.join("stdout"), &out.stdout, true).err());
    problems.extend(expect_status(&case.join("status"), &out.status_text()).err());
    let stderr = case.join("stderr");
    if stderr.is_file() {
        problems.extend(expect_golden(&stderr, &out.stderr, false).err());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{}\nstderr:\n{}", problems.join("\n"), out.stderr_text())
    }
}
