//! `wasi:random`: bytes from the host's cryptographically secure generator (`random`, and
//! `insecure` and `insecure-seed` from the same source).

use crate::error::{last_host_errno, Errno, HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::values::Bytes;

/// The most bytes one `get-random-bytes` returns; more traps, as the guest cannot hold them
/// in a 32-bit memory anyway.
const MAX_BYTES: u64 = 1 << 30;

fn random_bytes(len: i64) -> Result<Vec<u8>, HostError> {
    let len = len as u64;
    if len > MAX_BYTES {
        return Err(HostTrap::canon("get-random-bytes of more than 1 GiB").into());
    }
    let mut bytes = vec![0u8; len as usize];
    fill_random_bytes(&mut bytes)
        .map_err(|_| HostError::Trap(HostTrap::canon("the host random generator failed")))?;
    Ok(bytes)
}

fn random_u64() -> Result<u64, HostError> {
    let bytes = random_bytes(8)?;
    Ok(u64::from_le_bytes(bytes.try_into().expect("eight bytes")))
}

/// `wasi:random/random` `get-random-bytes`.
pub fn get_random_bytes(call: &mut P2Call<'_>, len: i64, ret: i32) -> Result<(), HostError> {
    let bytes = random_bytes(len)?;
    call.store_result(ret, Bytes(bytes))
}

/// `wasi:random/random` `get-random-u64`.
pub fn get_random_u64(_call: &mut P2Call<'_>) -> Result<i64, HostError> {
    Ok(random_u64()? as i64)
}

/// `wasi:random/insecure` `get-insecure-random-bytes` (from the same secure generator).
pub fn get_insecure_random_bytes(
    call: &mut P2Call<'_>,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    get_random_bytes(call, len, ret)
}

/// `wasi:random/insecure` `get-insecure-random-u64`.
pub fn get_insecure_random_u64(call: &mut P2Call<'_>) -> Result<i64, HostError> {
    get_random_u64(call)
}

/// `wasi:random/insecure-seed` `insecure-seed`: a fresh 128-bit seed.
pub fn insecure_seed(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    let seed = (random_u64()?, random_u64()?);
    call.store_result(ret, seed)
}

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
