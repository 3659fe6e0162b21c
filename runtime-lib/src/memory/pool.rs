//! Memory slots kept for reuse by a server's guest threads: a per-request instance's memory
//! is not unmapped when it is freed but reset to its initial state and kept on the thread,
//! for the next instance of the same memory (same module, same defined index, so the same
//! size and image). Unmapping and mapping 8 GiB reservations per request costs the process's
//! mapping lock and a TLB shootdown on every core; a reset of the few pages a request
//! touched costs a copy.
//!
//! Reset: the pages past the initial size (if the guest grew the memory) are discarded and
//! made inaccessible again; the image part is copied back from the image's bytes when small,
//! else discarded so that the copy-on-write mapping shows the image again; the rest is
//! zeroed page by page where resident (`mincore`), or discarded when that is large.

use std::cell::RefCell;
use std::collections::HashMap;

use super::image::{host_page, Image};

/// At most this many resident bytes past the image are zeroed by hand; more are discarded.
const ZERO_RESET_MAX: usize = 1 << 20;

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
    // SAFETY (all blocks below): every range lies inside the slot's reservation.
    if length > initial {
        let grown = unsafe { base.add(initial) }.cast();
        let ok = unsafe {
            libc::madvise(grown, length - initial, libc::MADV_DONTNEED) == 0
                && libc::mprotect(grown, length - initial, libc::PROT_NONE) == 0
        };
        if !ok {
            return false;
        }
        slot.length = initial as u64;
    } else if length < initial {
        return false;
    }
    let image_len = image.map_or(0, |i| i.len);
    match image.and_then(|i| i.bytes.as_deref()) {
        Some(bytes) => unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), base, bytes.len()) },
        // Discarding a copy-on-write page shows the image's page again.
        None if image_len > 0
            && unsafe { libc::madvise(base.cast(), image_len, libc::MADV_DONTNEED) } != 0 =>
        {
            return false;
        }
        None => {}
    }
    unsafe { zero(base.add(image_len), initial - image_len) }
}

/// Zeroes `[start, start + len)`: the resident pages by hand if few, else by discarding.
///
/// # Safety
/// The range must be accessible, page-aligned memory that nothing uses.
unsafe fn zero(start: *mut u8, len: usize) -> bool {
    if len == 0 {
        return true;
    }
    let page = host_page();
    let mut resident = vec![0u8; len.div_ceil(page)];
    // SAFETY: `resident` has one byte per page of the range.
    if unsafe { libc::mincore(start.cast(), len, resident.as_mut_ptr()) } != 0 {
        return false;
    }
    let count = resident.iter().filter(|&&r| r & 1 != 0).count();
    if count * page > ZERO_RESET_MAX {
        // SAFETY: see the function's contract.
        return unsafe { libc::madvise(start.cast(), len, libc::MADV_DONTNEED) } == 0;
    }
    for (i, _) in resident.iter().enumerate().filter(|(_, &r)| r & 1 != 0) {
        // SAFETY: page `i` of the range.
        unsafe { std::ptr::write_bytes(start.add(i * page), 0, page.min(len - i * page)) };
    }
    true
}
