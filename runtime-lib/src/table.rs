//! Tables: element storage owned by the runtime, described to compiled code by the
//! `VmTable` record (base and length) in the defining instance's vmctx.

use wasi_aot_abi::metadata::TableType;
use wasi_aot_abi::vmctx::VmTable;

/// Largest table the runtime creates (elements).
const MAX_ELEMENTS: u64 = 10_000_000;

/// The runtime state of a table.
pub struct Table {
    /// Points at the record in the defining instance's vmctx.
    pub vm: *mut VmTable,
    /// Element storage; `vm.base` points into it.
    elements: Vec<u64>,
    /// Its type (`min` as declared).
    pub ty: TableType,
}

impl Table {
    /// Creates a table of `ty.min` elements set to `init`, writing the record at `vm`.
    ///
    /// # Safety
    /// `vm` must point to a writable `VmTable` that outlives the table.
    pub unsafe fn new(ty: TableType, vm: *mut VmTable, init: u64) -> Result<Table, String> {
        if ty.min > MAX_ELEMENTS {
            return Err(format!("table of {} elements is too large", ty.min));
        }
        let mut table = Table {
            vm,
            elements: vec![init; ty.min as usize],
            ty,
        };
        table.sync();
        Ok(table)
    }

    fn sync(&mut self) {
        // SAFETY: `vm` is valid for the table's lifetime.
        unsafe {
            (*self.vm).base = self.elements.as_mut_ptr();
            (*self.vm).length = self.elements.len() as u32;
        }
    }

    /// Current number of elements.
    pub fn len(&self) -> u32 {
        self.elements.len() as u32
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The elements.
    pub fn elements(&mut self) -> &mut [u64] {
        &mut self.elements
    }

    /// `table.grow`: returns the old size, or `None`.
    pub fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.len();
        let new = (old as u64).checked_add(delta as u64)?;
        let max = self.ty.max.unwrap_or(u32::MAX as u64).min(MAX_ELEMENTS);
        if new > max {
            return None;
        }
        self.elements.resize(new as usize, init);
        self.sync();
        Some(old)
    }

    /// The bounds-checked range `[start, start + len)`.
    pub fn range(&mut self, start: u32, len: u32) -> Option<&mut [u64]> {
        let end = (start as usize).checked_add(len as usize)?;
        self.elements.get_mut(start as usize..end)
    }
}
