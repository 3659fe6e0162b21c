//! Pre-initialised memory images, for the per-request instances of a server: a defined
//! memory whose active data segments all have constant offsets inside its initial size
//! gets its initial contents written once into a memfd, and every instance maps that file
//! copy-on-write over the start of its memory instead of copying the segments. Only the
//! pages a request writes are ever copied, which is what makes a large image (an
//! interpreter's heap snapshot) cheap to instantiate.
//!
//! Images are only used where a failed instantiation is thrown away (a server's guest
//! threads): a segment that traps is never imaged, but an earlier element segment's trap
//! would leave the imaged data visible, which the spec does not allow for an instance that
//! other code can still reach.

use std::sync::OnceLock;

use wasi_aot_abi::memory::WASM_PAGE_SIZE;
use wasi_aot_abi::metadata::{ConstOp, Module};

use crate::program;

/// One memory's initial contents.
pub struct Image {
    /// The memfd holding the image.
    fd: libc::c_int,
    /// Its length: the end of the last segment, rounded up to the host page size.
    pub len: usize,
    /// A read-only shared mapping of the memfd (the page cache's pages, no copy), to copy
    /// a page back from when a slot is reset.
    view: *const u8,
}

// SAFETY: the image is immutable once built; `view` is a read-only mapping never unmapped.
unsafe impl Sync for Image {}
// SAFETY: as above.
unsafe impl Send for Image {}

impl Image {
    /// Maps the image copy-on-write at `base`, over what was there.
    ///
    /// # Safety
    /// `[base, base + len)` must be part of a reservation that nothing else uses.
    pub unsafe fn map_at(&self, base: *mut u8) -> bool {
        // SAFETY: MAP_FIXED replaces pages of the caller's own reservation.
        let mapped = unsafe {
            libc::mmap(
                base.cast(),
                self.len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                self.fd,
                0,
            )
        };
        mapped == base.cast()
    }

    /// The image's bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `view` maps `len` readable bytes for the rest of the process.
        unsafe { std::slice::from_raw_parts(self.view, self.len) }
    }
}

/// The host's page size.
pub fn host_page() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    // SAFETY: sysconf has no preconditions.
    *PAGE.get_or_init(|| {
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
    })
}

/// The image of defined memory `memory` of module `module`, if it has one.
pub fn get(module: usize, memory: usize) -> Option<&'static Image> {
    static IMAGES: OnceLock<Vec<Vec<Option<Image>>>> = OnceLock::new();
    let images = IMAGES.get_or_init(|| {
        let modules = &program::get().meta.modules;
        modules
            .iter()
            .map(|m| (0..m.memories.len()).map(|d| build(m, d)).collect())
            .collect()
    });
    images.get(module)?.get(memory)?.as_ref()
}

/// Whether every active data segment of defined memory `memory` is in its image.
pub fn covers(module: usize, memory: usize) -> bool {
    get(module, memory).is_some()
}

/// The constant offset of an active segment, if it is one.
fn constant(ops: &[ConstOp]) -> Option<u64> {
    match ops {
        [ConstOp::I32Const(c)] => Some(u64::from(*c as u32)),
        [ConstOp::I64Const(c)] => Some(*c as u64),
        _ => None,
    }
}

/// Writes the image of defined memory `defined`, or `None` if it has no segments, one
/// is not constant or not in bounds, or the memfd cannot be made.
fn build(module: &Module, defined: usize) -> Option<Image> {
    let index = module.counts.imported_memories as usize + defined;
    let initial = module.memories[defined].min.checked_mul(WASM_PAGE_SIZE)?;
    let mut placed = Vec::new();
    for segment in &module.data {
        let Some((memory, offset)) = &segment.active else {
            continue;
        };
        if *memory as usize != index {
            continue;
        }
        let offset = constant(&offset.ops)?;
        let end = offset.checked_add(segment.bytes.len() as u64)?;
        if end > initial {
            return None;
        }
        placed.push((offset as usize, segment.bytes));
    }
    let end = placed
        .iter()
        .map(|(o, b)| o + b.len())
        .max()
        .filter(|&e| e > 0)?;
    let page = host_page();
    let len = end.div_ceil(page) * page;
    let mut bytes = vec![0u8; len];
    for (offset, data) in placed {
        bytes[offset..offset + data.len()].copy_from_slice(data);
    }
    // SAFETY: memfd_create with a static name; the fd is ours.
    let fd = unsafe { libc::memfd_create(c"wasi-aot-image".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return None;
    }
    let mut written = 0;
    while written < len {
        // SAFETY: `bytes[written..]` is valid for reads of `len - written` bytes.
        let n = unsafe {
            libc::pwrite(
                fd,
                bytes[written..].as_ptr().cast(),
                len - written,
                written as libc::off_t,
            )
        };
        if n <= 0 {
            // SAFETY: our own fd.
            unsafe { libc::close(fd) };
            return None;
        }
        written += n as usize;
    }
    // SAFETY: a new read-only shared mapping of our memfd.
    let view = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if view == libc::MAP_FAILED {
        // SAFETY: our own fd.
        unsafe { libc::close(fd) };
        return None;
    }
    Some(Image {
        fd,
        len,
        view: view.cast(),
    })
}
