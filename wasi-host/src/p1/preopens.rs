//! `fd_prestat_get` and `fd_prestat_dir_name`: how the guest finds its preopened directories.
//!
//! wasi-libc calls `fd_prestat_get` on 3, 4, 5, ... at startup and stops at the first `badf`,
//! so the preopened directories come first after stdio and the listening sockets after them.
//! For a descriptor that is not a preopen wasmtime answers `badf` from `fd_prestat_get` and
//! `notdir` from `fd_prestat_dir_name`; so do these.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::memory::GuestMemory;
use crate::p1::fd_table::Kind;

/// The guest path of preopened directory `fd`, if it is one.
fn preopen_name(ctx: &WasiCtx, fd: i32) -> Result<Option<&str>, Errno> {
    Ok(match &ctx.fds.get(fd as u32)?.kind {
        Kind::Dir(dir) => dir.preopen.as_deref(),
        _ => None,
    })
}

/// Writes the `prestat` of preopened directory `fd` to `prestat`: tag 0 (a directory) and
/// the length of its guest path; 8 bytes, 4-aligned.
pub fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    prestat: i32,
) -> Result<(), HostError> {
    let name = preopen_name(ctx, fd)?.ok_or(Errno::Badf)?;
    let len = u32::try_from(name.len()).map_err(|_| Errno::Overflow)?;
    let mut record = [0u8; 8];
    record[4..8].copy_from_slice(&len.to_le_bytes());
    mem.write_record(prestat as u32, 4, &record)
}

/// Writes the guest path of preopened directory `fd` (no NUL) to `path`; `nametoolong` if it
/// needs more than `path_len` bytes.
pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    path: i32,
    path_len: i32,
) -> Result<(), HostError> {
    let name = preopen_name(ctx, fd)?.ok_or(Errno::Notdir)?;
    if name.len() > path_len as u32 as usize {
        return Err(Errno::Nametoolong.into());
    }
    mem.write_bytes(path as u32, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;

    #[test]
    fn preopens_have_names_and_others_do_not() {
        let root = tempfile::tempdir().unwrap();
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        assert_eq!(ctx.preopen_dir(root.path(), "/data").unwrap(), 3);
        let mut memory = TestMemory::new(64);
        fd_prestat_get(&mut ctx, &mut memory.guest(), 3, 8).unwrap();
        assert_eq!((memory.bytes()[8], memory.u32_at(12)), (0, 5));
        fd_prestat_dir_name(&mut ctx, &mut memory.guest(), 3, 32, 5).unwrap();
        assert_eq!(&memory.bytes()[32..37], b"/data");
        assert_eq!(
            fd_prestat_dir_name(&mut ctx, &mut memory.guest(), 3, 32, 4),
            Err(Errno::Nametoolong.into())
        );
        for fd in [0, 1, 2, 4, -1] {
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
            fd_prestat_dir_name(&mut ctx, &mut memory.guest(), 4, 0, 16),
            Err(Errno::Badf.into())
        );
    }
}
