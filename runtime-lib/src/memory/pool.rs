//! Memory slots kept for reuse by a server's guest threads: a per-request instance's memory
//! is not unmapped when it is freed but reset to its initial state and kept on the thread,
//! for the next instance of the same memory (same module, same defined index, so the same
//! size and image). Unmapping and mapping 8 GiB reservations per request costs the process's
//! mapping lock and a TLB shootdown on every core; so would discarding the pages a request
//! wrote, and every page would fault in again on the next request.
//!
//! Reset therefore copies rather than discards: `/proc/self/pagemap` tells which pages the
//! request wrote (a page of the image that became private; a present page past it), and
//! only those are copied back from the image or zeroed. Pages the guest only read stay
//! mapped, so the next request runs without faults on them. The pages past the initial
//! size (if the guest grew the memory), and written pages past [`ZERO_RESET_MAX`], are
//! discarded instead; without pagemap everything is.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::image::{host_page, Image};

/// At most this many written bytes past the image are zeroed by hand; more are discarded.
const ZERO_RESET_MAX: usize = 16 << 20;

/// Slots kept per memory and thread.
const SLOTS_PER_MEMORY: usize = 4;

/// A reservation with its first `length` bytes accessible, holding the memory's initial
/// contents.
pub struct Slot {
    pub base: *mut u8,
    pub reservation: u64,
    pub length: u64,
}

/// Which memory a slot belongs to: (module index, defined memory index).
pub type Key = (usize, usize);

thread_local! {
    static FREE: RefCell<HashMap<Key, Vec<Slot>>> = RefCell::new(HashMap::new());
}

/// A reset slot of `key`, if the thread kept one.
pub fn take(key: Key) -> Option<Slot> {
    FREE.with(|f| f.borrow_mut().get_mut(&key)?.pop())
}

/// Resets `slot` to `initial` accessible bytes holding `image` (zeros past it) and keeps it
/// for the next instance of `key`, or unmaps it if that fails or enough are kept.
pub fn give(key: Key, mut slot: Slot, initial: u64, image: Option<&Image>) {
    let kept = FREE.with(|f| f.borrow().get(&key).map_or(0, Vec::len));
    // SAFETY: the slot's memory is no longer used by any instance.
    if kept >= SLOTS_PER_MEMORY || !unsafe { reset(&mut slot, initial, image) } {
        // SAFETY: the reservation is ours and unused.
        unsafe { libc::munmap(slot.base.cast(), slot.reservation as usize) };
        return;
    }
    FREE.with(|f| f.borrow_mut().entry(key).or_default().push(slot));
}

/// # Safety
/// Nothing may use the slot's memory.
unsafe fn reset(slot: &mut Slot, initial: u64, image: Option<&Image>) -> bool {
    let base = slot.base;
    let (length, initial) = (slot.length as usize, initial as usize);
    if length < initial {
        return false;
    }
    if length > initial {
        // SAFETY: the grown part lies inside the slot's reservation.
        if !unsafe { discard(base.add(initial), length - initial, true) } {
            return false;
        }
        slot.length = initial as u64;
    }
    let image_len = image.map_or(0, |i| i.len);
    let Some(pages) = PageMap::read(base, initial) else {
        // SAFETY: discarding shows the image's pages again (copy-on-write), zeros past it.
        return unsafe { discard(base, initial, false) };
    };
    let page = host_page();
    if let Some(image) = image {
        let bytes = image.bytes();
        for i in (0..image_len / page).filter(|&i| pages.written_file_page(i)) {
            let at = i * page;
            // SAFETY: page `i` of the image range, which is accessible.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr().add(at), base.add(at), page) };
        }
    }
    let past_image = (image_len / page..initial / page).filter(|&i| pages.present(i));
    if past_image.clone().count() * page > ZERO_RESET_MAX {
        // SAFETY: the range past the image lies inside the accessible part.
        return unsafe { discard(base.add(image_len), initial - image_len, false) };
    }
    for i in past_image {
        // SAFETY: page `i`, which is accessible.
        unsafe { std::ptr::write_bytes(base.add(i * page), 0, page) };
    }
    true
}

/// Discards `[start, start + len)` (zero pages, or the image's again), and makes it
/// inaccessible if `protect`.
///
/// # Safety
/// The range must lie in a reservation that nothing uses.
unsafe fn discard(start: *mut u8, len: usize, protect: bool) -> bool {
    // SAFETY: see the function's contract.
    unsafe {
        libc::madvise(start.cast(), len, libc::MADV_DONTNEED) == 0
            && (!protect || libc::mprotect(start.cast(), len, libc::PROT_NONE) == 0)
    }
}

/// The `/proc/self/pagemap` entries of a range: one 64-bit word per page.
struct PageMap(Vec<u64>);

/// Bit 63: present; bit 62: swapped out (so private, written); bit 61: a file page (or
/// shared anonymous).
const PRESENT: u64 = 1 << 63;
const SWAPPED: u64 = 1 << 62;
const FILE: u64 = 1 << 61;

impl PageMap {
    fn read(start: *const u8, len: usize) -> Option<PageMap> {
        static FD: OnceLock<Option<std::fs::File>> = OnceLock::new();
        let file = FD
            .get_or_init(|| std::fs::File::open("/proc/self/pagemap").ok())
            .as_ref()?;
        let page = host_page();
        let mut words = vec![0u64; len / page];
        // SAFETY: `words` as bytes, for reading into.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8)
        };
        let offset = (start as usize / page * 8) as u64;
        std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset).ok()?;
        Some(PageMap(words))
    }

    /// Page `i` of anonymous memory may hold something other than zeros.
    fn present(&self, i: usize) -> bool {
        self.0[i] & (PRESENT | SWAPPED) != 0
    }

    /// Page `i` of a file mapping was written: it is no longer the file's.
    fn written_file_page(&self, i: usize) -> bool {
        self.0[i] & SWAPPED != 0 || (self.0[i] & PRESENT != 0 && self.0[i] & FILE == 0)
    }
}
