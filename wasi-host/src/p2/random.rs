//! `wasi:random/random`: bytes from the host's cryptographically secure generator.

use crate::error::{last_host_errno, Errno};

/// Fills `buf` completely (`get-random-bytes`, written in place), however many calls the host
/// needs.
pub fn fill_random_bytes(mut buf: &mut [u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match random_chunk(buf) {
            Some(filled) => buf = &mut buf[filled..],
            None if last_host_errno() == libc::EINTR => {}
            None => return Err(Errno::last_host_error()),
        }
    }
    Ok(())
}

/// Fills a prefix of `buf` (never empty on success) and returns its length, or `None` with
/// the host `errno` set.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn random_chunk(buf: &mut [u8]) -> Option<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    let filled = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    usize::try_from(filled).ok().filter(|&n| n > 0)
}

/// Fills a prefix of `buf` (never empty on success) and returns its length, or `None` with
/// the host `errno` set.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn random_chunk(buf: &mut [u8]) -> Option<usize> {
    // `getentropy` fills at most 256 bytes per call.
    let len = buf.len().min(256);
    // SAFETY: `buf` is valid for writes of `len <= buf.len()` bytes.
    let status = unsafe { libc::getentropy(buf.as_mut_ptr().cast(), len) };
    (status == 0).then_some(len)
}
