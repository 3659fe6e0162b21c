//! Script mode for components, for the component-model test harness: instantiate the
//! component, then call its exports as a line protocol on stdin/stdout asks.
//!
//! ```text
//! (at start)                 -> ready | trap MSG
//! invoke NAME_HEX ARGS...    -> ok RESULTS... | trap MSG
//! ```
//!
//! Values are tokens separated by spaces, guided by the export's type: `bool:1`, `u32:7`,
//! `s8:-3`, `f32:BITS` and `f64:BITS` in hex, `char:HEX` (the code point), `string:HEX` (the
//! UTF-8 bytes), `list ( V... )`, `record ( V... )` for records and tuples,
//! `variant:CASE ( V )` or `variant:CASE` for variants, options (`none`, `some`), results
//! (`ok`, `err`) and enums, and `flags:A,B`. Names are `=` and the hex of their bytes.

use super::canon::{self, Cx, Val};
use super::{enter, instantiate, leave, lifted, set_may_leave};
use crate::instance;
use crate::program::Program;
use crate::trap::Unwound;
use std::io::{BufRead, Write};
use wasi_aot_abi::canon::MAX_FLAT_RESULTS;
use wasi_aot_abi::metadata::CType;

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Tokens<'a> {
    words: std::iter::Peekable<std::str::SplitWhitespace<'a>>,
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Option<&'a str> {
        self.words.next()
    }
    fn expect(&mut self, word: &str) -> Option<()> {
        (self.next()? == word).then_some(())
    }
}

fn case_names(ty: &CType) -> Vec<String> {
    match ty {
        CType::Variant(cases) => cases.iter().map(|(n, _)| n.clone()).collect(),
        CType::Enum(names) => names.clone(),
        CType::Option(_) => vec!["none".into(), "some".into()],
        CType::Result(..) => vec!["ok".into(), "err".into()],
        _ => Vec::new(),
    }
}

fn case_payload(ty: &CType, case: usize) -> Option<&CType> {
    match ty {
        CType::Variant(cases) => cases.get(case)?.1.as_ref(),
        CType::Option(t) if case == 1 => Some(t),
        CType::Result(ok, _) if case == 0 => ok.as_deref(),
        CType::Result(_, err) if case == 1 => err.as_deref(),
        _ => None,
    }
}

fn parse(tokens: &mut Tokens<'_>, ty: &CType) -> Option<Val> {
    let simple = |tokens: &mut Tokens<'_>, prefix: &str| -> Option<String> {
        tokens.next()?.strip_prefix(prefix).map(str::to_string)
    };
    Some(match ty {
        CType::Bool => Val::Bool(simple(tokens, "bool:")? == "1"),
        CType::S8 => Val::S8(simple(tokens, "s8:")?.parse().ok()?),
        CType::U8 => Val::U8(simple(tokens, "u8:")?.parse().ok()?),
        CType::S16 => Val::S16(simple(tokens, "s16:")?.parse().ok()?),
        CType::U16 => Val::U16(simple(tokens, "u16:")?.parse().ok()?),
        CType::S32 => Val::S32(simple(tokens, "s32:")?.parse().ok()?),
        CType::U32 => Val::U32(simple(tokens, "u32:")?.parse().ok()?),
        CType::S64 => Val::S64(simple(tokens, "s64:")?.parse().ok()?),
        CType::U64 => Val::U64(simple(tokens, "u64:")?.parse().ok()?),
        CType::F32 => Val::F32(u32::from_str_radix(&simple(tokens, "f32:")?, 16).ok()?),
        CType::F64 => Val::F64(u64::from_str_radix(&simple(tokens, "f64:")?, 16).ok()?),
        CType::Char => Val::Char(char::from_u32(
            u32::from_str_radix(&simple(tokens, "char:")?, 16).ok()?,
        )?),
        CType::String => Val::String(String::from_utf8(unhex(&simple(tokens, "string:")?)?).ok()?),
        CType::List(t) | CType::FixedList(t, _) => {
            tokens.expect("list")?;
            tokens.expect("(")?;
            let mut items = Vec::new();
            while tokens.words.peek() != Some(&")") {
                items.push(parse(tokens, t)?);
            }
            tokens.expect(")")?;
            Val::List(items)
        }
        CType::Record(_) | CType::Tuple(_) => {
            tokens.expect("record")?;
            tokens.expect("(")?;
            let fields: Vec<&CType> = match ty {
                CType::Record(f) => f.iter().map(|(_, t)| t).collect(),
                CType::Tuple(f) => f.iter().collect(),
                _ => unreachable!(),
            };
            let vals = fields
                .into_iter()
                .map(|f| parse(tokens, f))
                .collect::<Option<_>>()?;
            tokens.expect(")")?;
            Val::Record(vals)
        }
        CType::Flags(names) => {
            let set = simple(tokens, "flags:")?;
            let mut words = vec![0u32; names.len().div_ceil(32)];
            for name in set.split(',').filter(|n| !n.is_empty()) {
                let name = String::from_utf8(unhex(name.strip_prefix('=')?)?).ok()?;
                let i = names.iter().position(|n| *n == name)?;
                words[i / 32] |= 1 << (i % 32);
            }
            Val::Flags(words)
        }
        CType::Own(_) | CType::Borrow(_) => return None,
        _ => {
            let name = simple(tokens, "variant:")?;
            let name = String::from_utf8(unhex(name.strip_prefix('=')?)?).ok()?;
            let case = case_names(ty).iter().position(|n| *n == name)?;
            let payload = match case_payload(ty, case) {
                Some(t) => {
                    tokens.expect("(")?;
                    let v = parse(tokens, t)?;
                    tokens.expect(")")?;
                    Some(Box::new(v))
                }
                None => None,
            };
            Val::Variant(case as u32, payload)
        }
    })
}

