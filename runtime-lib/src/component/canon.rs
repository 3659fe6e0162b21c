//! The canonical ABI, dynamically: component values ([`Val`]) lifted from and lowered into a
//! component instance's core values and linear memory, by their [`CType`].
//!
//! This follows `CanonicalABI.md` (`lift_flat`, `lower_flat`, `load`, `store`, and the
//! size, alignment and flattening rules), including every trap it names, worded as wasmtime
//! words them. It serves the calls whose types are only known from the metadata: one
//! component calling into another (`adapter.rs`) and the test harness calling exports
//! (`script.rs`). WASI host functions have their own typed layer in `wasi-host`.

use crate::instance;
use crate::trap::Unwound;
use wasi_aot_abi::canon::{
    align_to, alignment, cases, discriminant_size, fields, flag_words, flatten, flatten_all, size,
    Flat, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
};
use wasi_aot_abi::metadata::{CType, Resource, StringEncoding};
use wasi_aot_abi::vmctx::{VmFuncRef, VmMemory};
use wasi_aot_host::resources::{ResourceType, Resources};
use wasi_aot_host::HostTrap;

/// A component value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// `bool`.
    Bool(bool),
    /// `s8`.
    S8(i8),
    /// `u8`.
    U8(u8),
    /// `s16`.
    S16(i16),
    /// `u16`.
    U16(u16),
    /// `s32`.
    S32(i32),
    /// `u32`.
    U32(u32),
    /// `s64`.
    S64(i64),
    /// `u64`.
    U64(u64),
    /// `f32`, as bits.
    F32(u32),
    /// `f64`, as bits.
    F64(u64),
    /// `char`.
    Char(char),
    /// `string`.
    String(String),
    /// `list` (and fixed-length lists).
    List(Vec<Val>),
    /// `record` or `tuple`.
    Record(Vec<Val>),
    /// `variant`, `option`, `result` and `enum`: the case and its payload.
    Variant(u32, Option<Box<Val>>),
    /// `flags`, 32 per word.
    Flags(Vec<u32>),
    /// An owned handle in transit: its resource type and representation.
    Own(ResourceType, u32),
    /// A borrowed handle in transit.
    Borrow(ResourceType, u32),
}

/// Why a lift or lower did not finish.
#[derive(Debug)]
pub enum Failure {
    /// The canonical ABI's trap.
    Trap(HostTrap),
    /// Guest code called on the way (`realloc`) stopped.
    Unwound(Unwound),
}

impl From<HostTrap> for Failure {
    fn from(t: HostTrap) -> Failure {
        Failure::Trap(t)
    }
}

type R<T> = Result<T, Failure>;

fn trap<T>(message: &'static str) -> R<T> {
    Err(Failure::Trap(HostTrap::canon(message)))
}

/// A lifted `f32`: every NaN becomes the canonical one, so no NaN payload crosses a
/// component boundary (the canonical ABI's nondeterminism rule, made deterministic).
fn canonical_nan32(bits: u32) -> u32 {
    if f32::from_bits(bits).is_nan() {
        0x7fc0_0000
    } else {
        bits
    }
}

/// A lifted `f64`, as [`canonical_nan32`].
fn canonical_nan64(bits: u64) -> u64 {
    if f64::from_bits(bits).is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        bits
    }
}

/// Flag words with the bits past the last flag cleared: lifting ignores them.
fn defined_flags(ty: &CType, mut words: Vec<u32>) -> Vec<u32> {
    let CType::Flags(names) = ty else {
        return words;
    };
    let rest = names.len() % 32;
    if let (Some(last), true) = (words.last_mut(), rest != 0) {
        *last &= (1u32 << rest) - 1;
    }
    words
}

/// One side of a call, as the canonical options describe it.
#[derive(Clone, Copy)]
pub struct Side {
    /// The memory (null without a `memory` option).
    pub memory: *mut VmMemory,
    /// `realloc` (null without one).
    pub realloc: *const VmFuncRef,
    /// String encoding.
    pub encoding: StringEncoding,
    /// The component instance.
    pub instance: u32,
    /// Whether the call goes between two components (a fused adapter) rather than between
    /// a component and the host: wasmtime words the same violations differently there, and
    /// its wording is what users and the reference tests see.
    pub fused: bool,
}

