//! The upstream WASI Preview 1 conformance suite (WebAssembly/wasi-testsuite), as published in
//! `../shared/conformance/wasi-testsuite/` beside the checkout.
//!
//! Two trials per test: `rust/fd_readdir` for `tests/rust/testsuite/wasm32-wasip1/
//! fd_readdir.wasm` as it is (WASI Preview 1), and `p2/rust/fd_readdir` for the same module
//! wrapped as a component with wit-component and the Preview 1 adapter (WASI 0.2, as
//! `wasm-tools component new --adapt` wraps it). Each is built as `wasi-aot build` builds it, with the spec's
//! environment baked in (`--env`) and its `root` fixture preopened as the guest's `/`
//! (`--dir NAME::/`, a host path relative to the working directory, so one executable serves
//! every run). It then runs with the spec's arguments, an empty environment and no input, in
//! a fresh directory holding a writable copy of the fixture. Its exit status must equal the
//! spec's `exit_code` (default 0) and its stdout the spec's `stdout`, when given, exactly.
//!
//! Built executables are cached under `target/tmp/wasi-testsuite/`, named by a hash of the
//! module, what is baked into it and the identity of this test binary (which embeds the
//! compiler and the runtime), so an unchanged tree rebuilds nothing. An unfiltered run removes
//! the entries it did not use. Trials run in parallel, builds included.
//!
//! Known failures are listed, with the reason, in `wasi-testsuite-expected-failures.txt`; a
//! listed test that passes fails its trial, so the list only shrinks. After the trials the
//! harness prints one line per failing test with its reason and `wasi-testsuite: N passed,
//! M failed`, for the modules and for the components. A missing suite is a failure that says where it was looked for, never a skip.

use anyhow::{bail, Context, Result};
use libtest_mimic::{Arguments, Trial};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use wasi_aot_compiler::Config;
use wasi_aot_tests::{
    build_command, files_with_extension, run_command, workspace_root, wrap_as_component,
};

/// Each finished test: its name and, when it failed, why.
static OUTCOMES: Mutex<Vec<(String, Option<String>)>> = Mutex::new(Vec::new());
/// The cache entries this run used (kept by the pruning at the end).
static USED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

const EXPECTED_FAILURES: &str = "wasi-testsuite-expected-failures.txt";

fn main() {
    let args = Arguments::from_args();
    let suite = workspace_root().join("../shared/conformance/wasi-testsuite");
    let filtered = args.filter.is_some() || !args.skip.is_empty();
    let mut trials = Vec::new();
    match discover(&suite) {
        Ok(tests) => {
            let expected = expected_failures().expect("the expected-failures file is readable");
            let names: BTreeSet<String> = tests
                .iter()
                .flat_map(|t| [Variant::Module, Variant::Component].map(|v| v.trial_name(&t.name)))
                .collect();
            let unknown: Vec<String> = expected
                .keys()
                .filter(|name| !names.contains(*name))
                .cloned()
                .collect();
            trials.push(Trial::test("expected_failures_name_tests", move || {
                if unknown.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{EXPECTED_FAILURES} names no such tests: {unknown:?}").into())
                }
            }));
            for test in tests {
                let test = std::sync::Arc::new(test);
                for variant in [Variant::Module, Variant::Component] {
                    let name = variant.trial_name(&test.name);
                    let known = expected.get(&name).cloned();
                    let test = test.clone();
                    trials.push(Trial::test(name.clone(), move || {
                        check(&test, variant, &name, known.as_deref()).map_err(Into::into)
                    }));
                }
            }
        }
        Err(e) => {
            let message = format!("{e:#}");
            trials.push(Trial::test("conformance_suite_present", move || {
                Err(message.into())
            }));
        }
    }
    trials.push(Trial::test(
        "a_missing_suite_is_an_error",
        || match discover(Path::new("/nonexistent/wasi-testsuite")) {
            Err(e) if format!("{e:#}").contains("conformance suite is missing") => Ok(()),
            Err(e) => Err(format!("unexpected error: {e:#}").into()),
            Ok(_) => Err("found tests in a directory that does not exist".into()),
        },
    ));
    let conclusion = libtest_mimic::run(&args, trials);
    summarize();
    if !filtered {
        prune_cache();
    }
    conclusion.exit();
}

/// How a test module is built: as it is (WASI Preview 1), or wrapped as a component with the
/// Preview 1 adapter (WASI 0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Module,
    Component,
}

impl Variant {
    /// `LANG/NAME`, or `p2/LANG/NAME` for the component.
    fn trial_name(self, name: &str) -> String {
        match self {
            Variant::Module => name.to_string(),
            Variant::Component => format!("p2/{name}"),
        }
    }
}

/// One upstream test: a module and its spec.
struct Test {
    /// `LANG/NAME`.
    name: String,
    wasm: PathBuf,
    spec: Spec,
}

/// The optional `NAME.json` beside a test module.
#[derive(Default)]
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// A fixture directory, relative to the test's directory, preopened as `/`.
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
}