fn print(val: &Val, ty: &CType, out: &mut String) {
    let name = |n: &str| format!("={}", hex(n.as_bytes()));
    match (val, ty) {
        (Val::Bool(b), _) => out.push_str(&format!("bool:{}", *b as u8)),
        (Val::S8(v), _) => out.push_str(&format!("s8:{v}")),
        (Val::U8(v), _) => out.push_str(&format!("u8:{v}")),
        (Val::S16(v), _) => out.push_str(&format!("s16:{v}")),
        (Val::U16(v), _) => out.push_str(&format!("u16:{v}")),
        (Val::S32(v), _) => out.push_str(&format!("s32:{v}")),
        (Val::U32(v), _) => out.push_str(&format!("u32:{v}")),
        (Val::S64(v), _) => out.push_str(&format!("s64:{v}")),
        (Val::U64(v), _) => out.push_str(&format!("u64:{v}")),
        (Val::F32(v), _) => out.push_str(&format!("f32:{v:x}")),
        (Val::F64(v), _) => out.push_str(&format!("f64:{v:x}")),
        (Val::Char(c), _) => out.push_str(&format!("char:{:x}", *c as u32)),
        (Val::String(s), _) => out.push_str(&format!("string:{}", hex(s.as_bytes()))),
        (Val::List(items), CType::List(t) | CType::FixedList(t, _)) => {
            out.push_str("list (");
            for item in items {
                out.push(' ');
                print(item, t, out);
            }
            out.push_str(" )");
        }
        (Val::Record(vals), _) => {
            let fields: Vec<&CType> = match ty {
                CType::Record(f) => f.iter().map(|(_, t)| t).collect(),
                CType::Tuple(f) => f.iter().collect(),
                _ => Vec::new(),
            };
            out.push_str("record (");
            for (v, t) in vals.iter().zip(fields) {
                out.push(' ');
                print(v, t, out);
            }
            out.push_str(" )");
        }
        (Val::Flags(words), CType::Flags(names)) => {
            let set: Vec<String> = names
                .iter()
                .enumerate()
                .filter(|(i, _)| words.get(i / 32).is_some_and(|w| w & (1 << (i % 32)) != 0))
                .map(|(_, n)| name(n))
                .collect();
            out.push_str(&format!("flags:{}", set.join(",")));
        }
        (Val::Variant(case, payload), _) => {
            let names = case_names(ty);
            let n = names.get(*case as usize).cloned().unwrap_or_default();
            out.push_str(&format!("variant:{}", name(&n)));
            if let (Some(p), Some(t)) = (payload, case_payload(ty, *case as usize)) {
                out.push_str(" ( ");
                print(p, t, out);
                out.push_str(" )");
            }
        }
        (Val::Own(_, rep), _) => out.push_str(&format!("own:{rep}")),
        (Val::Borrow(_, rep), _) => out.push_str(&format!("borrow:{rep}")),
        _ => out.push('?'),
    }
}