/// What a lift or lower works with besides the values: the resource types, the handle
/// tables, and the borrows a call hands out.
pub struct Cx<'a> {
    /// The program's resource types.
    pub resource_types: &'a [Resource],
    /// Handle tables (and host objects).
    pub resources: &'a mut Resources,
    /// The call borrows are passed into (its borrows must end with it).
    pub scope: u32,
    /// Owned handles lent for the call: (instance, handle), to end at its return.
    pub lent: Vec<(u32, u32)>,
}

impl Side {
    fn bytes(&self) -> R<&'static mut [u8]> {
        if self.memory.is_null() {
            return trap("a canonical option needs a memory the function does not have");
        }
        // SAFETY: the record describes a live memory's accessible bytes; the guest is
        // stopped in this call, so nothing else touches them.
        Ok(unsafe {
            std::slice::from_raw_parts_mut((*self.memory).base, (*self.memory).length as usize)
        })
    }

    fn check(&self, ptr: u32, len: u64, message: &'static str) -> R<()> {
        if ptr as u64 + len > self.bytes()?.len() as u64 {
            return trap(message);
        }
        Ok(())
    }

    fn load<const N: usize>(&self, ptr: u32) -> R<[u8; N]> {
        self.check(ptr, N as u64, "out of bounds memory access")?;
        let bytes = self.bytes()?;
        let mut out = [0; N];
        out.copy_from_slice(&bytes[ptr as usize..ptr as usize + N]);
        Ok(out)
    }

    fn store(&self, ptr: u32, data: &[u8]) -> R<()> {
        self.check(ptr, data.len() as u64, "out of bounds memory access")?;
        self.bytes()?[ptr as usize..ptr as usize + data.len()].copy_from_slice(data);
        Ok(())
    }

    /// Calls the guest's `realloc(0, 0, align, size)` and checks what it returns; `what`
    /// names the allocation in a fused adapter's out-of-bounds trap.
    pub fn alloc(&self, size: u32, align: u32, what: Content) -> R<u32> {
        if self.realloc.is_null() {
            return trap("a canonical option needs a realloc the function does not have");
        }
        let args = [0, 0, align as u128, size as u128];
        crate::host_p2::enter_realloc(self.instance);
        // SAFETY: a realloc option has type (i32 i32 i32 i32) -> i32, checked by the validator.
        let result = unsafe { instance::invoke(self.realloc, &args) };
        crate::host_p2::leave_realloc(self.instance);
        let ptr = result.map_err(Failure::Unwound)?[0] as u32;
        if !ptr.is_multiple_of(align) {
            return trap(if self.fused {
                "unaligned pointer"
            } else {
                "realloc return: result not aligned"
            });
        }
        if ptr as u64 + size as u64 > self.bytes()?.len() as u64 {
            return trap(match (self.fused, what) {
                (false, _) => "realloc return: beyond end of memory",
                (true, Content::String) => "string content out-of-bounds",
                (true, Content::List) => "list content out-of-bounds",
                (true, Content::Spill) => "pointer out of bounds",
            });
        }
        Ok(ptr)
    }
}

/// What a `realloc` allocates, for the wording of its traps.
#[derive(Clone, Copy)]
pub enum Content {
    String,
    List,
    /// Parameters or results spilled to memory.
    Spill,
}

/// Reads a flattened value list, converting each value from the slot type it was joined to.
pub struct FlatReader<'v> {
    values: &'v [u64],
    pos: usize,
}