/// Every test of the suite at `suite`: the modules of `tests/LANG/testsuite/wasm32-wasip1/`.
fn discover(suite: &Path) -> Result<Vec<Test>> {
    let tests_dir = suite.join("tests");
    if !tests_dir.is_dir() {
        bail!(
            "the WASI conformance suite is missing: no directory `{}`; it must sit beside the \
             checkout as `../shared/conformance/wasi-testsuite` (see \
             ../shared/conformance/README.md)",
            tests_dir.display()
        );
    }
    let mut tests = Vec::new();
    let mut languages: Vec<PathBuf> = std::fs::read_dir(&tests_dir)
        .with_context(|| format!("failed to list `{}`", tests_dir.display()))?
        .map(|entry| Ok(entry?.path()))
        .collect::<Result<_>>()?;
    languages.sort();
    for language in languages {
        let dir = language.join("testsuite/wasm32-wasip1");
        if !dir.is_dir() {
            continue;
        }
        let lang = language
            .file_name()
            .expect("listed entries have names")
            .to_string_lossy()
            .into_owned();
        for wasm in files_with_extension(&dir, "wasm")? {
            let stem = wasm.file_stem().expect("named").to_string_lossy();
            let spec = read_spec(&wasm.with_extension("json"))?;
            tests.push(Test {
                name: format!("{lang}/{stem}"),
                wasm,
                spec,
            });
        }
    }
    if tests.is_empty() {
        bail!("no tests found under `{}`", tests_dir.display());
    }
    Ok(tests)
}

/// Reads a test's spec, or the defaults when it has none.
fn read_spec(path: &Path) -> Result<Spec> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Spec::default()),
        Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", path.display())),
    };
    let parse = || -> Result<Spec> {
        let json: serde_json::Value = serde_json::from_str(&text)?;
        let string = |value: &serde_json::Value| {
            value
                .as_str()
                .map(str::to_string)
                .with_context(|| format!("expected a string, found {value}"))
        };
        let mut spec = Spec::default();
        if let Some(args) = json.get("args") {
            let args = args.as_array().context("`args` is not a list")?;
            spec.args = args.iter().map(string).collect::<Result<_>>()?;
        }
        if let Some(env) = json.get("env") {
            let env = env.as_object().context("`env` is not an object")?;
            for (key, value) in env {
                spec.env.push((key.clone(), string(value)?));
            }
        }
        if let Some(root) = json.get("root") {
            spec.root = Some(string(root)?);
        }
        if let Some(code) = json.get("exit_code") {
            let code = code.as_i64().context("`exit_code` is not an integer")?;
            spec.exit_code = i32::try_from(code)?;
        }
        if let Some(stdout) = json.get("stdout") {
            spec.stdout = Some(string(stdout)?);
        }
        Ok(spec)
    };
    parse().with_context(|| format!("bad test spec `{}`", path.display()))
}

/// `LANG/NAME reason` lines of the expected-failures file.
fn expected_failures() -> Result<BTreeMap<String, String>> {
    let path = workspace_root().join("tests").join(EXPECTED_FAILURES);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    let mut map = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line.split_once(' ').unwrap_or((line, ""));
        map.insert(name.to_string(), reason.trim().to_string());
    }
    Ok(map)
}

/// Runs one test and compares the outcome with the expected-failures list.
fn check(test: &Test, variant: Variant, name: &str, known: Option<&str>) -> Result<(), String> {
    let failure = run_test(test, variant).err().map(|e| format!("{e:#}"));
    OUTCOMES
        .lock()
        .expect("no trial panics holding the lock")
        .push((name.to_string(), failure.clone()));
    match (failure, known) {
        (None, None) => Ok(()),
        (Some(why), None) => Err(why),
        (Some(_), Some(_)) => Ok(()),
        (None, Some(reason)) => Err(format!(
            "passes, but {EXPECTED_FAILURES} lists it as failing ({reason}); take it off the list"
        )),
    }
}

/// Builds (or finds in the cache), runs and checks one test.
fn run_test(test: &Test, variant: Variant) -> Result<()> {
    let wasm = std::fs::read(&test.wasm)
        .with_context(|| format!("failed to read `{}`", test.wasm.display()))?;
    let mut config = Config::default();
    config.wasi.env = test
        .spec
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if let Some(root) = &test.spec.root {
        config.wasi.dirs = vec![(root.clone(), "/".to_string())];
    }
    let exe = cached_build(&wasm, variant, &config, &test.name)?;

    let trial_dir = tempfile::tempdir()?;
    if let Some(root) = &test.spec.root {
        let fixture = test
            .wasm
            .parent()
            .expect("a test has a directory")
            .join(root);
        copy_writable(&fixture, &trial_dir.path().join(root))
            .with_context(|| format!("failed to copy the fixture `{}`", fixture.display()))?;
    }
    let mut cmd = Command::new(&exe);
    cmd.args(&test.spec.args)
        .env_clear()
        .current_dir(trial_dir.path());
    let out = run_command(&mut cmd, b"")?;

    let status = out.status_text();
    let stderr = one_line(&out.stderr_text());
    if status != test.spec.exit_code.to_string() {
        bail!(
            "exit status {status}, expected {}; stderr: {stderr}",
            test.spec.exit_code
        );
    }
    if let Some(expected) = &test.spec.stdout {
        let actual = out.stdout_text();
        if &actual != expected {
            bail!("stdout {actual:?}, expected {expected:?}; stderr: {stderr}");
        }
    }
    Ok(())
}