fn trap_message(u: &Unwound) -> String {
    u.message()
}

/// Calls export `name` with the argument tokens `args`; the answer line.
fn invoke(name: &str, args: &str) -> String {
    let state = super::state();
    let Some(export) = state.component.exports.iter().find(|e| e.name == name) else {
        return format!("error no export {name}");
    };
    let instance = export.instance;
    let callee = lifted(state, &export.lift, instance);
    let mut tokens = Tokens {
        words: args.split_whitespace().peekable(),
    };
    let Some(vals) = export
        .ty
        .params
        .iter()
        .map(|t| parse(&mut tokens, t))
        .collect::<Option<Vec<_>>>()
    else {
        return "error bad arguments".into();
    };
    let results: Vec<CType> = export.ty.result.iter().cloned().collect();
    let scope = super::adapter::next_scope();
    if let Err(e) = enter(instance) {
        return format!("trap {}", host_message(e));
    }
    let outcome = (|| -> Result<String, String> {
        let core_args = crate::host::with_context(|wasi| {
            let mut cx = Cx {
                resource_types: &state.component.resources,
                resources: &mut wasi.resources,
                scope,
                lent: Vec::new(),
            };
            canon::lower_params(&mut cx, &callee.side, &export.ty.params, &vals)
                .map_err(super::adapter::host_error)
        })
        .map_err(host_message)?;
        let core_args: Vec<u128> = core_args.into_iter().map(u128::from).collect();
        // SAFETY: the lowered arguments have the lifted function's core parameter types.
        let core_results =
            unsafe { instance::invoke(callee.func, &core_args) }.map_err(|u| trap_message(&u))?;
        let flat: Vec<u64> = core_results.iter().map(|v| *v as u64).collect();
        let vals = crate::host::with_context(|wasi| {
            let mut cx = Cx {
                resource_types: &state.component.resources,
                resources: &mut wasi.resources,
                scope,
                lent: Vec::new(),
            };
            canon::lift_values(&mut cx, &callee.side, &results, &flat, MAX_FLAT_RESULTS)
                .map_err(super::adapter::host_error)
        })
        .map_err(host_message)?;
        if !callee.post_return.is_null() {
            let before = set_may_leave(instance, false);
            // SAFETY: a post-return function takes the lifted function's core results.
            let post = unsafe { instance::invoke(callee.post_return, &core_results) };
            set_may_leave(instance, before);
            post.map_err(|u| trap_message(&u))?;
        }
        let mut line = String::from("ok");
        for (v, t) in vals.iter().zip(&results) {
            line.push(' ');
            print(v, t, &mut line);
        }
        Ok(line)
    })();
    leave(instance);
    match outcome {
        Ok(line) => line,
        Err(message) => {
            // The trap unwound every call in progress: no instance is on the stack now.
            super::reset_flags();
            super::adapter::forget_calls();
            format!("trap {message}")
        }
    }
}

fn host_message(e: wasi_aot_host::HostError) -> String {
    match e {
        wasi_aot_host::HostError::Trap(wasi_aot_host::HostTrap::Nested) => {
            crate::trap::take_nested()
                .map(|u| u.message())
                .unwrap_or_else(|| "guest code called by the host trapped".into())
        }
        wasi_aot_host::HostError::Trap(t) => t.message(),
        wasi_aot_host::HostError::Guest(errno) => format!("{errno}"),
    }
}

/// Runs the script protocol until stdin ends.
pub fn run(program: &'static Program) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match instantiate(program) {
        Ok(_) => {
            let _ = writeln!(out, "ready");
        }
        Err(u) => {
            let _ = writeln!(out, "trap {}", u.message());
            return 0;
        }
    }
    let _ = out.flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let mut words = line.splitn(3, ' ');
        let answer = match (words.next(), words.next()) {
            (Some("invoke"), Some(name)) => match unhex(name.strip_prefix('=').unwrap_or("")) {
                Some(name) => invoke(&String::from_utf8_lossy(&name), words.next().unwrap_or("")),
                None => "error bad name".into(),
            },
            _ => format!("error unknown request `{line}`"),
        };
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
    0
}
