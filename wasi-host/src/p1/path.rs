//! `path_*` functions: everything that names a file by a path beneath a directory descriptor.
//!
//! Each one checks the directory descriptor's kind and rights and reads the guest path
//! (out-of-bounds traps, non-UTF-8 is `ilseq`), then hands the path to the capability-checked
//! filesystem in `p2::filesystem`, which refuses any path leading outside the directory with
//! `perm`. A descriptor that is not a directory is `badf` (`notdir` for `path_open` on a
//! file), as in wasmtime.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::memory::GuestMemory;
use crate::p1::fd_table::{Descriptor, DirDescriptor, FileDescriptor, Kind};
use crate::p1::filestat::{filestat, new_timestamps};
use crate::p1::types::{
    fdflags, flags, fstflags, lookupflags, oflags, rights, rights_value, Filestat,
};
use crate::p2::filesystem::{self, DescriptorFlags, Dir, OpenFlags, PathFlags};

/// The directory behind `fd`, which must have the rights `needed`.
fn dir_with(descriptor: &Descriptor, needed: u64) -> Result<&Dir, Errno> {
    match &descriptor.kind {
        Kind::Dir(dir) => {
            descriptor.require(needed)?;
            Ok(&dir.dir)
        }
        _ => Err(Errno::Badf),
    }
}

/// Validated `lookupflags`.
fn path_flags(value: i32) -> Result<PathFlags, HostError> {
    let bits = flags(value, lookupflags::ALL, "lookupflags")?;
    Ok(PathFlags {
        symlink_follow: bits & lookupflags::SYMLINK_FOLLOW != 0,
    })
}

/// Opens `path` beneath the directory `fd` and writes the new descriptor's number to
/// `opened_fd`.
///
/// The file is opened for reading when `fs_rights_base` has `fd_read` (or lacks `fd_write`)
/// and for writing when it has `fd_write`, like wasmtime. The new descriptor gets the rights
/// asked for, less those that mean nothing for what was opened; asking for rights the
/// directory cannot hand down (its inheriting rights) is `notcapable`.
pub fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    dirflags: i32,
    path: i32,
    path_len: i32,
    oflags_value: i32,
    fs_rights_base: i64,
    fs_rights_inheriting: i64,
    fdflags_value: i32,
    opened_fd: i32,
) -> Result<(), HostError> {
    let path_flags = path_flags(dirflags)?;
    let oflags_bits = flags(oflags_value, oflags::ALL, "oflags")?;
    let (base, inheriting) = (
        rights_value(fs_rights_base)?,
        rights_value(fs_rights_inheriting)?,
    );
    let fdflags_bits = flags(fdflags_value, fdflags::ALL, "fdflags")?;
    let path = mem.read_string(path as u32, path_len as u32)?;

    let descriptor = ctx.fds.get(fd as u32)?;
    let dir = match &descriptor.kind {
        Kind::Dir(dir) => &dir.dir,
        Kind::File(_) => return Err(Errno::Notdir.into()),
        _ => return Err(Errno::Badf.into()),
    };
    let mut needed = rights::PATH_OPEN;
    if oflags_bits & oflags::CREAT != 0 {
        needed |= rights::PATH_CREATE_FILE;
    }
    descriptor.require(needed)?;
    if (base | inheriting) & !descriptor.inheriting != 0 {
        return Err(Errno::Notcapable.into());
    }

    let open_flags = OpenFlags {
        create: oflags_bits & oflags::CREAT != 0,
        directory: oflags_bits & oflags::DIRECTORY != 0,
        exclusive: oflags_bits & oflags::EXCL != 0,
        truncate: oflags_bits & oflags::TRUNC != 0,
    };
    let descriptor_flags = DescriptorFlags {
        read: base & rights::FD_READ != 0,
        write: base & rights::FD_WRITE != 0,
        file_integrity_sync: fdflags_bits & fdflags::SYNC != 0,
        data_integrity_sync: fdflags_bits & fdflags::DSYNC != 0,
        requested_write_sync: fdflags_bits & fdflags::RSYNC != 0,
    };
    let opened = dir.open_at(path_flags, &path, open_flags, descriptor_flags)?;
    let new = match opened {
        filesystem::Descriptor::Dir(dir) => Descriptor::new(
            Kind::Dir(DirDescriptor { dir, preopen: None }),
            base & !(rights::FD_SEEK | rights::FD_FILESTAT_SET_SIZE),
            inheriting,
        ),
        filesystem::Descriptor::File(file) => {
            if fdflags_bits & fdflags::APPEND != 0 {
                crate::host_fd::update_status_flags(
                    std::os::fd::AsRawFd::as_raw_fd(&file),
                    libc::O_APPEND,
                    0,
                )?;
            }
            Descriptor::new(
                Kind::File(FileDescriptor {
                    file,
                    nonblock: fdflags_bits & fdflags::NONBLOCK != 0,
                    sync: fdflags_bits & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC),
                }),
                base & !rights::NOT_FOR_FILES,
                inheriting,
            )
        }
    };
    let new_fd = ctx.fds.push(new)?;
    mem.write_u32(opened_fd as u32, new_fd)
}