impl<'v> FlatReader<'v> {
    /// Reads `values` (each value's bits, zero-extended to 64).
    pub fn new(values: &'v [u64]) -> FlatReader<'v> {
        FlatReader { values, pos: 0 }
    }

    /// The next value, as `want`: a 32-bit value (in a 32-bit slot, or wrapped from a joined
    /// 64-bit one) has its upper bits cleared.
    fn next(&mut self, want: Flat) -> u64 {
        let v = self.values.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        match want {
            Flat::I32 | Flat::F32 => v & 0xffff_ffff,
            Flat::I64 | Flat::F64 => v,
        }
    }

    fn skip_to(&mut self, pos: usize) {
        self.pos = pos;
    }
}

fn lift_char(code: u32) -> R<char> {
    char::from_u32(code).map_or_else(|| trap("invalid `char` bit pattern"), Ok)
}

fn lift_handle(cx: &mut Cx<'_>, side: &Side, ty: &CType, handle: u32) -> R<Val> {
    let (resource, own) = match ty {
        CType::Own(r) => (*r, true),
        CType::Borrow(r) => (*r, false),
        _ => unreachable!("a handle type"),
    };
    let rt = resource_type(cx.resource_types, resource);
    let table = cx.resources.table(side.instance);
    if own {
        Ok(Val::Own(rt, table.take_own(handle, rt)?))
    } else {
        let rep = table.lend(handle, rt)?;
        if table.is_own(handle) {
            cx.lent.push((side.instance, handle));
        }
        Ok(Val::Borrow(rt, rep))
    }
}

/// The handle type of plan resource `r`.
pub fn resource_type(resources: &[Resource], r: u32) -> ResourceType {
    match resources.get(r as usize) {
        Some(Resource::Host(h)) => ResourceType::Host(*h),
        _ => ResourceType::Guest(r),
    }
}

pub fn defining_instance(resources: &[Resource], rt: ResourceType) -> Option<u32> {
    match rt {
        ResourceType::Guest(r) => match resources.get(r as usize) {
            Some(Resource::Guest { instance, .. }) => Some(*instance),
            _ => None,
        },
        ResourceType::Host(_) => None,
    }
}

fn lower_handle(cx: &mut Cx<'_>, side: &Side, val: &Val) -> R<u32> {
    Ok(match val {
        Val::Own(rt, rep) => cx.resources.table(side.instance).new_own(*rt, *rep)?,
        Val::Borrow(rt, rep) => {
            // The resource's own component gets the representation itself.
            if defining_instance(cx.resource_types, *rt) == Some(side.instance) {
                *rep
            } else {
                let scope = cx.scope;
                cx.resources
                    .table(side.instance)
                    .new_borrow(*rt, *rep, scope)?
            }
        }
        _ => return trap("a value of the wrong type for a handle"),
    })
}

/// Lifts a value of type `ty` from flat values.
pub fn lift_flat(cx: &mut Cx<'_>, side: &Side, ty: &CType, vi: &mut FlatReader<'_>) -> R<Val> {
    Ok(match ty {
        CType::Bool => Val::Bool(vi.next(Flat::I32) as u32 != 0),
        CType::S8 => Val::S8(vi.next(Flat::I32) as i8),
        CType::U8 => Val::U8(vi.next(Flat::I32) as u8),
        CType::S16 => Val::S16(vi.next(Flat::I32) as i16),
        CType::U16 => Val::U16(vi.next(Flat::I32) as u16),
        CType::S32 => Val::S32(vi.next(Flat::I32) as i32),
        CType::U32 => Val::U32(vi.next(Flat::I32) as u32),
        CType::S64 => Val::S64(vi.next(Flat::I64) as i64),
        CType::U64 => Val::U64(vi.next(Flat::I64)),
        CType::F32 => Val::F32(canonical_nan32(vi.next(Flat::F32) as u32)),
        CType::F64 => Val::F64(canonical_nan64(vi.next(Flat::F64))),
        CType::Char => Val::Char(lift_char(vi.next(Flat::I32) as u32)?),
        CType::String => {
            let ptr = vi.next(Flat::I32) as u32;
            let len = vi.next(Flat::I32) as u32;
            Val::String(load_string_from_range(side, ptr, len)?)
        }
        CType::List(t) => {
            let ptr = vi.next(Flat::I32) as u32;
            let len = vi.next(Flat::I32) as u32;
            Val::List(load_list_from_range(cx, side, ptr, len, t)?)
        }
        CType::FixedList(t, n) => Val::List(
            (0..*n)
                .map(|_| lift_flat(cx, side, t, vi))
                .collect::<R<_>>()?,
        ),
        CType::Record(_) | CType::Tuple(_) => Val::Record(
            fields(ty)
                .into_iter()
                .map(|f| lift_flat(cx, side, f, vi))
                .collect::<R<_>>()?,
        ),
        CType::Flags(_) => Val::Flags(defined_flags(
            ty,
            (0..flag_words(ty))
                .map(|_| vi.next(Flat::I32) as u32)
                .collect(),
        )),
        CType::Own(_) | CType::Borrow(_) => {
            let handle = vi.next(Flat::I32) as u32;
            lift_handle(cx, side, ty, handle)?
        }
        _ => {
            let cases = cases(ty).expect("variant-like");
            let mut all = Vec::new();
            flatten(ty, &mut all);
            let start = vi.pos;
            let case = vi.next(Flat::I32) as u32;
            let Some(payload_ty) = cases.get(case as usize) else {
                return trap("invalid variant discriminant");
            };
            let payload = match payload_ty {
                Some(t) => Some(Box::new(lift_flat(cx, side, t, vi)?)),
                None => None,
            };
            vi.skip_to(start + all.len());
            Val::Variant(case, payload)
        }
    })
}

pub fn load_string_from_range(side: &Side, ptr: u32, tagged_len: u32) -> R<String> {
    let (bytes, utf16) = match side.encoding {
        StringEncoding::Utf8 => (tagged_len as u64, false),
        StringEncoding::Utf16 => (tagged_len as u64 * 2, true),
        StringEncoding::CompactUtf16 if tagged_len & (1 << 31) != 0 => {
            ((tagged_len & !(1 << 31)) as u64 * 2, true)
        }
        StringEncoding::CompactUtf16 => (tagged_len as u64, false),
    };
    let align = if matches!(side.encoding, StringEncoding::Utf8) {
        1
    } else {
        2
    };
    if !ptr.is_multiple_of(align) {
        return trap("unaligned pointer");
    }
    side.check(
        ptr,
        bytes,
        if side.fused {
            "string content out-of-bounds"
        } else {
            "string pointer/length out of bounds of memory"
        },
    )?;
    let raw = &side.bytes()?[ptr as usize..(ptr as u64 + bytes) as usize];
    match (side.encoding, utf16) {
        (StringEncoding::Utf8, _) => match std::str::from_utf8(raw) {
            Ok(s) => Ok(s.to_string()),
            Err(e) if e.error_len().is_none() => trap("incomplete utf-8 byte sequence"),
            Err(_) => trap("invalid utf-8"),
        },
        (_, true) => {
            let units: Vec<u16> = raw
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).map_or_else(|_| trap("invalid utf-16"), Ok)
        }
        (_, false) => Ok(raw.iter().map(|b| *b as char).collect()),
    }
}

