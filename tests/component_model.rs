//! The Component Model reference tests (`../shared/conformance/component-model/test/`,
//! everything outside `async/` and `nyi.txt`), run through wasi-aot's real pipeline.
//!
//! Each component of a `.wast` file is compiled by `wasi_aot_compiler` (the same front end,
//! translation and runtime as `wasi-aot build`) into an executable in component script mode
//! (`runtime-lib/src/component/script.rs`), linked, and run as a child process: one process
//! per instantiation, so that each `component instance` starts afresh. The harness sends it
//! `invoke` requests with component values and compares the answers. `assert_invalid` and
//! `assert_malformed` are checked in-process: the compiler must reject the component.
//!
//! Every assertion counts, as in `spec.rs`. Known failures are listed with a reason in
//! `component-model-expected-failures.txt`, one `dir/file.wast:line` per assertion or
//! `dir/file.wast` for a whole file; an unlisted failure fails the file, and so does a listed
//! one that passes. Prints per-file `passed/total` and `component-model: N passed, M failed`.
//! Executables are cached under `target/tmp/component-model/` by content (as in
//! `wasi_testsuite.rs`).

use anyhow::{bail, Context, Result};
use libtest_mimic::{Arguments, Trial};
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use wasi_aot_compiler::Config;
use wast::component::WastVal;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastRet, Wat};

const EXPECTED: &str = "component-model-expected-failures.txt";

/// Per-file (passed, total).
static TOTALS: Mutex<BTreeMap<String, (usize, usize)>> = Mutex::new(BTreeMap::new());