/// Creates the directory `path` beneath `fd`.
pub fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    path: i32,
    path_len: i32,
) -> Result<(), HostError> {
    let dir = dir_with(ctx.fds.get(fd as u32)?, rights::PATH_CREATE_DIRECTORY)?;
    let path = mem.read_string(path as u32, path_len as u32)?;
    dir.create_directory_at(&path)?;
    Ok(())
}

/// Writes the `filestat` of `path` beneath `fd` to `buf`.
pub fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    flags_value: i32,
    path: i32,
    path_len: i32,
    buf: i32,
) -> Result<(), HostError> {
    let path_flags = path_flags(flags_value)?;
    let dir = dir_with(ctx.fds.get(fd as u32)?, rights::PATH_FILESTAT_GET)?;
    let path = mem.read_string(path as u32, path_len as u32)?;
    let stat = dir.stat_at(path_flags, &path)?;
    let hash = dir.metadata_hash_at(path_flags, &path)?;
    mem.write_record(
        buf as u32,
        Filestat::ALIGN,
        &filestat(stat, hash)?.to_bytes(),
    )
}

/// Sets the access and modification times of `path` beneath `fd`.
pub fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    flags_value: i32,
    path: i32,
    path_len: i32,
    atim: i64,
    mtim: i64,
    fst_flags: i32,
) -> Result<(), HostError> {
    let path_flags = path_flags(flags_value)?;
    let fst_flags = flags(fst_flags, fstflags::ALL, "fstflags")?;
    let (atim, mtim) = new_timestamps(atim, mtim, fst_flags)?;
    let dir = dir_with(ctx.fds.get(fd as u32)?, rights::PATH_FILESTAT_SET_TIMES)?;
    let path = mem.read_string(path as u32, path_len as u32)?;
    dir.set_times_at(path_flags, &path, atim, mtim)?;
    Ok(())
}

/// Creates the hard link `new_path` beneath `new_fd` to `old_path` beneath `old_fd`.
pub fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    old_fd: i32,
    old_flags: i32,
    old_path: i32,
    old_path_len: i32,
    new_fd: i32,
    new_path: i32,
    new_path_len: i32,
) -> Result<(), HostError> {
    let old_flags = path_flags(old_flags)?;
    let old_dir = dir_with(ctx.fds.get(old_fd as u32)?, rights::PATH_LINK_SOURCE)?;
    let new_dir = dir_with(ctx.fds.get(new_fd as u32)?, rights::PATH_LINK_TARGET)?;
    let old_path = mem.read_string(old_path as u32, old_path_len as u32)?;
    let new_path = mem.read_string(new_path as u32, new_path_len as u32)?;
    old_dir.link_at(old_flags, &old_path, new_dir, &new_path)?;
    Ok(())
}

/// Reads the target of the symlink `path` beneath `fd` into `buf` (truncated to `buf_len`
/// bytes, no NUL) and writes its length to `bufused`.
pub fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    path: i32,
    path_len: i32,
    buf: i32,
    buf_len: i32,
    bufused: i32,
) -> Result<(), HostError> {
    let dir = dir_with(ctx.fds.get(fd as u32)?, rights::PATH_READLINK)?;
    let path = mem.read_string(path as u32, path_len as u32)?;
    let target = dir.readlink_at(&path)?;
    let bytes = &target.as_bytes()[..target.len().min(buf_len as u32 as usize)];
    mem.write_bytes(buf as u32, bytes)?;
    mem.write_u32(bufused as u32, bytes.len() as u32)
}

/// Removes the empty directory `path` beneath `fd`.
pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    path: i32,
    path_len: i32,
) -> Result<(), HostError> {
    let dir = dir_with(ctx.fds.get(fd as u32)?, rights::PATH_REMOVE_DIRECTORY)?;
    let path = mem.read_string(path as u32, path_len as u32)?;
    dir.remove_directory_at(&path)?;
    Ok(())
}

/// Renames `old_path` beneath `old_fd` to `new_path` beneath `new_fd`.
pub fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    old_fd: i32,
    old_path: i32,
    old_path_len: i32,
    new_fd: i32,
    new_path: i32,
    new_path_len: i32,
) -> Result<(), HostError> {
    let old_dir = dir_with(ctx.fds.get(old_fd as u32)?, rights::PATH_RENAME_SOURCE)?;
    let new_dir = dir_with(ctx.fds.get(new_fd as u32)?, rights::PATH_RENAME_TARGET)?;
    let old_path = mem.read_string(old_path as u32, old_path_len as u32)?;
    let new_path = mem.read_string(new_path as u32, new_path_len as u32)?;
    old_dir.rename_at(&old_path, new_dir, &new_path)?;
    Ok(())
}

