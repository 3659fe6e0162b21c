//! Linear memories: the whole guarded reservation is mapped inaccessible at creation and
//! made accessible page by page as the memory grows, so the base never moves and compiled
//! code needs no bounds checks. A server's per-request instances take their memories from
//! a per-thread pool ([`pool`]), pre-initialised from a copy-on-write image ([`image`]).

pub mod image;
pub mod pool;

use image::Image;

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
    /// For a pooled memory: its pool key and image, to go back to the pool when dropped.
    pooled: Option<(pool::Key, Option<&'static Image>)>,
}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: `vm` is still valid (the vmctx is freed after its memories).
        let (base, length) = unsafe { ((*self.vm).base, (*self.vm).length) };
        match self.pooled {
            Some((key, image)) => {
                let slot = pool::Slot {
                    base,
                    reservation: self.reservation,
                    length,
                };
                pool::give(key, slot, self.ty.min * WASM_PAGE_SIZE, image);
            }
            // SAFETY: the reservation was mapped by `new` and nothing uses it any more
            // (only a server's per-request instances are ever destroyed).
            None => {
                unsafe { libc::munmap(base.cast(), self.reservation as usize) };
            }
        }
    }
}

/// Largest page count of any memory: 4 GiB, the part of the reservation below the guard.
/// A 64-bit memory is checked explicitly by compiled code and may use the same
/// reservation; growing it beyond 4 GiB fails (`memory.grow` returns -1).
const MAX_PAGES: u64 = 1 << 16;

/// The most pages a memory of type `ty` may have.
fn max_pages(ty: &MemoryType) -> Result<u64, String> {
    let max_pages = ty.max.unwrap_or(MAX_PAGES).min(MAX_PAGES);
    if ty.min > max_pages {
        return Err(format!(
            "memory of {} pages exceeds the 4 GiB limit",
            ty.min
        ));
    }
    Ok(max_pages)
}

/// Maps an inaccessible reservation of `bytes`.
fn reserve(bytes: u64) -> Result<*mut u8, String> {
    // SAFETY: an anonymous inaccessible reservation; MAP_NORESERVE keeps it from counting
    // against overcommit.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes as usize,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(format!(
            "cannot reserve {} GiB of address space for a linear memory",
            bytes >> 30
        ));
    }
    Ok(base.cast())
}

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
        let max_pages = max_pages(&ty)?;
        // SAFETY: the caller guarantees `vm` is writable.
        unsafe {
            vm.write(VmMemory {
                base: reserve(reservation)?,
                length: 0,
            })
        };
        let memory = Memory {
            vm,
            max_pages,
            ty,
            reservation,
            pooled: None,
        };
        if memory.grow(ty.min).is_none() {
            return Err(format!("cannot commit {} pages of linear memory", ty.min));
        }
        Ok(memory)
    }

    /// [`Memory::new`] for a per-request instance: defined memory `key.1` of module
    /// `key.0`, from this thread's pool when it has a slot, else freshly reserved with its
    /// image (if any) mapped in. Either way the memory holds its image's data segments.
    ///
    /// # Safety
    /// As for [`Memory::new`]; the memory must be dropped on this thread.
    pub unsafe fn pooled(
        ty: MemoryType,
        vm: *mut VmMemory,
        reservation: u64,
        key: pool::Key,
    ) -> Result<Memory, String> {
        let max_pages = max_pages(&ty)?;
        let image = image::get(key.0, key.1);
        let (base, length) = match pool::take(key) {
            Some(slot) => (slot.base, slot.length),
            None => {
                let base = reserve(reservation)?;
                // SAFETY: the image fits in the initial size, inside the new reservation.
                if image.is_some_and(|i| !unsafe { i.map_at(base) }) {
                    // SAFETY: ours, unused.
                    unsafe { libc::munmap(base.cast(), reservation as usize) };
                    return Err("cannot map a memory image".into());
                }
                (base, image.map_or(0, |i| i.len as u64))
            }
        };
        // SAFETY: the caller guarantees `vm` is writable.
        unsafe { vm.write(VmMemory { base, length }) };
        let memory = Memory {
            vm,
            max_pages,
            ty,
            reservation,
            pooled: Some((key, image)),
        };
        // The image's end is page-aligned, not wasm-page-aligned: commit the rest.
        let initial = ty.min * WASM_PAGE_SIZE;
        if length < initial && !memory.commit(length, initial) {
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
        if delta > 0 && !self.commit(old * WASM_PAGE_SIZE, new * WASM_PAGE_SIZE) {
            return None;
        }
        Some(old)
    }

    /// Makes `[from, to)` accessible, `from` being the current length.
    fn commit(&self, from: u64, to: u64) -> bool {
        let (base, _) = self.bytes();
        // SAFETY: the range lies inside our reservation (to <= 4 GiB < reservation).
        let rc = unsafe {
            libc::mprotect(
                base.add(from as usize).cast(),
                (to - from) as usize,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        if rc != 0 {
            return false;
        }
        // SAFETY: `vm` is valid.
        unsafe { (*self.vm).length = to };
        true
    }

    /// The range `[offset, offset + len)` as a pointer, if in bounds.
    pub fn range(&self, offset: u64, len: u64) -> Option<*mut u8> {
        let (base, length) = self.bytes();
        let end = offset.checked_add(len)?;
        // SAFETY: in bounds of the accessible part.
        (end <= length).then(|| unsafe { base.add(offset as usize) })
    }
}