fn suite() -> PathBuf {
    wasi_aot_tests::workspace_root().join("../shared/conformance/component-model/test")
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    match files() {
        Ok(files) => {
            let expected = expected_failures().expect("the expected-failures file is readable");
            for (name, path) in files {
                let known: Vec<(Option<usize>, String)> = expected
                    .iter()
                    .filter(|(k, _)| k.0 == name)
                    .map(|(k, reason)| (k.1, reason.clone()))
                    .collect();
                let trial_name = name.clone();
                trials.push(Trial::test(trial_name, move || {
                    run_file(&name, &path, &known).map_err(|e| format!("{e:#}").into())
                }));
            }
        }
        Err(e) => {
            let message = format!("{e:#}");
            trials.push(Trial::test("conformance_suite_present", move || {
                Err(message.into())
            }));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    let totals = TOTALS.lock().expect("no trial panics holding the lock");
    let (mut passed, mut total) = (0, 0);
    for (file, (p, t)) in totals.iter() {
        println!("component-model {file}: {p}/{t}");
        passed += p;
        total += t;
    }
    if total > 0 {
        println!(
            "component-model: {passed} passed, {} failed",
            total - passed
        );
    }
    conclusion.exit();
}

/// The test files: `dir/file.wast` and its path.
fn files() -> Result<Vec<(String, PathBuf)>> {
    let root = suite();
    if !root.is_dir() {
        bail!(
            "the Component Model reference tests are missing: no directory `{}`; they must \
             sit beside the checkout as `../shared/conformance/component-model/test` (see \
             ../shared/conformance/README.md)",
            root.display()
        );
    }
    let nyi: Vec<String> = std::fs::read_to_string(root.join("nyi.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().trim_start_matches("./").to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root)? {
        let dir = dir?.path();
        if !dir.is_dir() || dir.file_name().is_some_and(|n| n == "async") {
            continue;
        }
        for file in wasi_aot_tests::files_with_extension(&dir, "wast")? {
            let name = format!(
                "{}/{}",
                dir.file_name().expect("named").to_string_lossy(),
                file.file_name().expect("named").to_string_lossy()
            );
            if !nyi.contains(&name) {
                out.push((name, file));
            }
        }
    }
    out.sort();
    if out.is_empty() {
        bail!("no .wast files under `{}`", root.display());
    }
    Ok(out)
}

/// (file, line or whole file) -> reason.
fn expected_failures() -> Result<BTreeMap<(String, Option<usize>), String>> {
    let path = wasi_aot_tests::workspace_root()
        .join("tests")
        .join(EXPECTED);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    let mut map = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, reason) = line.split_once(' ').unwrap_or((line, ""));
        let key = match key.rsplit_once(':') {
            Some((file, n)) if n.parse::<usize>().is_ok() => {
                (file.to_string(), Some(n.parse().expect("checked")))
            }
            _ => (key.to_string(), None),
        };
        map.insert(key, reason.to_string());
    }
    Ok(map)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn name(s: &str) -> String {
    format!("={}", hex(s.as_bytes()))
}

/// A component value in the script protocol's notation (see `script.rs`).
fn val(v: &WastVal<'_>) -> Result<String> {
    Ok(match v {
        WastVal::Bool(b) => format!("bool:{}", *b as u8),
        WastVal::U8(v) => format!("u8:{v}"),
        WastVal::S8(v) => format!("s8:{v}"),
        WastVal::U16(v) => format!("u16:{v}"),
        WastVal::S16(v) => format!("s16:{v}"),
        WastVal::U32(v) => format!("u32:{v}"),
        WastVal::S32(v) => format!("s32:{v}"),
        WastVal::U64(v) => format!("u64:{v}"),
        WastVal::S64(v) => format!("s64:{v}"),
        WastVal::F32(v) => format!("f32:{:x}", canonical_f32(v.bits)),
        WastVal::F64(v) => format!("f64:{:x}", canonical_f64(v.bits)),
        WastVal::Char(c) => format!("char:{:x}", *c as u32),
        WastVal::String(s) => format!("string:{}", hex(s.as_bytes())),
        WastVal::List(items) | WastVal::Tuple(items) => {
            let kind = if matches!(v, WastVal::List(_)) {
                "list"
            } else {
                "record"
            };
            let items: Vec<String> = items.iter().map(val).collect::<Result<_>>()?;
            format!("{kind} ( {} )", items.join(" ")).replace("(  )", "( )")
        }
        WastVal::Record(fields) => {
            let items: Vec<String> = fields.iter().map(|(_, v)| val(v)).collect::<Result<_>>()?;
            format!("record ( {} )", items.join(" ")).replace("(  )", "( )")
        }
        WastVal::Variant(case, payload) => variant(case, payload.as_deref())?,
        WastVal::Enum(case) => variant(case, None)?,
        WastVal::Option(None) => variant("none", None)?,
        WastVal::Option(Some(v)) => variant("some", Some(v))?,
        WastVal::Result(Ok(v)) => variant("ok", v.as_deref())?,
        WastVal::Result(Err(v)) => variant("err", v.as_deref())?,
        WastVal::Flags(names) => {
            let mut names: Vec<String> = names.iter().map(|n| name(n)).collect();
            names.sort();
            format!("flags:{}", names.join(","))
        }
        WastVal::Map(_) => bail!("map values are not supported"),
    })
}

fn variant(case: &str, payload: Option<&WastVal<'_>>) -> Result<String> {
    Ok(match payload {
        Some(p) => format!("variant:{} ( {} )", name(case), val(p)?),
        None => format!("variant:{}", name(case)),
    })
}

fn canonical_f32(bits: u32) -> u32 {
    if f32::from_bits(bits).is_nan() {
        0x7fc0_0000
    } else {
        bits
    }
}

fn canonical_f64(bits: u64) -> u64 {
    if f64::from_bits(bits).is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        bits
    }
}

/// Normalizes an answer's flags (sorted), so sets compare equal.
fn normalize(answer: &str) -> String {
    answer
        .split(' ')
        .map(|w| match w.strip_prefix("flags:") {
            Some(set) => {
                let mut names: Vec<&str> = set.split(',').filter(|n| !n.is_empty()).collect();
                names.sort();
                format!("flags:{}", names.join(","))
            }
            None => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A running instantiation.
struct Instance {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Instance {
    fn start(exe: &Path) -> Result<(Instance, String)> {
        let mut child = Command::new(exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_clear()
            .spawn()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut instance = Instance {
            child,
            stdin,
            stdout,
        };
        let first = instance.read()?;
        Ok((instance, first))
    }

    fn read(&mut self) -> Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            let mut stderr = String::new();
            if let Some(mut pipe) = self.child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            let status = self.child.wait()?;
            bail!("the component process ended ({status}): {}", stderr.trim());
        }
        Ok(line.trim_end().to_string())
    }

    fn request(&mut self, line: &str) -> Result<String> {
        writeln!(self.stdin, "{line}")?;
        self.stdin.flush()?;
        self.read()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("component-model")
}

/// The script-mode executable of component `wasm`, or why it cannot be built.
fn executable(wasm: &[u8]) -> Result<std::result::Result<PathBuf, String>> {
    let me = std::env::current_exe()?;
    let meta = std::fs::metadata(&me)?;
    let mut hasher = DefaultHasher::new();
    (meta.len(), meta.modified()?).hash(&mut hasher);
    wasm.hash(&mut hasher);
    let exe = cache_dir().join(format!("{:016x}", hasher.finish()));
    if exe.is_file() {
        return Ok(Ok(exe));
    }
    let config = Config {
        threads: 1,
        ..Config::default()
    };
    let object = match wasi_aot_compiler::component::compile_component_script(wasm, &config) {
        Ok(compiled) => compiled.object,
        Err(e) => return Ok(Err(e.to_string())),
    };
    std::fs::create_dir_all(cache_dir())?;
    let partial = exe.with_extension(format!("{}.partial", std::process::id()));
    let object_path = partial.with_extension("o");
    std::fs::write(&object_path, object)?;
    let linked = wasi_aot_linker::link(&wasi_aot_linker::LinkOptions {
        object: object_path.clone(),
        output: partial.clone(),
        static_link: false,
        strip: false,
    });
    let _ = std::fs::remove_file(&object_path);
    linked?;
    std::fs::rename(&partial, &exe)?;
    Ok(Ok(exe))
}

/// Encodes a component of the script; `None` for text that does not parse (malformed).
fn encode(wat: &mut QuoteWat<'_>) -> std::result::Result<Vec<u8>, String> {
    wat.encode().map_err(|e| e.to_string())
}

fn is_component(wat: &QuoteWat<'_>) -> bool {
    matches!(
        wat,
        QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..)
    )
}

/// Runs one file; fails unless its failures are exactly the listed ones.
fn run_file(file: &str, path: &Path, known: &[(Option<usize>, String)]) -> Result<()> {
    let text = std::fs::read_to_string(path)?;
    let buffer = ParseBuffer::new(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let wast: Wast<'_> = parser::parse(&buffer).map_err(|e| anyhow::anyhow!("{e}"))?;
    let line_of = |span: wast::token::Span| span.linecol_in(&text).0 + 1;
    let mut results: Vec<(usize, Option<String>)> = Vec::new();
    let mut definitions: HashMap<String, Vec<u8>> = HashMap::new();
    // Every instantiation is a process; `current` and `named` index into `instances`, so a
    // named instance is also the current one, not a second copy.
    // An unnamed instance's process ends once another becomes current.
    let mut instances: Vec<Option<Instance>> = Vec::new();
    let mut named: HashMap<String, usize> = HashMap::new();
    let mut current: Option<usize> = None;

    for directive in wast.directives {
        let line = line_of(directive.span());
        let outcome: Result<Option<String>> = (|| {
            Ok(match directive {
                WastDirective::Module(mut wat) if is_component(&wat) => {
                    let id = component_id(&wat);
                    let wasm = match encode(&mut wat) {
                        Ok(w) => w,
                        Err(e) => return Ok(Some(format!("cannot encode: {e}"))),
                    };
                    match executable(&wasm)? {
                        Err(e) => {
                            current = None;
                            Some(format!("does not compile: {e}"))
                        }
                        Ok(exe) => {
                            let (instance, first) = Instance::start(&exe)?;
                            if first != "ready" {
                                current = None;
                                Some(format!("instantiation failed: {first}"))
                            } else {
                                retire(&mut instances, current, &named);
                                instances.push(Some(instance));
                                current = Some(instances.len() - 1);
                                if let Some(id) = id {
                                    named.insert(id, instances.len() - 1);
                                }
                                None
                            }
                        }
                    }
                }
                WastDirective::ModuleDefinition(mut wat) if is_component(&wat) => {
                    let id = component_id(&wat);
                    let wasm = match encode(&mut wat) {
                        Ok(w) => w,
                        Err(e) => return Ok(Some(format!("cannot encode: {e}"))),
                    };
                    // A definition only has to be valid; it is compiled when instantiated
                    // (its imports may be ones only a `component instance` could supply).
                    let failure = wasi_aot_compiler::component::validate(&wasm, &Config::default())
                        .err()
                        .map(|e| format!("invalid: {e}"));
                    if let Some(id) = id {
                        definitions.insert(id, wasm);
                    }
                    failure
                }
                WastDirective::ModuleInstance {
                    instance, module, ..
                } => {
                    let Some(wasm) = module.and_then(|m| definitions.get(m.name())) else {
                        return Ok(Some("instance of an unknown definition".into()));
                    };
                    match &executable(wasm)? {
                        Err(e) => Some(format!("does not compile: {e}")),
                        Ok(exe) => {
                            let (inst, first) = Instance::start(exe)?;
                            if first != "ready" {
                                Some(format!("instantiation failed: {first}"))
                            } else {
                                retire(&mut instances, current, &named);
                                instances.push(Some(inst));
                                current = Some(instances.len() - 1);
                                if let Some(id) = instance {
                                    named.insert(id.name().to_string(), instances.len() - 1);
                                }
                                None
                            }
                        }
                    }
                }
                WastDirective::AssertInvalid { mut module, .. }
                | WastDirective::AssertMalformed { mut module, .. } => match encode(&mut module) {
                    Err(_) => None,
                    Ok(wasm) => {
                        match wasi_aot_compiler::component::validate(&wasm, &Config::default()) {
                            Err(_) => None,
                            Ok(()) => Some("validated, but the component is invalid".into()),
                        }
                    }
                },
                WastDirective::AssertReturn { exec, results, .. } => {
                    let expected: Vec<String> = results
                        .iter()
                        .map(|r| match r {
                            WastRet::Component(v) => val(v),
                            _ => bail!("a core result in a component test"),
                        })
                        .collect::<Result<_>>()?;
                    let answer = match execute(exec, &mut instances, current, &named)? {
                        Ok(a) => a,
                        Err(e) => return Ok(Some(e)),
                    };
                    let want = normalize(format!("ok {}", expected.join(" ")).trim_end());
                    (normalize(&answer) != want)
                        .then(|| format!("expected `{want}`, got `{answer}`"))
                }
                WastDirective::AssertTrap { exec, message, .. } => {
                    let message = message.strip_prefix("wasm trap: ").unwrap_or(message);
                    match exec {
                        WastExecute::Wat(mut wat) => {
                            let wasm = match wat.encode().map_err(|e| e.to_string()) {
                                Ok(w) => w,
                                Err(e) => return Ok(Some(e)),
                            };
                            match executable(&wasm)? {
                                Err(e) => Some(format!("does not compile: {e}")),
                                Ok(exe) => {
                                    let (_, first) = Instance::start(&exe)?;
                                    match first.strip_prefix("trap ") {
                                        Some(m) if m.contains(message) => None,
                                        _ => Some(format!(
                                            "expected trap `{message}`, got `{first}`"
                                        )),
                                    }
                                }
                            }
                        }
                        exec => match execute(exec, &mut instances, current, &named)? {
                            Err(e) => Some(e),
                            Ok(answer) => match answer.strip_prefix("trap ") {
                                Some(m) if m.contains(message) => None,
                                _ => Some(format!("expected trap `{message}`, got `{answer}`")),
                            },
                        },
                    }
                }
                WastDirective::Invoke(invoke) => {
                    match execute(WastExecute::Invoke(invoke), &mut instances, current, &named)? {
                        Err(e) => Some(e),
                        Ok(a) if a.starts_with("ok") => None,
                        Ok(a) => Some(format!("unexpected answer `{a}`")),
                    }
                }
                WastDirective::AssertUnlinkable { mut module, .. } => {
                    let wasm = match module.encode().map_err(|e| e.to_string()) {
                        Ok(w) => w,
                        Err(_) => return Ok(None),
                    };
                    match executable(&wasm)? {
                        Err(_) => None,
                        Ok(exe) => {
                            let (_, first) = Instance::start(&exe)?;
                            (first == "ready").then(|| "linked, but should not".to_string())
                        }
                    }
                }
                other => Some(format!(
                    "unsupported directive {:?}",
                    directive_kind(&other)
                )),
            })
        })();
        let failure = match outcome {
            Ok(f) => f,
            Err(e) => Some(format!("harness error: {e:#}")),
        };
        results.push((line, failure));
    }

    let whole_file = known.iter().find(|(l, _)| l.is_none());
    let total = results.len();
    let passed = results.iter().filter(|(_, f)| f.is_none()).count();
    TOTALS
        .lock()
        .expect("no trial panics holding the lock")
        .insert(file.to_string(), (passed, total));
    if whole_file.is_some() {
        return if passed == total {
            bail!("{file} passes, but {EXPECTED} lists it as failing; take it off")
        } else {
            Ok(())
        };
    }
    let mut problems = Vec::new();
    for (line, failure) in &results {
        let listed = known.iter().any(|(l, _)| *l == Some(*line));
        match (failure, listed) {
            (Some(why), false) => problems.push(format!("{file}:{line}: {why}")),
            (None, true) => problems.push(format!(
                "{file}:{line} passes, but {EXPECTED} lists it; take it off"
            )),
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{passed}/{total} passed\n{}", problems.join("\n"))
    }
}

fn component_id(wat: &QuoteWat<'_>) -> Option<String> {
    match wat {
        QuoteWat::Wat(Wat::Component(c)) => c.id.map(|id| id.name().to_string()),
        QuoteWat::QuoteComponent(..) => None,
        _ => None,
    }
}

fn directive_kind(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::Register { .. } => "register",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertException { .. } => "assert_exception",
        _ => "directive",
    }
}

/// Ends the current instance's process unless a name keeps it reachable.
fn retire(
    instances: &mut [Option<Instance>],
    current: Option<usize>,
    named: &HashMap<String, usize>,
) {
    if let Some(i) = current.filter(|i| !named.values().any(|n| n == i)) {
        instances[i] = None;
    }
}

/// Runs an invoke against the named or current instance: the answer line, or why not.
fn execute(
    exec: WastExecute<'_>,
    instances: &mut [Option<Instance>],
    current: Option<usize>,
    named: &HashMap<String, usize>,
) -> Result<std::result::Result<String, String>> {
    let WastExecute::Invoke(invoke) = exec else {
        return Ok(Err("only invoke is supported here".into()));
    };
    let instance = match invoke.module {
        Some(id) => named.get(id.name()).copied(),
        None => current,
    };
    let instance = instance.and_then(|i| instances.get_mut(i)?.as_mut());
    let Some(instance) = instance else {
        return Ok(Err("no instance to invoke".into()));
    };
    let args: Vec<String> = invoke
        .args
        .iter()
        .map(|a| match a {
            WastArg::Component(v) => val(v),
            _ => bail!("a core argument in a component test"),
        })
        .collect::<Result<_>>()?;
    let answer = instance.request(&format!("invoke {} {}", name(invoke.name), args.join(" ")))?;
    Ok(Ok(answer))
}