fn load_list_from_range(
    cx: &mut Cx<'_>,
    side: &Side,
    ptr: u32,
    len: u32,
    t: &CType,
) -> R<Vec<Val>> {
    let (elem, align) = (size(t), alignment(t));
    if !ptr.is_multiple_of(align) {
        return trap("unaligned pointer");
    }
    side.check(
        ptr,
        elem as u64 * len as u64,
        if side.fused {
            "list content out-of-bounds"
        } else {
            "list pointer/length out of bounds of memory"
        },
    )?;
    (0..len)
        .map(|i| load(cx, side, t, ptr + i * elem))
        .collect()
}

/// Loads a value of type `ty` from memory at `ptr` (aligned, in bounds: checked by the
/// caller for the outermost value).
pub fn load(cx: &mut Cx<'_>, side: &Side, ty: &CType, ptr: u32) -> R<Val> {
    Ok(match ty {
        CType::Bool => Val::Bool(side.load::<1>(ptr)?[0] != 0),
        CType::S8 => Val::S8(side.load::<1>(ptr)?[0] as i8),
        CType::U8 => Val::U8(side.load::<1>(ptr)?[0]),
        CType::S16 => Val::S16(i16::from_le_bytes(side.load(ptr)?)),
        CType::U16 => Val::U16(u16::from_le_bytes(side.load(ptr)?)),
        CType::S32 => Val::S32(i32::from_le_bytes(side.load(ptr)?)),
        CType::U32 => Val::U32(u32::from_le_bytes(side.load(ptr)?)),
        CType::S64 => Val::S64(i64::from_le_bytes(side.load(ptr)?)),
        CType::U64 => Val::U64(u64::from_le_bytes(side.load(ptr)?)),
        CType::F32 => Val::F32(canonical_nan32(u32::from_le_bytes(side.load(ptr)?))),
        CType::F64 => Val::F64(canonical_nan64(u64::from_le_bytes(side.load(ptr)?))),
        CType::Char => Val::Char(lift_char(u32::from_le_bytes(side.load(ptr)?))?),
        CType::String => {
            let p = u32::from_le_bytes(side.load(ptr)?);
            let len = u32::from_le_bytes(side.load(ptr + 4)?);
            Val::String(load_string_from_range(side, p, len)?)
        }
        CType::List(t) => {
            let p = u32::from_le_bytes(side.load(ptr)?);
            let len = u32::from_le_bytes(side.load(ptr + 4)?);
            Val::List(load_list_from_range(cx, side, p, len, t)?)
        }
        CType::FixedList(t, n) => Val::List(
            (0..*n)
                .map(|i| load(cx, side, t, ptr + i * size(t)))
                .collect::<R<_>>()?,
        ),
        CType::Record(_) | CType::Tuple(_) => {
            let mut offset = 0;
            let mut vals = Vec::new();
            for f in fields(ty) {
                offset = align_to(offset, alignment(f));
                vals.push(load(cx, side, f, ptr + offset)?);
                offset += size(f);
            }
            Val::Record(vals)
        }
        CType::Flags(_) => {
            let bytes = size(ty);
            let words = match bytes {
                0 => Vec::new(),
                1 => vec![side.load::<1>(ptr)?[0] as u32],
                2 => vec![u16::from_le_bytes(side.load(ptr)?) as u32],
                _ => (0..flag_words(ty))
                    .map(|i| side.load(ptr + 4 * i).map(u32::from_le_bytes))
                    .collect::<R<_>>()?,
            };
            Val::Flags(defined_flags(ty, words))
        }
        CType::Own(_) | CType::Borrow(_) => {
            let handle = u32::from_le_bytes(side.load(ptr)?);
            lift_handle(cx, side, ty, handle)?
        }
        _ => {
            let cases = cases(ty).expect("variant-like");
            let disc = discriminant_size(cases.len());
            let case = match disc {
                1 => side.load::<1>(ptr)?[0] as u32,
                2 => u16::from_le_bytes(side.load(ptr)?) as u32,
                _ => u32::from_le_bytes(side.load(ptr)?),
            };
            let Some(payload_ty) = cases.get(case as usize) else {
                return trap("invalid variant discriminant");
            };
            let payload_align = cases
                .iter()
                .flatten()
                .map(|t| alignment(t))
                .max()
                .unwrap_or(1);
            let payload = match payload_ty {
                Some(t) => Some(Box::new(load(
                    cx,
                    side,
                    t,
                    ptr + align_to(disc, payload_align),
                )?)),
                None => None,
            };
            Val::Variant(case, payload)
        }
    })
}

