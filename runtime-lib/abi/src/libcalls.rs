//! Runtime functions that compiled code calls (`extern "C"`, first parameter the caller's
//! vmctx). The compiler builds signatures from [`Libcall::signature`]; the runtime exports
//! one symbol per entry ([`crate::symbols::libcall`] of [`Libcall::name`]).
//!
//! A libcall that can trap returns a status (`0` = done, anything else = trap) and compiled
//! code raises [`Libcall::trap`] itself: no runtime frame is ever unwound.

use crate::{Trap, ValType};

/// Every libcall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Libcall {
    /// `(memory, delta_pages) -> old_pages or -1`.
    MemoryGrow,
    /// `(dst_memory, src_memory, dst, src, len) -> status`, between two memories (within
    /// one, compiled code checks the bounds and calls libc's `memmove` itself, as it calls
    /// `memset` for `memory.fill`).
    MemoryCopy,
    /// `(memory, data, dst, src, len) -> status`.
    MemoryInit,
    /// `(data)`.
    DataDrop,
    /// `(table, init_ref, delta) -> old_size or -1`.
    TableGrow,
    /// `(table, dst, ref, len) -> status`.
    TableFill,
    /// `(dst_table, src_table, dst, src, len) -> status`.
    TableCopy,
    /// `(table, elem, dst, src, len) -> status`.
    TableInit,
    /// `(elem)`.
    ElemDrop,
    /// `(memory, host_address, expected, timeout_ns) -> 1 (not equal) or 2 (timed out)`;
    /// compiled code has checked the address.
    AtomicWait32,
    /// As [`Libcall::AtomicWait32`] for a 64-bit value.
    AtomicWait64,
    /// `(tag, payload_slots)`: creates an exception and makes it pending.
    Throw,
    /// `(exnref)`: makes a (non-null) exception pending again.
    ThrowRef,
}

use ValType::{I32, I64};

/// Parameter and result types of a libcall, after the leading vmctx pointer.
#[derive(Clone, Copy, Debug)]
pub struct LibcallSignature {
    /// Parameters after vmctx.
    pub params: &'static [ValType],
    /// Results.
    pub results: &'static [ValType],
}

impl Libcall {
    /// Every libcall, for link checks.
    pub const ALL: [Libcall; 13] = [
        Libcall::MemoryGrow,
        Libcall::MemoryCopy,
        Libcall::MemoryInit,
        Libcall::DataDrop,
        Libcall::TableGrow,
        Libcall::TableFill,
        Libcall::TableCopy,
        Libcall::TableInit,
        Libcall::ElemDrop,
        Libcall::AtomicWait32,
        Libcall::AtomicWait64,
        Libcall::Throw,
        Libcall::ThrowRef,
    ];

    /// The name after [`crate::symbols::LIBCALL_PREFIX`].
    pub fn name(self) -> &'static str {
        match self {
            Libcall::MemoryGrow => "memory_grow",
            Libcall::MemoryCopy => "memory_copy",
            Libcall::MemoryInit => "memory_init",
            Libcall::DataDrop => "data_drop",
            Libcall::TableGrow => "table_grow",
            Libcall::TableFill => "table_fill",
            Libcall::TableCopy => "table_copy",
            Libcall::TableInit => "table_init",
            Libcall::ElemDrop => "elem_drop",
            Libcall::AtomicWait32 => "atomic_wait32",
            Libcall::AtomicWait64 => "atomic_wait64",
            Libcall::Throw => "throw",
            Libcall::ThrowRef => "throw_ref",
        }
    }

    /// The signature after vmctx. Memory addresses and lengths are `i64` so that one
    /// signature serves 32- and 64-bit memories; references are `i64`.
    pub fn signature(self) -> LibcallSignature {
        let (params, results): (&'static [ValType], &'static [ValType]) = match self {
            Libcall::MemoryGrow => (&[I32, I64], &[I64]),
            Libcall::MemoryCopy => (&[I32, I32, I64, I64, I64], &[I32]),
            Libcall::MemoryInit => (&[I32, I32, I64, I32, I32], &[I32]),
            Libcall::DataDrop => (&[I32], &[]),
            Libcall::TableGrow => (&[I32, I64, I32], &[I32]),
            Libcall::TableFill => (&[I32, I32, I64, I32], &[I32]),
            Libcall::TableCopy => (&[I32, I32, I32, I32, I32], &[I32]),
            Libcall::TableInit => (&[I32, I32, I32, I32, I32], &[I32]),
            Libcall::ElemDrop => (&[I32], &[]),
            Libcall::AtomicWait32 => (&[I32, I64, I32, I64], &[I32]),
            Libcall::AtomicWait64 => (&[I32, I64, I64, I64], &[I32]),
            Libcall::Throw => (&[I32, I64], &[]),
            Libcall::ThrowRef => (&[I64], &[]),
        };
        LibcallSignature { params, results }
    }

    /// The trap raised when the libcall returns a non-zero status.
    pub fn trap(self) -> Option<Trap> {
        match self {
            Libcall::MemoryCopy | Libcall::MemoryInit => Some(Trap::MemoryOutOfBounds),
            Libcall::TableFill | Libcall::TableCopy | Libcall::TableInit => {
                Some(Trap::TableOutOfBounds)
            }
            Libcall::MemoryGrow
            | Libcall::DataDrop
            | Libcall::TableGrow
            | Libcall::ElemDrop
            | Libcall::AtomicWait32
            | Libcall::AtomicWait64
            | Libcall::Throw
            | Libcall::ThrowRef => None,
        }
    }
}
