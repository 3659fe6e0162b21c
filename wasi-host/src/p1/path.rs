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
/// Rights follow wasmtime, and so never make `path_open` fail. The rights asked for choose
/// the access mode: the file is opened for writing when `fs_rights_base` has `fd_write`, and
/// for reading when it has `fd_read` (or lacks `fd_write`). Beyond that the new descriptor has
/// every right its kind allows, whatever was asked: a narrow request is not a restriction
/// (wasmtime enforces none), and rights the directory cannot hand down are masked off, never
/// an error. A directory lacks a right to hand down only when the guest dropped it with
/// `fd_fdstat_set_rights`; what the guest dropped stays dropped for everything opened
/// beneath. `creat` needs `path_create_file` and `trunc` `path_filestat_set_size`.
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
    let asked = rights_value(fs_rights_base)?;
    // Validated like every rights parameter, and otherwise meaningless: what a descriptor
    // hands down follows from its kind, as its own rights do.
    rights_value(fs_rights_inheriting)?;
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
    if oflags_bits & oflags::TRUNC != 0 {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    descriptor.require(needed)?;
    let granted = descriptor.inheriting;
    let asked = asked & granted;

    let open_flags = OpenFlags {
        create: oflags_bits & oflags::CREAT != 0,
        directory: oflags_bits & oflags::DIRECTORY != 0,
        exclusive: oflags_bits & oflags::EXCL != 0,
        truncate: oflags_bits & oflags::TRUNC != 0,
    };
    let descriptor_flags = DescriptorFlags {
        read: asked & rights::FD_READ != 0,
        write: asked & rights::FD_WRITE != 0,
        file_integrity_sync: fdflags_bits & fdflags::SYNC != 0,
        data_integrity_sync: fdflags_bits & fdflags::DSYNC != 0,
        requested_write_sync: fdflags_bits & fdflags::RSYNC != 0,
    };
    let opened = dir.open_at(path_flags, &path, open_flags, descriptor_flags)?;
    let new = match opened {
        filesystem::Descriptor::Dir(dir) => Descriptor::new(
            Kind::Dir(DirDescriptor { dir, preopen: None }),
            rights::DIRECTORY & granted,
            rights::DIRECTORY_INHERITING & granted,
        ),
        filesystem::Descriptor::File(file) => {
            if fdflags_bits & fdflags::APPEND != 0 {
                crate::host_fd::update_status_flags(
                    std::os::fd::AsRawFd::as_raw_fd(&file),
                    libc::O_APPEND,
                    0,
                )?;
            }
            // Read and write as the access mode allows; a file reports its own rights as
            // the ones it hands down, as in wasmtime.
            let unasked = (rights::FD_READ | rights::FD_WRITE) & !asked;
            let base = rights::FILE & granted & !unasked;
            Descriptor::new(
                Kind::File(FileDescriptor {
                    file,
                    nonblock: fdflags_bits & fdflags::NONBLOCK != 0,
                    sync: fdflags_bits & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC),
                }),
                base,
                base,
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
        path_create_directory(&mut ctx, &mut memory.guest(), 3, 768, 3).unwrap();
        assert!(root.path().join("inside/sub").is_dir());
        assert_eq!(
            path_create_directory(&mut ctx, &mut memory.guest(), 3, 512, 9),
            Err(Errno::Perm.into())
        );
    }

    /// The rights of descriptor `fd`.
    fn rights_of(ctx: &WasiCtx, fd: u32) -> (u64, u64) {
        let descriptor = ctx.fds.get(fd).unwrap();
        (descriptor.base, descriptor.inheriting)
    }

    /// Opens the path at 256 beneath `dir` (its length is `len`) with `oflags` and the rights
    /// `base`, and returns the new descriptor.
    fn open(
        ctx: &mut WasiCtx,
        memory: &mut TestMemory,
        dir: i32,
        len: i32,
        oflags: u16,
        base: u64,
    ) -> Result<u32, HostError> {
        path_open(
            ctx,
            &mut memory.guest(),
            dir,
            0,
            256,
            len,
            oflags as i32,
            base as i64,
            rights::ALL as i64,
            0,
            8,
        )?;
        Ok(memory.u32_at(8))
    }

    #[test]
    fn asking_for_rights_is_never_an_error() {
        let (_root, mut ctx, mut memory) = setup(&["file"]);
        // Every right there is, the inheriting ones too, as generous programs ask.
        let fd = open(&mut ctx, &mut memory, 3, 4, oflags::CREAT, rights::ALL).unwrap();
        assert_eq!(rights_of(&ctx, fd), (rights::FILE, rights::FILE));
        // A narrow request chooses the access mode and restricts nothing else.
        let fd = open(&mut ctx, &mut memory, 3, 4, 0, rights::FD_READ).unwrap();
        let all_but_write = rights::FILE & !rights::FD_WRITE;
        assert_eq!(rights_of(&ctx, fd), (all_but_write, all_but_write));
        let fd = open(&mut ctx, &mut memory, 3, 4, 0, 0).unwrap();
        let (base, _) = rights_of(&ctx, fd);
        assert_eq!(base, rights::FILE & !(rights::FD_READ | rights::FD_WRITE));
        // Directories have their kind's rights.
        memory.set_bytes(256, b".");
        let fd = open(
            &mut ctx,
            &mut memory,
            3,
            1,
            oflags::DIRECTORY,
            rights::FD_READ,
        )
        .unwrap();
        assert_eq!(
            rights_of(&ctx, fd),
            (rights::DIRECTORY, rights::DIRECTORY_INHERITING)
        );
    }

    #[test]
    fn dropped_rights_stay_dropped_beneath() {
        let (_root, mut ctx, mut memory) = setup(&["file"]);
        let dropped = rights::FD_WRITE | rights::FD_SEEK | rights::PATH_UNLINK_FILE;
        let (base, inheriting) = rights_of(&ctx, 3);
        crate::p1::fd::fd_fdstat_set_rights(
            &mut ctx,
            &mut memory.guest(),
            3,
            base as i64,
            (inheriting & !dropped) as i64,
        )
        .unwrap();
        let fd = open(&mut ctx, &mut memory, 3, 4, oflags::CREAT, rights::ALL).unwrap();
        let (base, _) = rights_of(&ctx, fd);
        assert_eq!(base, rights::FILE & !dropped);
        // Opened for reading only, so a write is refused as the host would refuse it.
        assert_eq!(
            ctx.fds.get(fd).unwrap().require(rights::FD_WRITE),
            Err(Errno::Badf)
        );
        memory.set_bytes(256, b".");
        let dir = open(&mut ctx, &mut memory, 3, 1, oflags::DIRECTORY, rights::ALL).unwrap();
        assert_eq!(
            rights_of(&ctx, dir),
            (
                rights::DIRECTORY & !dropped,
                rights::DIRECTORY_INHERITING & !dropped
            )
        );
    }

    #[test]
    fn create_and_truncate_need_their_rights() {
        let (_root, mut ctx, mut memory) = setup(&["file"]);
        open(&mut ctx, &mut memory, 3, 4, oflags::CREAT, 0).unwrap();
        open(&mut ctx, &mut memory, 3, 4, oflags::TRUNC, 0).unwrap();
        let (base, inheriting) = rights_of(&ctx, 3);
        let without = base & !(rights::PATH_CREATE_FILE | rights::PATH_FILESTAT_SET_SIZE);
        crate::p1::fd::fd_fdstat_set_rights(
            &mut ctx,
            &mut memory.guest(),
            3,
            without as i64,
            inheriting as i64,
        )
        .unwrap();
        for oflags in [oflags::CREAT, oflags::TRUNC] {
            assert_eq!(
                open(&mut ctx, &mut memory, 3, 4, oflags, 0),
                Err(Errno::Notcapable.into())
            );
        }
        open(&mut ctx, &mut memory, 3, 4, 0, rights::ALL).unwrap();
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
