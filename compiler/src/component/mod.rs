//! The component front end: a component in, its core instances and trampolines out, to the
//! same compile and emit stages as a core module.
//!
//! Stages: [`translate`] validates the component and records each (nested) component's
//! items; [`inline`] instantiates the root at compile time into a flat [`plan::Plan`], and
//! [`shims`] binds the calls wit-component routes through a table to their targets; the
//! program compiler then compiles each planned instance's module and each trampoline into
//! one object, with the plan as metadata the runtime instantiates from. [`abi`] holds the
//! canonical ABI's type rules.
//!
//! Boundaries: nothing here knows the vmctx or WASI semantics; host imports bind to the
//! `wasi_aot_abi::wasi_p2` table by interface, function name and version.

pub mod abi;
pub mod fused;
pub mod inline;
pub mod plan;
pub mod shims;
pub mod translate;
pub mod wit;

use crate::config::Config;
use crate::error::{CompileError, Result};
use crate::program::{self, CompiledProgram, ModuleInput};
use wasi_aot_abi::metadata::ProgramKind;

/// Whether `wasm` is a component binary (rather than a core module).
pub fn is_component(wasm: &[u8]) -> bool {
    wasm.len() >= 8 && wasm[..4] == *b"\0asm" && wasm[6..8] == [1, 0]
}

/// Validates the component `wasm` completely (core function bodies too), as a
/// `component definition` or `assert_invalid` needs.
pub fn validate(wasm: &[u8], config: &Config) -> Result<()> {
    translate::validate(wasm, config.features)
}

/// Validates and flattens the component `wasm` into its instantiation plan.
pub fn plan(wasm: &[u8], config: &Config) -> Result<plan::Plan> {
    let translation = translate::translate(wasm, config.features)?;
    flatten(&translation)
}

/// The plan of a translated component: inlined, then with calls through wit-component's
/// shim tables bound to their targets.
fn flatten(translation: &translate::Translation<'_>) -> Result<plan::Plan> {
    let mut plan = inline::run(translation)?;
    shims::forward(&mut plan, &translation.modules);
    Ok(plan)
}

/// Compiles the component `wasm` into one object: a command, which must export
/// `wasi:cli/run`, or with `--listen`, an HTTP server, which must export
/// `wasi:http/incoming-handler`.
pub fn compile_component(wasm: &[u8], config: &Config) -> Result<CompiledProgram> {
    compile(wasm, ProgramKind::Component, config)
}

/// Compiles the component `wasm` for the component-model test harness: an executable that
/// instantiates it and calls the exports a script on stdin names.
pub fn compile_component_script(wasm: &[u8], config: &Config) -> Result<CompiledProgram> {
    compile(wasm, ProgramKind::ComponentScript, config)
}

fn compile(wasm: &[u8], kind: ProgramKind, config: &Config) -> Result<CompiledProgram> {
    let start = std::time::Instant::now();
    let translation = translate::translate(wasm, config.features)?;
    let plan = flatten(&translation)?;
    let kind = match kind {
        ProgramKind::Component => {
            let kind = entry_kind(&plan, config)?;
            wit::check_imports(wasm)?;
            kind
        }
        other => other,
    };
    let inputs: Vec<ModuleInput<'_>> = plan
        .instances
        .iter()
        .map(|instance| ModuleInput {
            name: instance.name.clone(),
            wasm: match instance.module {
                plan::ModuleRef::Component(m) => translation.modules[m as usize],
                plan::ModuleRef::Adapter(a) => &plan.adapter_modules[a as usize],
            },
        })
        .collect();
    let planned = start.elapsed();
    let mut compiled = program::compile_component_unit(&inputs, &plan, kind, config)?;
    compiled.timings.insert(0, ("component", planned));
    Ok(compiled)
}

/// The export of interface `interface` (unversioned) and function `func`, if the root
/// exports it.
fn find_export<'p>(
    plan: &'p plan::Plan,
    interface: &str,
    func: &str,
) -> Option<&'p (Vec<String>, plan::Lifted)> {
    plan.exports.iter().find(|(path, _)| {
        path.len() == 2
            && path[1] == func
            && wasi_aot_abi::wasi_p2::split_version(&path[0]).0 == interface
    })
}

/// How the component runs: a command (it exports `wasi:cli/run`), or with `--listen`, an
/// HTTP server (it exports `wasi:http/incoming-handler`).
fn entry_kind(plan: &plan::Plan, config: &Config) -> Result<ProgramKind> {
    let handler = find_export(plan, "wasi:http/incoming-handler", "handle");
    if config.wasi.listen.is_some() {
        let Some((path, _)) = handler else {
            return Err(CompileError::Unsupported(
                "--listen makes an HTTP server of a `wasi:http/proxy` component, but this \
                 component exports no `wasi:http/incoming-handler` interface"
                    .into(),
            ));
        };
        // The function's type is checked against the host's WIT with the imports.
        check_version(&path[0], "wasi:http/incoming-handler")?;
        return Ok(ProgramKind::HttpProxy);
    }
    match (find_export(plan, "wasi:cli/run", "run"), handler) {
        (None, Some((path, _))) => Err(CompileError::Unsupported(format!(
            "the component exports `{}`, so it is an HTTP server of the `wasi:http/proxy` \
             world: build it with --listen IP:PORT (the address it serves on)",
            path[0]
        ))),
        (run, _) => check_command(run).map(|()| ProgramKind::Component),
    }
}

/// Only WASI 0.2.x versions of `interface` are supported.
fn check_version(export: &str, interface: &str) -> Result<()> {
    let (_, version) = wasi_aot_abi::wasi_p2::split_version(export);
    if version.is_some_and(wasi_aot_abi::wasi_p2::version_matches) {
        Ok(())
    } else {
        Err(CompileError::Unsupported(format!(
            "the component exports `{export}`, but only WASI 0.2.x versions of \
             `{interface}` are supported"
        )))
    }
}

/// A command component exports `wasi:cli/run@0.2.x` with `run: func() -> result`.
fn check_command(run: Option<&(Vec<String>, plan::Lifted)>) -> Result<()> {
    match run {
        Some((path, lifted)) if lifted.ty == "func() -> result" => {
            check_version(&path[0], "wasi:cli/run")
        }
        Some((path, lifted)) => Err(CompileError::Invalid(format!(
            "the component's `{}` `run` has type `{}`; `wasi:cli/run` defines \
             `func() -> result`",
            path[0], lifted.ty
        ))),
        None => Err(CompileError::Unsupported(
            "the component exports no `wasi:cli/run` interface, so it is not a WASI \
             command (nor, without `wasi:http/incoming-handler`, an HTTP proxy)"
                .into(),
        )),
    }
}
