//! The wasi-aot compiler: WebAssembly modules to native object files with Cranelift.
//!
//! Entry points: [`compile_command`] compiles a WASI command (a core module or a component);
//! [`compile_program`] compiles one or more core modules into one object;
//! [`read_input`] turns a `.wasm` or `.wat` file into wasm bytes. The `wasi-aot` binary
//! (`main.rs`) adds the command line and links the object with the runtime through
//! `wasi-aot-linker`.
//!
//! Boundaries: this crate knows the vmctx layout, symbols and metadata only through
//! `wasi-aot-abi`, and nothing of WASI semantics beyond the table of accepted imports.

pub mod compile;
pub mod component;
pub mod config;
pub mod error;
pub mod func_env;
pub mod index;
pub mod inspect;
pub mod module;
pub mod object;
pub mod program;
pub mod static_table;
pub mod tls_ca;
mod translate;

pub use config::{Config, OptLevel, TargetCpu};
pub use error::{CompileError, Result};
pub use program::{check, compile_program, CompiledProgram, ModuleInput};
pub use wasi_aot_abi::metadata::ProgramKind;

use std::path::Path;

/// Compiles a WASI command: a core module exporting `_start` (Preview 1) or a component
/// exporting `wasi:cli/run` (WASI 0.2). `name` names a module in diagnostics.
pub fn compile_command(wasm: &[u8], name: &str, config: &Config) -> Result<CompiledProgram> {
    if component::is_component(wasm) {
        component::compile_component(wasm, config)
    } else if config.wasi.listen.is_some() {
        Err(CompileError::Unsupported(
            "--listen makes an HTTP server of a `wasi:http/proxy` component; this is a core \
             module"
                .into(),
        ))
    } else {
        compile_program(
            &[ModuleInput {
                name: name.to_string(),
                wasm,
            }],
            ProgramKind::Command,
            config,
        )
    }
}

/// Reads an input file: a `.wasm` file or anything starting with the wasm magic is a
/// binary (validated later); anything else is parsed as WAT text.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|error| CompileError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    if path.extension().is_some_and(|e| e == "wasm") || bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        CompileError::Invalid(format!(
            "{}: not a wasm binary, and not WAT text: invalid UTF-8 at byte {}",
            path.display(),
            e.valid_up_to()
        ))
    })?;
    wat::parse_str(text).map_err(|mut e| {
        e.set_path(path);
        CompileError::Invalid(e.to_string())
    })
}

/// Converts WAT text to a wasm binary; binaries pass through unchanged.
pub fn wat_to_wasm(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes.to_vec());
    }
    wat::parse_bytes(bytes)
        .map(|b| b.into_owned())
        .map_err(|e| CompileError::Invalid(e.to_string()))
}
