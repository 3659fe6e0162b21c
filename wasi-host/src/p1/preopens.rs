//! `fd_prestat_get` and `fd_prestat_dir_name`: how the guest finds its preopened directories.
//!
//! wasi-libc calls `fd_prestat_get` on 3, 4, 5, ... at startup and stops at the first `badf`.
//! There are no preopens yet, so every descriptor answers as wasmtime's do for a descriptor
//! that is not a preopen: `badf` from `fd_prestat_get`, and `notdir` from
//! `fd_prestat_dir_name` for an open descriptor (`badf` for a closed one).

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::memory::GuestMemory;
use crate::p1::fd_table::Descriptor;

/// Writes the `prestat` of preopened directory `fd` to `prestat`.
pub fn fd_prestat_get(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    _prestat: i32,
) -> Result<(), HostError> {
    match ctx.fds.get(fd as u32)? {
        Descriptor::Stdio(_) | Descriptor::Host(_) => Err(Errno::Badf.into()),
    }
}

/// Writes the guest path of preopened directory `fd` (`path_len` bytes, no NUL) to `path`.
pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    _path: i32,
    _path_len: i32,
) -> Result<(), HostError> {
    match ctx.fds.get(fd as u32)? {
        Descriptor::Stdio(_) | Descriptor::Host(_) => Err(Errno::Notdir.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;

    #[test]
    fn no_descriptor_is_a_preopen() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(16);
        for fd in [0, 1, 2, 3, 4, -1] {
            assert_eq!(
                fd_prestat_get(&mut ctx, &mut memory.guest(), fd, 0),
                Err(Errno::Badf.into())
            );
        }
        assert_eq!(
            fd_prestat_dir_name(&mut ctx, &mut memory.guest(), 1, 0, 16),
            Err(Errno::Notdir.into())
        );
        assert_eq!(
            fd_prestat_dir_name(&mut ctx, &mut memory.guest(), 3, 0, 16),
            Err(Errno::Badf.into())
        );
        assert!(memory.bytes().iter().all(|&b| b == 0));
    }
}
