//! Script mode, for the spec-test harness: instantiate modules of the program, register
//! them under import names, and call their exports, as a line protocol on stdin/stdout.
//!
//! Requests and their one-line answers:
//!
//! ```text
//! instantiate M            -> ok I | unlinkable MSG | trap MSG | error MSG
//! register NAME_HEX I      -> ok
//! invoke I NAME_HEX ARGS.. -> ok RESULTS.. | trap MSG | exception
//! get I NAME_HEX           -> ok VALUE
//! ```
//!
//! Values are `TYPE:BITS` with the bits in hex (`i32:2a`, `f64:3ff0000000000000`),
//! `funcref:null`/`funcref:ref`, `externref:null`/`externref:N`, `exnref:null`; invoke
//! arguments must have the types of the function's parameters. Names are `=` followed by
//! the hex of their bytes, so that an empty name is still a word. The harness runs in the
//! same runtime, with the same compiled code and trap handling as a WASI command.

use crate::instance::{self, Extern, Instance};
use crate::trap::Unwound;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use wasi_aot_abi::ValType;

fn unhex(s: &str) -> Option<String> {
    let s = s.strip_prefix('=')?;
    if s.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// A value and the type its text names.
fn parse_value(s: &str) -> Option<(ValType, u128)> {
    let (name, bits) = s.split_once(':')?;
    let ty = match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "v128" => ValType::V128,
        "funcref" => ValType::FuncRef,
        "externref" => ValType::ExternRef,
        "exnref" => ValType::ExnRef,
        _ => return None,
    };
    let raw = match (ty, bits) {
        (ValType::FuncRef | ValType::ExternRef | ValType::ExnRef, "null") => 0,
        (ValType::ExternRef, n) => n.parse::<u64>().ok()? as u128 + 1,
        (_, bits) => u128::from_str_radix(bits, 16).ok()?,
    };
    Some((ty, raw))
}

fn format_value(ty: ValType, raw: u128) -> String {
    match ty {
        ValType::I32 => format!("i32:{:x}", raw as u32),
        ValType::I64 => format!("i64:{:x}", raw as u64),
        ValType::F32 => format!("f32:{:x}", raw as u32),
        ValType::F64 => format!("f64:{:x}", raw as u64),
        ValType::V128 => format!("v128:{raw:x}"),
        ValType::FuncRef if raw as u64 == 0 => "funcref:null".into(),
        ValType::FuncRef => "funcref:ref".into(),
        ValType::ExternRef if raw as u64 == 0 => "externref:null".into(),
        ValType::ExternRef => format!("externref:{}", raw as u64 - 1),
        ValType::ExnRef if raw as u64 == 0 => "exnref:null".into(),
        ValType::ExnRef => "exnref:ref".into(),
    }
}

struct Script {
    instances: Vec<&'static Instance>,
    registered: HashMap<String, usize>,
}

impl Script {
    fn instance(&self, s: Option<&str>) -> Result<&'static Instance, String> {
        let i: usize = s.and_then(|s| s.parse().ok()).ok_or("bad instance id")?;
        self.instances
            .get(i)
            .copied()
            .ok_or_else(|| "unknown instance".into())
    }

    fn execute(&mut self, line: &str) -> String {
        match self.try_execute(line) {
            Ok(answer) | Err(answer) => answer,
        }
    }

    fn try_execute(&mut self, line: &str) -> Result<String, String> {
        let mut words = line.split_whitespace();
        let error = |m: &str| format!("error {m}");
        match words.next() {
            Some("instantiate") => {
                let m: usize = words
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or(error("bad module"))?;
                let registered = &self.registered;
                let instances = &self.instances;
                let resolve =
                    |_: usize, import: &wasi_aot_abi::metadata::Import| -> Option<Extern> {
                        instances[*registered.get(import.module.as_str())?].export(&import.field)
                    };
                match Instance::new(m, &resolve) {
                    Ok(inst) => {
                        self.instances.push(inst);
                        Ok(format!("ok {}", self.instances.len() - 1))
                    }
                    Err(instance::InstantiateError::Unlinkable(msg)) => {
                        Ok(format!("unlinkable {msg}"))
                    }
                    Err(instance::InstantiateError::Trap(u)) => Ok(format!("trap {}", u.message())),
                    Err(instance::InstantiateError::Resource(msg)) => Ok(error(&msg)),
                }
            }
            Some("register") => {
                let name = words.next().and_then(unhex).ok_or(error("bad name"))?;
                let i: usize = words
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or(error("bad instance"))?;
                self.registered.insert(name, i);
                Ok("ok".into())
            }
            Some("invoke") => {
                let inst = self.instance(words.next()).map_err(|e| error(&e))?;
                let name = words.next().and_then(unhex).ok_or(error("bad name"))?;
                let Some(Extern::Func(f)) = inst.export(&name) else {
                    return Err(error("no such function export"));
                };
                let args: Vec<(ValType, u128)> = words
                    .map(parse_value)
                    .collect::<Option<_>>()
                    .ok_or(error("bad argument"))?;
                // SAFETY: exported funcrefs live as long as their instance (forever).
                let ty = unsafe { instance::func_type(f) };
                if args.len() != ty.params.len() {
                    return Err(error("wrong number of arguments"));
                }
                // A mistyped script would otherwise pass raw bits of the wrong type.
                if let Some(i) = (0..args.len()).find(|&i| args[i].0 != ty.params[i]) {
                    return Err(error(&format!(
                        "argument {i} is {:?}, the function takes {:?}",
                        args[i].0, ty.params[i]
                    )));
                }
                let args: Vec<u128> = args.into_iter().map(|(_, raw)| raw).collect();
                // SAFETY: `f` is a live export and the arguments match its parameter count;
                // their bits are taken as given, as the spec tests intend.
                match unsafe { instance::invoke(f, &args) } {
                    Ok(results) => {
                        let mut out = String::from("ok");
                        for (ty, raw) in ty.results.iter().zip(results) {
                            out.push(' ');
                            out.push_str(&format_value(*ty, raw));
                        }
                        Ok(out)
                    }
                    Err(Unwound::Exception) => Ok("exception".into()),
                    Err(u) => Ok(format!("trap {}", u.message())),
                }
            }
            Some("get") => {
                let inst = self.instance(words.next()).map_err(|e| error(&e))?;
                let name = words.next().and_then(unhex).ok_or(error("bad name"))?;
                let Some(Extern::Global(g)) = inst.export(&name) else {
                    return Err(error("no such global export"));
                };
                // SAFETY: global storage lives as long as its instance (forever).
                let raw = u128::from_le_bytes(unsafe { (*g.vm).bytes });
                Ok(format!("ok {}", format_value(g.ty.ty, raw)))
            }
            _ => Err(error("unknown request")),
        }
    }
}

/// Runs the script protocol until stdin closes.
pub fn run() -> i32 {
    let mut script = Script {
        instances: Vec::new(),
        registered: HashMap::new(),
    };
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let answer = script.execute(&line);
        if writeln!(stdout, "{answer}")
            .and_then(|_| stdout.flush())
            .is_err()
        {
            break;
        }
    }
    0
}
