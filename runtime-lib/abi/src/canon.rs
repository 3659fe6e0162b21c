//! The canonical ABI's layout rules over [`CType`]: alignment, size and flattening
//! (`CanonicalABI.md`'s `alignment`, `elem_size` and `flatten_type`), and the trap messages
//! of its checks. The compiler's fused adapters and the runtime's dynamic lifting and
//! lowering both follow these, so they lay values out identically.

use crate::metadata::CType;

/// The most core parameters a call passes directly.
pub const MAX_FLAT_PARAMS: usize = 16;
/// The most core results a call returns directly.
pub const MAX_FLAT_RESULTS: usize = 1;

/// A core value type of the flattening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flat {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

/// The type of a flattened slot two cases share.
pub fn join(a: Flat, b: Flat) -> Flat {
    if a == b {
        a
    } else if matches!((a, b), (Flat::I32, Flat::F32) | (Flat::F32, Flat::I32)) {
        Flat::I32
    } else {
        Flat::I64
    }
}

/// The cases of a variant-like type (`option`, `result`, `enum` too).
pub fn cases(ty: &CType) -> Option<Vec<Option<&CType>>> {
    Some(match ty {
        CType::Variant(cases) => cases.iter().map(|(_, t)| t.as_ref()).collect(),
        CType::Option(t) => vec![None, Some(t)],
        CType::Result(ok, err) => vec![ok.as_deref(), err.as_deref()],
        CType::Enum(names) => vec![None; names.len()],
        _ => return None,
    })
}

/// The field types of a record or tuple.
pub fn fields(ty: &CType) -> Vec<&CType> {
    match ty {
        CType::Record(fields) => fields.iter().map(|(_, t)| t).collect(),
        CType::Tuple(fields) => fields.iter().collect(),
        _ => Vec::new(),
    }
}

/// Flag words of a `flags` type.
pub fn flag_words(ty: &CType) -> u32 {
    match ty {
        CType::Flags(names) => (names.len() as u32).div_ceil(32),
        _ => 0,
    }
}

/// Width of the discriminant of `n` cases.
pub fn discriminant_size(n: usize) -> u32 {
    if n <= 256 {
        1
    } else if n <= 65536 {
        2
    } else {
        4
    }
}

/// `x` rounded up to a multiple of `a`.
pub fn align_to(x: u32, a: u32) -> u32 {
    x.div_ceil(a) * a
}

/// Alignment in memory.
pub fn alignment(ty: &CType) -> u32 {
    match ty {
        CType::Bool | CType::S8 | CType::U8 => 1,
        CType::S16 | CType::U16 => 2,
        CType::S32 | CType::U32 | CType::F32 | CType::Char | CType::Own(_) | CType::Borrow(_) => 4,
        CType::S64 | CType::U64 | CType::F64 => 8,
        CType::String | CType::List(_) => 4,
        CType::FixedList(t, _) => alignment(t),
        CType::Record(fields) => fields.iter().map(|(_, t)| alignment(t)).max().unwrap_or(1),
        CType::Tuple(fields) => fields.iter().map(alignment).max().unwrap_or(1),
        CType::Flags(names) => match names.len() {
            0..=8 => 1,
            9..=16 => 2,
            _ => 4,
        },
        _ => {
            let cases = cases(ty).expect("variant-like");
            let payload = cases
                .iter()
                .flatten()
                .map(|t| alignment(t))
                .max()
                .unwrap_or(1);
            discriminant_size(cases.len()).max(payload)
        }
    }
}

