//! Linear memories: the whole guarded reservation is mapped inaccessible at creation and
//! made accessible page by page as the memory grows, so the base never moves and compiled
//! code needs no bounds checks.

use wasi_aot_abi::memory::WASM_PAGE_SIZE;
use wasi_aot_abi::metadata::MemoryType;
use wasi_aot_abi::vmctx::VmMemory;

/// The runtime state of a memory; the `VmMemory` record compiled code reads is `vm`.
pub struct Memory {
    /// Points at the record in the defining instance's vmctx.
    pub vm: *mut VmMemory,
    /// Maximum pages.
    pub max_pages: u64,
    /// Its declared type (limits as declared; `min` is the current size for exports).
    pub ty: MemoryType,
    /// Size of the reservation at `vm.base`, unmapped when the memory is dropped.
    reservation: u64,
}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: the reservation was mapped by `new` and nothing uses it any more (only a
        // server's per-request instances are ever destroyed).
        unsafe { libc::munmap((*self.vm).base.cast(), self.reservation as usize) };
    }
}

/// Largest page count of any memory: 4 GiB, the part of the reservation below the guard.
/// A 64-bit memory is checked explicitly by compiled code and may use the same
/// reservation; growing it beyond 4 GiB fails (`memory.grow` returns -1).
const MAX_PAGES: u64 = 1 << 16;

impl Memory {
    /// Reserves a memory of type `ty` and makes its initial pages accessible, writing the
    /// record at `vm`.
    ///
    /// # Safety
    /// `vm` must point to a writable `VmMemory` that outlives the memory.
    pub unsafe fn new(
        ty: MemoryType,
        vm: *mut VmMemory,
        reservation: u64,
    ) -> Result<Memory, String> {
        let max_pages = ty.max.unwrap_or(MAX_PAGES).min(MAX_PAGES);
        if ty.min > max_pages {
            return Err(format!(
                "memory of {} pages exceeds the 4 GiB limit",
                ty.min
            ));
        }
        // SAFETY: an anonymous inaccessible reservation; MAP_NORESERVE keeps it from
        // counting against overcommit.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reservation as usize,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(format!(
                "cannot reserve {} GiB of address space for a linear memory",
                reservation >> 30
            ));
        }
        // SAFETY: the caller guarantees `vm` is writable.
        unsafe {
            vm.write(VmMemory {
                base: base.cast(),
                length: 0,
            })
        };
        let memory = Memory {
            vm,
            max_pages,
            ty,
            reservation,
        };
        if memory.grow(ty.min).is_none() {
            return Err(format!("cannot commit {} pages of linear memory", ty.min));
        }
        Ok(memory)
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        // SAFETY: `vm` is valid for the memory's lifetime.
        unsafe { (*self.vm).length / WASM_PAGE_SIZE }
    }

    /// The accessible bytes.
    pub fn bytes(&self) -> (*mut u8, u64) {
        // SAFETY: `vm` is valid for the memory's lifetime.
        unsafe { ((*self.vm).base, (*self.vm).length) }
    }

    /// `memory.grow`: returns the old size, or `None` if the memory cannot grow so far.
    pub fn grow(&self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        if delta > 0 {
            let (base, length) = self.bytes();
            // SAFETY: the range lies inside our reservation (new <= 4 GiB < reservation).
            let rc = unsafe {
                libc::mprotect(
                    base.add(length as usize).cast(),
                    (delta * WASM_PAGE_SIZE) as usize,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            };
            if rc != 0 {
                return None;
            }
            // SAFETY: `vm` is valid.
            unsafe { (*self.vm).length = new * WASM_PAGE_SIZE };
        }
        Some(old)
    }

    /// The range `[offset, offset + len)` as a pointer, if in bounds.
    pub fn range(&self, offset: u64, len: u64) -> Option<*mut u8> {
        let (base, length) = self.bytes();
        let end = offset.checked_add(len)?;
        // SAFETY: in bounds of the accessible part.
        (end <= length).then(|| unsafe { base.add(offset as usize) })
    }
}
