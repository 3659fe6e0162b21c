//! The canonical ABI's type-level rules: how component values flatten into core values.
//!
//! See the Component Model's `CanonicalABI.md` (`flatten_type`, `join`): a function whose
//! flattened parameters exceed [`MAX_FLAT_PARAMS`] takes one pointer to them instead, and one
//! whose flattened results exceed [`MAX_FLAT_RESULTS`] returns (or, lowered, takes) a pointer.

use wasi_aot_abi::ValType;
use wasmparser::component_types::{ComponentDefinedType, ComponentValType};
use wasmparser::types::Types;
use wasmparser::PrimitiveValType;

/// The most core parameters a function passes directly.
pub const MAX_FLAT_PARAMS: usize = 16;
/// The most core results a function returns directly.
pub const MAX_FLAT_RESULTS: usize = 1;

/// Appends the flattening of `ty` to `out`.
pub fn flatten(types: &Types, ty: &ComponentValType, out: &mut Vec<ValType>) {
    let id = match ty {
        ComponentValType::Primitive(p) => return flatten_primitive(*p, out),
        ComponentValType::Type(id) => *id,
    };
    match &types[id] {
        ComponentDefinedType::Primitive(p) => flatten_primitive(*p, out),
        ComponentDefinedType::Record(r) => {
            for t in r.fields.values() {
                flatten(types, t, out);
            }
        }
        ComponentDefinedType::Tuple(t) => {
            for t in t.types.iter() {
                flatten(types, t, out);
            }
        }
        ComponentDefinedType::Variant(v) => {
            flatten_cases(types, v.cases.values().map(|c| c.ty.as_ref()), out)
        }
        ComponentDefinedType::Option { ty: t, .. } => {
            flatten_cases(types, [None, Some(t)].into_iter(), out)
        }
        ComponentDefinedType::Result { ok, err, .. } => {
            flatten_cases(types, [ok.as_ref(), err.as_ref()].into_iter(), out)
        }
        ComponentDefinedType::Enum(_) | ComponentDefinedType::Own(_) => out.push(ValType::I32),
        ComponentDefinedType::Borrow(_) => out.push(ValType::I32),
        ComponentDefinedType::Flags(names) => {
            out.extend(std::iter::repeat_n(ValType::I32, names.len().div_ceil(32)))
        }
        ComponentDefinedType::List { .. } => out.extend([ValType::I32, ValType::I32]),
        ComponentDefinedType::FixedLengthList {
            element, length, ..
        } => {
            for _ in 0..*length {
                flatten(types, element, out);
            }
        }
        // Maps, futures, streams and error contexts are pointers or handles.
        ComponentDefinedType::Map { .. } => out.extend([ValType::I32, ValType::I32]),
        _ => out.push(ValType::I32),
    }
}

fn flatten_primitive(p: PrimitiveValType, out: &mut Vec<ValType>) {
    match p {
        PrimitiveValType::S64 | PrimitiveValType::U64 => out.push(ValType::I64),
        PrimitiveValType::F32 => out.push(ValType::F32),
        PrimitiveValType::F64 => out.push(ValType::F64),
        PrimitiveValType::String => out.extend([ValType::I32, ValType::I32]),
        _ => out.push(ValType::I32),
    }
}

/// A discriminant, then the cases' flattenings joined slot by slot.
fn flatten_cases<'a>(
    types: &Types,
    cases: impl Iterator<Item = Option<&'a ComponentValType>>,
    out: &mut Vec<ValType>,
) {
    let mut joined: Vec<ValType> = Vec::new();
    for case in cases.flatten() {
        let mut flat = Vec::new();
        flatten(types, case, &mut flat);
        for (i, t) in flat.into_iter().enumerate() {
            match joined.get(i) {
                None => joined.push(t),
                Some(&have) => joined[i] = join(have, t),
            }
        }
    }
    out.push(ValType::I32);
    out.extend(joined);
}

fn join(a: ValType, b: ValType) -> ValType {
    if a == b {
        a
    } else if matches!(
        (a, b),
        (ValType::I32, ValType::F32) | (ValType::F32, ValType::I32)
    ) {
        ValType::I32
    } else {
        ValType::I64
    }
}