/// Size in memory.
pub fn size(ty: &CType) -> u32 {
    match ty {
        CType::Bool | CType::S8 | CType::U8 => 1,
        CType::S16 | CType::U16 => 2,
        CType::S32 | CType::U32 | CType::F32 | CType::Char | CType::Own(_) | CType::Borrow(_) => 4,
        CType::S64 | CType::U64 | CType::F64 => 8,
        CType::String | CType::List(_) => 8,
        CType::FixedList(t, n) => size(t) * n,
        CType::Record(_) | CType::Tuple(_) => {
            let mut s = 0;
            for f in fields(ty) {
                s = align_to(s, alignment(f)) + size(f);
            }
            align_to(s, alignment(ty))
        }
        CType::Flags(names) => match names.len() as u32 {
            0 => 0,
            1..=8 => 1,
            9..=16 => 2,
            n => 4 * n.div_ceil(32),
        },
        _ => {
            let cases = cases(ty).expect("variant-like");
            let payload_align = cases
                .iter()
                .flatten()
                .map(|t| alignment(t))
                .max()
                .unwrap_or(1);
            let mut s = align_to(discriminant_size(cases.len()), payload_align);
            s += cases.iter().flatten().map(|t| size(t)).max().unwrap_or(0);
            align_to(s, alignment(ty))
        }
    }
}

/// The flattening of `ty`.
pub fn flatten(ty: &CType, out: &mut Vec<Flat>) {
    match ty {
        CType::S64 | CType::U64 => out.push(Flat::I64),
        CType::F32 => out.push(Flat::F32),
        CType::F64 => out.push(Flat::F64),
        CType::String | CType::List(_) => out.extend([Flat::I32, Flat::I32]),
        CType::FixedList(t, n) => {
            for _ in 0..*n {
                flatten(t, out);
            }
        }
        CType::Record(_) | CType::Tuple(_) => {
            for f in fields(ty) {
                flatten(f, out);
            }
        }
        CType::Flags(_) => out.extend(std::iter::repeat_n(Flat::I32, flag_words(ty) as usize)),
        CType::Variant(_) | CType::Option(_) | CType::Result(..) | CType::Enum(_) => {
            let mut joined: Vec<Flat> = Vec::new();
            for case in cases(ty).expect("variant-like").into_iter().flatten() {
                let mut flat = Vec::new();
                flatten(case, &mut flat);
                for (i, t) in flat.into_iter().enumerate() {
                    match joined.get(i) {
                        None => joined.push(t),
                        Some(&have) => joined[i] = join(have, t),
                    }
                }
            }
            out.push(Flat::I32);
            out.extend(joined);
        }
        _ => out.push(Flat::I32),
    }
}

/// The flattening of a list of types.
pub fn flatten_all<'a>(types: impl IntoIterator<Item = &'a CType>) -> Vec<Flat> {
    let mut out = Vec::new();
    for t in types {
        flatten(t, &mut out);
    }
    out
}

/// Offset of a variant-like value's payload from its start in memory.
pub fn payload_offset(ty: &CType) -> u32 {
    let cases = cases(ty).expect("variant-like");
    let payload_align = cases
        .iter()
        .flatten()
        .map(|t| alignment(t))
        .max()
        .unwrap_or(1);
    align_to(discriminant_size(cases.len()), payload_align)
}

/// A trap fused adapter code raises through the `trap` intrinsic, by code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum CanonTrap {
    /// A pointer (of a list, string or spilled values) not aligned to its type.
    UnalignedPointer = 0,
    /// A list's elements do not fit in memory.
    ListOutOfBounds = 1,
    /// Spilled parameters or results do not fit in memory.
    PointerOutOfBounds = 2,
    /// A variant's discriminant names no case.
    InvalidDiscriminant = 3,
    /// A `char` that is a surrogate or past U+10FFFF.
    InvalidChar = 4,
}

impl CanonTrap {
    /// Every trap, indexed by code.
    pub const ALL: [CanonTrap; 5] = [
        CanonTrap::UnalignedPointer,
        CanonTrap::ListOutOfBounds,
        CanonTrap::PointerOutOfBounds,
        CanonTrap::InvalidDiscriminant,
        CanonTrap::InvalidChar,
    ];

    /// The message, as wasmtime words it.
    pub fn message(self) -> &'static str {
        match self {
            CanonTrap::UnalignedPointer => "unaligned pointer",
            CanonTrap::ListOutOfBounds => "list content out-of-bounds",
            CanonTrap::PointerOutOfBounds => "pointer out of bounds of memory",
            CanonTrap::InvalidDiscriminant => "invalid variant discriminant",
            CanonTrap::InvalidChar => "invalid `char` bit pattern",
        }
    }
}