/// Writes the flattening of `val` (of type `ty`) to `out`, as the slots of `ty`'s flattening.
pub fn lower_flat(
    cx: &mut Cx<'_>,
    side: &Side,
    ty: &CType,
    val: &Val,
    out: &mut Vec<u64>,
) -> R<()> {
    match (ty, val) {
        (CType::Bool, Val::Bool(b)) => out.push(*b as u64),
        (CType::S8, Val::S8(v)) => out.push(*v as i32 as u32 as u64),
        (CType::U8, Val::U8(v)) => out.push(*v as u64),
        (CType::S16, Val::S16(v)) => out.push(*v as i32 as u32 as u64),
        (CType::U16, Val::U16(v)) => out.push(*v as u64),
        (CType::S32, Val::S32(v)) => out.push(*v as u32 as u64),
        (CType::U32, Val::U32(v)) => out.push(*v as u64),
        (CType::S64, Val::S64(v)) => out.push(*v as u64),
        (CType::U64, Val::U64(v)) => out.push(*v),
        (CType::F32, Val::F32(v)) => out.push(*v as u64),
        (CType::F64, Val::F64(v)) => out.push(*v),
        (CType::Char, Val::Char(c)) => out.push(*c as u64),
        (CType::String, Val::String(s)) => {
            let (ptr, len) = store_string(side, s)?;
            out.extend([ptr as u64, len as u64]);
        }
        (CType::List(t), Val::List(items)) => {
            let (ptr, len) = store_list(cx, side, t, items)?;
            out.extend([ptr as u64, len as u64]);
        }
        (CType::FixedList(t, _), Val::List(items)) => {
            for item in items {
                lower_flat(cx, side, t, item, out)?;
            }
        }
        (CType::Record(_) | CType::Tuple(_), Val::Record(vals)) => {
            for (f, v) in fields(ty).into_iter().zip(vals) {
                lower_flat(cx, side, f, v, out)?;
            }
        }
        (CType::Flags(_), Val::Flags(words)) => out.extend(words.iter().map(|w| *w as u64)),
        (CType::Own(_) | CType::Borrow(_), v) => {
            let handle = lower_handle(cx, side, v)?;
            out.push(handle as u64);
        }
        (_, Val::Variant(case, payload)) if cases(ty).is_some() => {
            let mut all = Vec::new();
            flatten(ty, &mut all);
            out.push(*case as u64);
            let start = out.len();
            let cases = cases(ty).expect("variant-like");
            if let (Some(Some(t)), Some(p)) = (cases.get(*case as usize), payload) {
                // Values are carried as their bits, zero-extended, which is also how each goes
                // into a wider joined slot (an f32 in an i32 slot, an i32 or f64 in an i64).
                lower_flat(cx, side, t, p, out)?;
            }
            while out.len() < start + all.len() - 1 {
                out.push(0);
            }
        }
        _ => return trap("a value of the wrong type"),
    }
    Ok(())
}

