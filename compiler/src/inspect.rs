//! `wasi-aot inspect`: what a module or component is, what it imports and exports, and
//! whether each import is supported (components: `component::wit::describe`).

use crate::error::{CompileError, Result};
use std::fmt::Write;
use wasmparser::{Parser, Payload, TypeRef};

/// A human-readable description of `wasm`.
pub fn describe(wasm: &[u8]) -> Result<String> {
    let mut out = String::new();
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut types = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::Version { encoding, .. } => {
                let kind = match encoding {
                    wasmparser::Encoding::Module => "core module",
                    wasmparser::Encoding::Component => {
                        return crate::component::wit::describe(wasm);
                    }
                };
                writeln!(out, "kind: {kind}").ok();
            }
            Payload::TypeSection(r) => {
                for group in r {
                    for sub in group?.into_types() {
                        types.push(sub.composite_type.inner.clone());
                    }
                }
            }
            Payload::ImportSection(r) => {
                for i in r.into_imports() {
                    imports.push(i?);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    exports.push(format!("{:?} {}", e.kind, e.name));
                }
            }
            _ => {}
        }
    }
    writeln!(out, "imports:").ok();
    let mut wasi_used = false;
    for i in &imports {
        let supported = match i.ty {
            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                let sig = match types.get(t as usize) {
                    Some(wasmparser::CompositeInnerType::Func(f)) => Some(f),
                    _ => None,
                };
                let accepted = wasi_aot_abi::wasi::lookup(i.module, i.name);
                wasi_used |= accepted.is_some();
                match (sig, accepted) {
                    (Some(sig), Some(f)) => {
                        let params: Result<Vec<_>> = sig
                            .params()
                            .iter()
                            .map(|t| crate::module::val_type(*t))
                            .collect();
                        let results: Result<Vec<_>> = sig
                            .results()
                            .iter()
                            .map(|t| crate::module::val_type(*t))
                            .collect();
                        params.ok().as_deref() == Some(f.params)
                            && results.ok().as_deref() == Some(f.results)
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        let mark = if supported {
            "supported"
        } else {
            "NOT SUPPORTED"
        };
        writeln!(out, "  {}.{} ({:?}): {mark}", i.module, i.name, i.ty).ok();
    }
    writeln!(out, "exports:").ok();
    for e in &exports {
        writeln!(out, "  {e}").ok();
    }
    if wasi_used {
        writeln!(out, "wasi: wasi_snapshot_preview1").ok();
    }
    if out.is_empty() {
        return Err(CompileError::Invalid("empty input".into()));
    }
    Ok(out)
}
