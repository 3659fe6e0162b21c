//! The instance context (`vmctx`) layout, computed once from a module's counts.
//!
//! Compiled code receives a pointer to its instance's vmctx as first argument and reads
//! every runtime datum through offsets from [`VmOffsets`]. The runtime allocates the vmctx
//! with [`VmOffsets::size`] bytes and fills it at instantiation. The plain `#[repr(C)]`
//! records below are the single definition of each element's shape.
//!
//! ```text
//! header        stack_limit, instance pointer, wasi memory, reserved   (32 bytes)
//! func imports  [VmFuncImport; imported_funcs]
//! memory imps   [*mut VmMemory; imported_memories]
//! table imps    [*mut VmTable; imported_tables]
//! global imps   [*mut VmGlobal; imported_globals]
//! tags          [*const u8; tags]                 (identity of each tag, imports first)
//! memories      [VmMemory; defined_memories]      (16-aligned from here on)
//! tables        [VmTable; defined_tables]
//! globals       [VmGlobal; defined_globals]
//! funcrefs      [VmFuncRef; funcrefs]
//! ```

use core::mem::{offset_of, size_of};

/// A linear memory: its base never moves (the whole reservation is mapped at creation);
/// `length` is the accessible size in bytes.
#[repr(C)]
#[derive(Debug)]
pub struct VmMemory {
    /// Start of the reservation.
    pub base: *mut u8,
    /// Accessible bytes (a multiple of the page size).
    pub length: u64,
}

/// A table: `length` elements of pointer size starting at `base` (funcref elements are
/// `*const VmFuncRef`, externref elements opaque host values; null is 0).
#[repr(C)]
#[derive(Debug)]
pub struct VmTable {
    /// Element storage; reallocated by `table.grow`.
    pub base: *mut u64,
    /// Current number of elements.
    pub length: u32,
    /// Keeps the record 16 bytes.
    pub reserved: u32,
}

/// Storage for one global of any type (v128 included).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct VmGlobal {
    /// The value's bytes, little endian, starting at offset 0.
    pub bytes: [u8; 16],
}

/// An imported function: where to call and with which callee vmctx.
#[repr(C)]
#[derive(Debug)]
pub struct VmFuncImport {
    /// Code with the wasm calling convention.
    pub wasm_call: *const u8,
    /// The vmctx to pass as first argument.
    pub vmctx: *mut u8,
}

/// A function reference (the value of a non-null `funcref`).
#[repr(C)]
#[derive(Debug)]
pub struct VmFuncRef {
    /// Code with the wasm calling convention.
    pub wasm_call: *const u8,
    /// The vmctx to pass as first argument.
    pub vmctx: *mut u8,
    /// Canonical signature id, compared by `call_indirect`.
    pub type_id: u32,
    /// Keeps the record 8-aligned.
    pub reserved: u32,
}

/// The fixed header at the start of every vmctx.
#[repr(C)]
#[derive(Debug)]
pub struct VmHeader {
    /// The stack address below which compiled code must not call into the runtime;
    /// checked in the prologue of the functions that do (see `STACK_RESERVE`).
    pub stack_limit: usize,
    /// The runtime's instance record (opaque to compiled code).
    pub instance: *mut u8,
    /// The memory WASI host calls read and write (the `memory` export).
    pub wasi_memory: *mut VmMemory,
    /// The process-wide pending-exception slot: non-null while an exception propagates.
    pub pending_exception: *mut *mut VmException,
}

/// A thrown exception (the value of a non-null `exnref`).
#[repr(C)]
#[derive(Debug)]
pub struct VmException {
    /// Identity of its tag (the tag's slot value in the defining instance).
    pub tag: *const u8,
    /// Its payload, one 16-byte slot per value of the tag's type.
    pub payload: *const u128,
}

/// Numbers of each kind of entity, which determine the layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmCounts {
    /// Functions imported from other instances (host imports are called directly).
    pub imported_funcs: u32,
    /// Imported memories.
    pub imported_memories: u32,
    /// Imported tables.
    pub imported_tables: u32,
    /// Imported globals.
    pub imported_globals: u32,
    /// Defined memories.
    pub defined_memories: u32,
    /// Defined tables.
    pub defined_tables: u32,
    /// Defined globals.
    pub defined_globals: u32,
    /// Function references materialized in the vmctx (one per escaping function).
    pub funcrefs: u32,
    /// Exception tags, imports first.
    pub tags: u32,
}