pub fn store_string(side: &Side, s: &str) -> R<(u32, u32)> {
    match side.encoding {
        StringEncoding::Utf8 => {
            let len = u32::try_from(s.len()).map_or_else(|_| trap("string too large"), Ok)?;
            let ptr = side.alloc(len, 1, Content::String)?;
            side.store(ptr, s.as_bytes())?;
            Ok((ptr, len))
        }
        StringEncoding::Utf16 => {
            let units: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let ptr = side.alloc(units.len() as u32, 2, Content::String)?;
            side.store(ptr, &units)?;
            Ok((ptr, (units.len() / 2) as u32))
        }
        StringEncoding::CompactUtf16 => {
            if s.chars().all(|c| (c as u32) < 0x100) {
                let latin1: Vec<u8> = s.chars().map(|c| c as u8).collect();
                let ptr = side.alloc(latin1.len() as u32, 2, Content::String)?;
                side.store(ptr, &latin1)?;
                Ok((ptr, latin1.len() as u32))
            } else {
                let units: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
                let ptr = side.alloc(units.len() as u32, 2, Content::String)?;
                side.store(ptr, &units)?;
                Ok((ptr, (units.len() / 2) as u32 | (1 << 31)))
            }
        }
    }
}

fn store_list(cx: &mut Cx<'_>, side: &Side, t: &CType, items: &[Val]) -> R<(u32, u32)> {
    let elem = size(t);
    let len = items.len() as u32;
    let bytes = elem
        .checked_mul(len)
        .map_or_else(|| trap("list too large"), Ok)?;
    let ptr = side.alloc(bytes, alignment(t), Content::List)?;
    for (i, item) in (0..).zip(items) {
        store(cx, side, t, item, ptr + i * elem)?;
    }
    Ok((ptr, len))
}