/// `text` on one line (line ends shown as ` | `), at most 400 characters.
fn one_line(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    match joined.char_indices().nth(400) {
        Some((cut, _)) => format!("{}...", &joined[..cut]),
        None if joined.is_empty() => "(empty)".to_string(),
        None => joined,
    }
}

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-testsuite")
}

/// The executable for `wasm` (as `variant`) built with `config`: from the cache, or built
/// into it.
fn cached_build(wasm: &[u8], variant: Variant, config: &Config, name: &str) -> Result<PathBuf> {
    let key = cache_key(wasm, variant, config)?;
    USED.lock()
        .expect("no trial panics holding the lock")
        .insert(key.clone());
    let dir = cache_dir();
    let exe = dir.join(&key);
    if exe.is_file() {
        return Ok(exe);
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    // Built under a name of its own, then renamed: a concurrent run never sees half a file.
    let stem = name.replace('/', "-");
    let partial = dir.join(format!("{key}.{stem}.{}.partial", std::process::id()));
    match variant {
        Variant::Module => build_command(wasm, config, &partial),
        Variant::Component => build_command(&wrap_as_component(wasm)?, config, &partial),
    }
    .with_context(|| format!("failed to build `{name}`"))?;
    std::fs::rename(&partial, &exe)
        .with_context(|| format!("failed to move the build into `{}`", exe.display()))?;
    Ok(exe)
}

/// A hash of everything the executable depends on: this test binary (it embeds the
/// compiler and the runtime, so any change to either relinks it), the module and the policy.
fn cache_key(wasm: &[u8], variant: Variant, config: &Config) -> Result<String> {
    let me = std::env::current_exe().context("failed to find the test executable")?;
    let meta = std::fs::metadata(&me)
        .with_context(|| format!("failed to read the metadata of `{}`", me.display()))?;
    let modified = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let halves = [0u8, 1].map(|seed| {
        let mut hasher = DefaultHasher::new();
        seed.hash(&mut hasher);
        (meta.len(), modified.as_nanos()).hash(&mut hasher);
        wasm.hash(&mut hasher);
        format!("{variant:?} {:?}", config.wasi).hash(&mut hasher);
        hasher.finish()
    });
    Ok(format!("{:016x}{:016x}", halves[0], halves[1]))
}

/// Copies the tree `from` to `to`, every file and directory writable by its owner (the
/// published fixtures may be read-only; a test writes into its copy).
fn copy_writable(from: &Path, to: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_writable(&source, &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
            continue;
        } else {
            std::fs::copy(&source, &target)?;
        }
        let mut permissions = std::fs::metadata(&target)?.permissions();
        permissions.set_mode(permissions.mode() | 0o200);
        std::fs::set_permissions(&target, permissions)?;
    }
    let mut permissions = std::fs::metadata(to)?.permissions();
    permissions.set_mode(permissions.mode() | 0o700);
    std::fs::set_permissions(to, permissions)?;
    Ok(())
}

/// Prints one line per failing test and the totals, for the modules and the components.
fn summarize() {
    let mut outcomes = OUTCOMES
        .lock()
        .expect("no trial panics holding the lock")
        .clone();
    if outcomes.is_empty() {
        return;
    }
    outcomes.sort();
    let expected = expected_failures().unwrap_or_default();
    for (name, why) in &outcomes {
        if let Some(why) = why {
            let mark = if expected.contains_key(name) {
                "expected failure"
            } else {
                "FAILED"
            };
            println!("wasi-testsuite {mark} {name}: {}", one_line(why));
        }
    }
    for (label, components) in [("", false), (" as components", true)] {
        let set: Vec<_> = outcomes
            .iter()
            .filter(|(name, _)| name.starts_with("p2/") == components)
            .collect();
        if set.is_empty() {
            continue;
        }
        let failed = set.iter().filter(|(_, why)| why.is_some()).count();
        let listed = set
            .iter()
            .filter(|(name, why)| why.is_some() && expected.contains_key(name))
            .count();
        println!(
            "wasi-testsuite{label}: {} passed, {failed} failed ({listed} of them expected)",
            set.len() - failed
        );
    }
}

/// Removes the cache entries this run did not use (builds of older trees).
fn prune_cache() {
    let used = USED.lock().expect("no trial panics holding the lock");
    let Ok(entries) = std::fs::read_dir(cache_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !used.contains(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