/// Byte offsets of every vmctx field for one module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmOffsets {
    counts: VmCounts,
    imported_funcs: u32,
    imported_memories: u32,
    imported_tables: u32,
    imported_globals: u32,
    tags: u32,
    defined_memories: u32,
    defined_tables: u32,
    defined_globals: u32,
    funcrefs: u32,
    size: u32,
}

fn align(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

const PTR: u32 = size_of::<usize>() as u32;

impl VmOffsets {
    /// Computes the layout for the given counts.
    pub fn new(counts: VmCounts) -> VmOffsets {
        let imported_funcs = size_of::<VmHeader>() as u32;
        let imported_memories =
            imported_funcs + counts.imported_funcs * size_of::<VmFuncImport>() as u32;
        let imported_tables = imported_memories + counts.imported_memories * PTR;
        let imported_globals = imported_tables + counts.imported_tables * PTR;
        let tags = imported_globals + counts.imported_globals * PTR;
        let defined_memories = align(tags + counts.tags * PTR, 16);
        let defined_tables =
            defined_memories + counts.defined_memories * size_of::<VmMemory>() as u32;
        let defined_globals = align(
            defined_tables + counts.defined_tables * size_of::<VmTable>() as u32,
            16,
        );
        let funcrefs = defined_globals + counts.defined_globals * size_of::<VmGlobal>() as u32;
        let size = align(
            funcrefs + counts.funcrefs * size_of::<VmFuncRef>() as u32,
            16,
        );
        VmOffsets {
            counts,
            imported_funcs,
            imported_memories,
            imported_tables,
            imported_globals,
            tags,
            defined_memories,
            defined_tables,
            defined_globals,
            funcrefs,
            size,
        }
    }

    /// The counts this layout was computed from.
    pub fn counts(&self) -> VmCounts {
        self.counts
    }

    /// Total vmctx size in bytes (a multiple of 16).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Offset of [`VmHeader::stack_limit`].
    pub fn stack_limit(&self) -> u32 {
        offset_of!(VmHeader, stack_limit) as u32
    }

    /// Offset of [`VmHeader::instance`].
    pub fn instance(&self) -> u32 {
        offset_of!(VmHeader, instance) as u32
    }

    /// Offset of [`VmHeader::wasi_memory`].
    pub fn wasi_memory(&self) -> u32 {
        offset_of!(VmHeader, wasi_memory) as u32
    }

    /// Offset of [`VmHeader::pending_exception`].
    pub fn pending_exception(&self) -> u32 {
        offset_of!(VmHeader, pending_exception) as u32
    }

    /// Offset of the identity pointer of tag `index`.
    pub fn tag(&self, index: u32) -> u32 {
        assert!(index < self.counts.tags);
        self.tags + index * PTR
    }

    /// Offset of the [`VmFuncImport`] of imported function `index`.
    pub fn func_import(&self, index: u32) -> u32 {
        assert!(index < self.counts.imported_funcs);
        self.imported_funcs + index * size_of::<VmFuncImport>() as u32
    }

    /// Offset of the `*mut VmMemory` of imported memory `index`.
    pub fn memory_import(&self, index: u32) -> u32 {
        assert!(index < self.counts.imported_memories);
        self.imported_memories + index * PTR
    }

    /// Offset of the `*mut VmTable` of imported table `index`.
    pub fn table_import(&self, index: u32) -> u32 {
        assert!(index < self.counts.imported_tables);
        self.imported_tables + index * PTR
    }

    /// Offset of the `*mut VmGlobal` of imported global `index`.
    pub fn global_import(&self, index: u32) -> u32 {
        assert!(index < self.counts.imported_globals);
        self.imported_globals + index * PTR
    }

    /// Offset of the [`VmMemory`] of defined memory `index`.
    pub fn memory(&self, index: u32) -> u32 {
        assert!(index < self.counts.defined_memories);
        self.defined_memories + index * size_of::<VmMemory>() as u32
    }

    /// Offset of the [`VmTable`] of defined table `index`.
    pub fn table(&self, index: u32) -> u32 {
        assert!(index < self.counts.defined_tables);
        self.defined_tables + index * size_of::<VmTable>() as u32
    }

    /// Offset of the [`VmGlobal`] of defined global `index`.
    pub fn global(&self, index: u32) -> u32 {
        assert!(index < self.counts.defined_globals);
        self.defined_globals + index * size_of::<VmGlobal>() as u32
    }

    /// Offset of the [`VmFuncRef`] in slot `index`.
    pub fn funcref(&self, index: u32) -> u32 {
        assert!(index < self.counts.funcrefs);
        self.funcrefs + index * size_of::<VmFuncRef>() as u32
    }
}

/// Field offsets inside the records, for compiled code.
pub mod field {
    use super::*;

    /// [`VmMemory::base`].
    pub const MEMORY_BASE: u32 = offset_of!(VmMemory, base) as u32;
    /// [`VmMemory::length`].
    pub const MEMORY_LENGTH: u32 = offset_of!(VmMemory, length) as u32;
    /// [`VmTable::base`].
    pub const TABLE_BASE: u32 = offset_of!(VmTable, base) as u32;
    /// [`VmTable::length`].
    pub const TABLE_LENGTH: u32 = offset_of!(VmTable, length) as u32;
    /// [`VmFuncImport::wasm_call`].
    pub const IMPORT_WASM_CALL: u32 = offset_of!(VmFuncImport, wasm_call) as u32;
    /// [`VmFuncImport::vmctx`].
    pub const IMPORT_VMCTX: u32 = offset_of!(VmFuncImport, vmctx) as u32;
    /// [`VmFuncRef::wasm_call`].
    pub const FUNCREF_WASM_CALL: u32 = offset_of!(VmFuncRef, wasm_call) as u32;
    /// [`VmFuncRef::vmctx`].
    pub const FUNCREF_VMCTX: u32 = offset_of!(VmFuncRef, vmctx) as u32;
    /// [`VmFuncRef::type_id`].
    pub const FUNCREF_TYPE_ID: u32 = offset_of!(VmFuncRef, type_id) as u32;
    /// Size of a table element.
    pub const TABLE_ELEMENT_SIZE: u32 = 8;
    /// [`VmException::tag`].
    pub const EXCEPTION_TAG: u32 = offset_of!(VmException, tag) as u32;
    /// [`VmException::payload`].
    pub const EXCEPTION_PAYLOAD: u32 = offset_of!(VmException, payload) as u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_sizes_are_what_compiled_code_assumes() {
        assert_eq!(size_of::<VmHeader>(), 32);
        assert_eq!(size_of::<VmMemory>(), 16);
        assert_eq!(size_of::<VmTable>(), 16);
        assert_eq!(size_of::<VmGlobal>(), 16);
        assert_eq!(size_of::<VmFuncImport>(), 16);
        assert_eq!(size_of::<VmFuncRef>(), 24);
    }

    #[test]
    fn regions_do_not_overlap_and_are_aligned() {
        let counts = VmCounts {
            imported_funcs: 2,
            imported_memories: 1,
            imported_tables: 1,
            imported_globals: 3,
            defined_memories: 1,
            defined_tables: 2,
            defined_globals: 5,
            funcrefs: 4,
            tags: 2,
        };
        let o = VmOffsets::new(counts);
        assert_eq!(o.func_import(0), 32);
        assert_eq!(o.memory_import(0), 32 + 32);
        assert!(o.global_import(2) + 8 <= o.tag(0));
        assert!(o.tag(1) + 8 <= o.memory(0));
        assert_eq!(o.memory(0) % 16, 0);
        assert_eq!(o.global(0) % 16, 0);
        assert!(o.table(1) + 16 <= o.global(0));
        assert!(o.global(4) + 16 <= o.funcref(0));
        assert!(o.funcref(3) + 24 <= o.size());
        assert_eq!(o.size() % 16, 0);
    }
}