/// Stores `val` (of type `ty`) at `ptr`.
pub fn store(cx: &mut Cx<'_>, side: &Side, ty: &CType, val: &Val, ptr: u32) -> R<()> {
    match (ty, val) {
        (CType::Bool, Val::Bool(b)) => side.store(ptr, &[*b as u8]),
        (CType::S8, Val::S8(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::U8, Val::U8(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::S16, Val::S16(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::U16, Val::U16(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::S32, Val::S32(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::U32, Val::U32(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::S64, Val::S64(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::U64, Val::U64(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::F32, Val::F32(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::F64, Val::F64(v)) => side.store(ptr, &v.to_le_bytes()),
        (CType::Char, Val::Char(c)) => side.store(ptr, &(*c as u32).to_le_bytes()),
        (CType::String, Val::String(s)) => {
            let (p, len) = store_string(side, s)?;
            side.store(ptr, &p.to_le_bytes())?;
            side.store(ptr + 4, &len.to_le_bytes())
        }
        (CType::List(t), Val::List(items)) => {
            let (p, len) = store_list(cx, side, t, items)?;
            side.store(ptr, &p.to_le_bytes())?;
            side.store(ptr + 4, &len.to_le_bytes())
        }
        (CType::FixedList(t, _), Val::List(items)) => {
            for (i, item) in (0..).zip(items) {
                store(cx, side, t, item, ptr + i * size(t))?;
            }
            Ok(())
        }
        (CType::Record(_) | CType::Tuple(_), Val::Record(vals)) => {
            let mut offset = 0;
            for (f, v) in fields(ty).into_iter().zip(vals) {
                offset = align_to(offset, alignment(f));
                store(cx, side, f, v, ptr + offset)?;
                offset += size(f);
            }
            Ok(())
        }
        (CType::Flags(_), Val::Flags(words)) => match size(ty) {
            0 => Ok(()),
            1 => side.store(ptr, &[words.first().copied().unwrap_or(0) as u8]),
            2 => side.store(
                ptr,
                &(words.first().copied().unwrap_or(0) as u16).to_le_bytes(),
            ),
            _ => {
                for i in 0..flag_words(ty) {
                    let w = words.get(i as usize).copied().unwrap_or(0);
                    side.store(ptr + 4 * i, &w.to_le_bytes())?;
                }
                Ok(())
            }
        },
        (CType::Own(_) | CType::Borrow(_), v) => {
            let handle = lower_handle(cx, side, v)?;
            side.store(ptr, &handle.to_le_bytes())
        }
        (_, Val::Variant(case, payload)) if cases(ty).is_some() => {
            let cases = cases(ty).expect("variant-like");
            let disc = discriminant_size(cases.len());
            match disc {
                1 => side.store(ptr, &[*case as u8])?,
                2 => side.store(ptr, &(*case as u16).to_le_bytes())?,
                _ => side.store(ptr, &case.to_le_bytes())?,
            }
            let payload_align = cases
                .iter()
                .flatten()
                .map(|t| alignment(t))
                .max()
                .unwrap_or(1);
            if let (Some(Some(t)), Some(p)) = (cases.get(*case as usize), payload) {
                store(cx, side, t, p, ptr + align_to(disc, payload_align))?;
            }
            Ok(())
        }
        _ => trap("a value of the wrong type"),
    }
}

/// Lifts a function's parameters (or results) of `types` from core values `flat` (their
/// types `flat_types`): directly, or from memory when they were passed through a pointer.
pub fn lift_values(
    cx: &mut Cx<'_>,
    side: &Side,
    types: &[CType],
    flat: &[u64],
    max_flat: usize,
) -> R<Vec<Val>> {
    let flat_types = flatten_all(types);
    if flat_types.len() > max_flat {
        let ptr = flat.first().copied().unwrap_or(0) as u32;
        let tuple = CType::Tuple(types.to_vec());
        if !ptr.is_multiple_of(alignment(&tuple)) {
            return trap("unaligned pointer");
        }
        side.check(ptr, size(&tuple) as u64, "pointer out of bounds of memory")?;
        match load(cx, side, &tuple, ptr)? {
            Val::Record(vals) => Ok(vals),
            _ => unreachable!("a tuple loads as a record"),
        }
    } else {
        let mut vi = FlatReader::new(flat);
        types
            .iter()
            .map(|t| lift_flat(cx, side, t, &mut vi))
            .collect()
    }
}

/// Lowers parameters of `types` into core values for a call: directly, or into memory the
/// callee allocates when they do not fit.
pub fn lower_params(cx: &mut Cx<'_>, side: &Side, types: &[CType], vals: &[Val]) -> R<Vec<u64>> {
    let flat_types = flatten_all(types);
    if flat_types.len() > MAX_FLAT_PARAMS {
        let tuple = CType::Tuple(types.to_vec());
        let ptr = side.alloc(size(&tuple), alignment(&tuple), Content::Spill)?;
        store(cx, side, &tuple, &Val::Record(vals.to_vec()), ptr)?;
        Ok(vec![ptr as u64])
    } else {
        let mut out = Vec::new();
        for (t, v) in types.iter().zip(vals) {
            lower_flat(cx, side, t, v, &mut out)?;
        }
        Ok(out)
    }
}

/// Lowers results of `types` for a caller: directly (at most one core value), or stored at
/// the caller's return pointer `retptr`.
pub fn lower_results(
    cx: &mut Cx<'_>,
    side: &Side,
    types: &[CType],
    vals: &[Val],
    retptr: Option<u32>,
) -> R<Vec<u64>> {
    let flat_types = flatten_all(types);
    if flat_types.len() > MAX_FLAT_RESULTS {
        let ptr = retptr.unwrap_or(0);
        let tuple = CType::Tuple(types.to_vec());
        if !ptr.is_multiple_of(alignment(&tuple)) {
            return trap("unaligned pointer");
        }
        side.check(ptr, size(&tuple) as u64, "pointer out of bounds of memory")?;
        store(cx, side, &tuple, &Val::Record(vals.to_vec()), ptr)?;
        Ok(Vec::new())
    } else {
        let mut out = Vec::new();
        for (t, v) in types.iter().zip(vals) {
            lower_flat(cx, side, t, v, &mut out)?;
        }
        Ok(out)
    }
}