/// Creates the symlink `new_path` beneath `fd` with the target `old_path`.
pub fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    old_path: i32,
    old_path_len: i32,
    fd: i32,
    new_path: i32,
    new_path_len: i32,
) -> Result<(), HostError> {
    let dir = dir_with(ctx.fds.get(fd as u32)?, rights::PATH_SYMLINK)?;
    let old_path = mem.read_string(old_path as u32, old_path_len as u32)?;
    let new_path = mem.read_string(new_path as u32, new_path_len as u32)?;
    dir.symlink_at(&old_path, &new_path)?;
    Ok(())
}

/// Removes the file or symlink `path` beneath `fd`.
pub fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    path: i32,
    path_len: i32,
) -> Result<(), HostError> {
    let dir = dir_with(ctx.fds.get(fd as u32)?, rights::PATH_UNLINK_FILE)?;
    let path = mem.read_string(path as u32, path_len as u32)?;
    dir.unlink_file_at(&path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;

    /// A context with `root/inside` preopened as fd 3 and a memory holding `paths` at 256,
    /// 512, ...
    fn setup(paths: &[&str]) -> (tempfile::TempDir, WasiCtx, TestMemory) {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("inside")).unwrap();
        std::fs::write(root.path().join("secret"), b"secret").unwrap();
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        assert_eq!(
            ctx.preopen_dir(&root.path().join("inside"), "/sandbox")
                .unwrap(),
            3
        );
        let mut memory = TestMemory::new(4096);
        for (index, path) in paths.iter().enumerate() {
            memory.set_bytes(256 * (index + 1), path.as_bytes());
        }
        (root, ctx, memory)
    }

    const READ_WRITE: i64 = (rights::FD_READ | rights::FD_WRITE) as i64;

    #[test]
    fn open_create_write_and_escape() {
        let (root, mut ctx, mut memory) = setup(&["new.txt", "../secret", "sub"]);
        let creat = oflags::CREAT as i32;
        path_open(
            &mut ctx,
            &mut memory.guest(),
            3,
            0,
            256,
            7,
            creat,
            READ_WRITE,
            0,
            0,
            8,
        )
        .unwrap();
        assert_eq!(memory.u32_at(8), 4);
        assert!(root.path().join("inside/new.txt").is_file());
        assert_eq!(
            path_open(
                &mut ctx,
                &mut memory.guest(),
                3,
                1,
                512,
                9,
                0,
                READ_WRITE,
                0,
                0,
                8
            ),
            Err(Errno::Perm.into())
        );
        // A file is not a directory to open beneath.
        assert_eq!(
            path_open(&mut ctx, &mut memory.guest(), 4, 0, 256, 7, 0, 0, 0, 0, 8),
            Err(Errno::Notdir.into())
        );
        assert_eq!(
            path_open(&mut ctx, &mut memory.guest(), 1, 0, 256, 7, 0, 0, 0, 0, 8),
            Err(Errno::Badf.into())
        );
        // Rights the directory cannot hand down.
        assert_eq!(
            path_open(
                &mut ctx,
                &mut memory.guest(),
                3,
                0,
                256,
                7,
                0,
                rights::SOCK_ACCEPT as i64,
                0,
                0,
                8
            ),
            Err(Errno::Notcapable.into())
        );
        path_create_directory(&mut ctx, &mut memory.guest(), 3, 768, 3).unwrap();
        assert!(root.path().join("inside/sub").is_dir());
        assert_eq!(
            path_create_directory(&mut ctx, &mut memory.guest(), 3, 512, 9),
            Err(Errno::Perm.into())
        );
    }

    #[test]
    fn invalid_flags_and_strings() {
        let (_root, mut ctx, mut memory) = setup(&["ok"]);
        assert_eq!(
            path_open(&mut ctx, &mut memory.guest(), 3, 2, 256, 2, 0, 0, 0, 0, 8),
            Err(crate::p1::types::invalid("lookupflags"))
        );
        memory.set_bytes(1000, &[0xff, 0xfe]);
        assert_eq!(
            path_create_directory(&mut ctx, &mut memory.guest(), 3, 1000, 2),
            Err(Errno::Ilseq.into())
        );
        assert_eq!(
            path_create_directory(&mut ctx, &mut memory.guest(), 3, 4090, 10),
            Err(crate::error::HostTrap::MemoryOutOfBounds.into())
        );
    }
}
