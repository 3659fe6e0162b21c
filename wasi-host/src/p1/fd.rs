//! `fd_*` functions on a descriptor's state: close, renumber, `fdstat`, `filestat`, sync,
//! advice and allocation.
//!
//! Standard streams behave as in wasmtime: `fd_fdstat_get` reports a character device with
//! only `fd_read` or `fd_write` rights when the stream is a terminal and `unknown` otherwise
//! (wasi-libc's `isatty` reads exactly that), `fd_filestat_get` reports zeros, and changing
//! their flags is `badf`. File operations that wasmtime gives only files (`fd_advise`,
//! `fd_allocate`, `fd_filestat_set_size`, `fd_fdstat_set_flags`) are `badf` on anything else.
//! `fd_sync` and `fd_datasync` also work on directories (wasmtime's P1 answers `badf`), which
//! is how a program makes a rename durable.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::host_fd;
use crate::memory::GuestMemory;
use crate::p1::fd_table::{Descriptor, Kind, Stdio};
use crate::p1::filestat::{filestat, filetype, new_timestamps};
use crate::p1::types::{
    fdflags, flags, fstflags, invalid, rights, rights_value, Fdstat, Filestat, Filetype,
};
use crate::p2::filesystem::{Advice, File};

/// Closes `fd`. For a standard stream only the guest's descriptor goes away; the host's stays
/// open.
pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: i32) -> Result<(), HostError> {
    // Dropping an owned host descriptor closes it; a failing `close` has already released
    // the descriptor, so there is nothing to report.
    drop(ctx.fds.remove(fd as u32)?);
    Ok(())
}

/// Moves descriptor `from` to number `to`, closing the descriptor `to` was. Both must be
/// open, as in wasmtime.
pub fn fd_renumber(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    from: i32,
    to: i32,
) -> Result<(), HostError> {
    drop(ctx.fds.renumber(from as u32, to as u32)?);
    Ok(())
}

/// Writes the `fdstat` of `fd` to `stat`.
pub fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    stat: i32,
) -> Result<(), HostError> {
    let descriptor = ctx.fds.get(fd as u32)?;
    let (filetype, flags) = match &descriptor.kind {
        Kind::Stdio(stdio) => (stdio_filetype(stdio), 0),
        Kind::File(file) => {
            let ty = filetype(file.file.stat()?.type_);
            let status = host_fd::status_flags(descriptor.host_fd())?;
            let mut flags = file.sync;
            if status & libc::O_APPEND != 0 {
                flags |= fdflags::APPEND;
            }
            if file.nonblock {
                flags |= fdflags::NONBLOCK;
            }
            (ty, flags)
        }
        Kind::Dir(_) => (Filetype::Directory, 0),
        Kind::Listener(socket) | Kind::Stream(socket) => {
            (Filetype::SocketStream, nonblock(socket.nonblock))
        }
    };
    let fdstat = Fdstat {
        filetype,
        flags,
        rights_base: descriptor.base,
        rights_inheriting: descriptor.inheriting,
    };
    mem.write_record(stat as u32, Fdstat::ALIGN, &fdstat.to_bytes())
}

fn nonblock(set: bool) -> u16 {
    if set {
        fdflags::NONBLOCK
    } else {
        0
    }
}

/// A standard stream is a character device when it is a terminal and `unknown` otherwise,
/// as in wasmtime. It never fails, even if the host stream is closed.
fn stdio_filetype(stdio: &Stdio) -> Filetype {
    if host_fd::is_terminal(stdio.host_fd) {
        Filetype::CharacterDevice
    } else {
        Filetype::Unknown
    }
}

/// Sets the `append` and `nonblock` flags of `fd` (a file or a socket). The `*sync` flags
/// cannot change after opening (`inval`, as in wasmtime and as Linux ignores them).
pub fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    fdflags_value: i32,
) -> Result<(), HostError> {
    let new = flags(fdflags_value, fdflags::ALL, "fdflags")?;
    let descriptor = ctx.fds.get_mut(fd as u32)?;
    let host_fd = descriptor.host_fd();
    match &mut descriptor.kind {
        Kind::File(_) | Kind::Listener(_) | Kind::Stream(_) => {}
        Kind::Stdio(_) | Kind::Dir(_) => return Err(Errno::Badf.into()),
    }
    descriptor.require(rights::FD_FDSTAT_SET_FLAGS)?;
    if new & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0 {
        return Err(Errno::Inval.into());
    }
    let nonblocking = new & fdflags::NONBLOCK != 0;
    match &mut descriptor.kind {
        Kind::File(file) => {
            if new & fdflags::APPEND != 0 {
                host_fd::update_status_flags(host_fd, libc::O_APPEND, 0)?;
            } else {
                host_fd::update_status_flags(host_fd, 0, libc::O_APPEND)?;
            }
            file.nonblock = nonblocking;
        }
        Kind::Listener(socket) | Kind::Stream(socket) if new & fdflags::APPEND == 0 => {
            socket.nonblock = nonblocking
        }
        // Sockets have no append mode.
        Kind::Listener(_) | Kind::Stream(_) => return Err(Errno::Inval.into()),
        Kind::Stdio(_) | Kind::Dir(_) => return Err(Errno::Badf.into()),
    }
    Ok(())
}

/// Reduces the rights of `fd` to `base` and `inheriting`; asking for a right the descriptor
/// does not have is `notcapable`.
pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    base: i64,
    inheriting: i64,
) -> Result<(), HostError> {
    let (base, inheriting) = (rights_value(base)?, rights_value(inheriting)?);
    let descriptor = ctx.fds.get_mut(fd as u32)?;
    if base & !descriptor.base != 0 || inheriting & !descriptor.inheriting != 0 {
        return Err(Errno::Notcapable.into());
    }
    descriptor.base = base;
    descriptor.inheriting = inheriting;
    Ok(())
}

/// Writes the `filestat` of `fd` to `buf`.
pub fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    buf: i32,
) -> Result<(), HostError> {
    let descriptor = ctx.fds.get(fd as u32)?;
    let stat = match &descriptor.kind {
        Kind::Stdio(stdio) => zero_filestat(stdio_filetype(stdio)),
        Kind::File(file) => {
            descriptor.require(rights::FD_FILESTAT_GET)?;
            filestat(file.file.stat()?, file.file.metadata_hash()?)?
        }
        Kind::Dir(dir) => {
            descriptor.require(rights::FD_FILESTAT_GET)?;
            filestat(dir.dir.stat()?, dir.dir.metadata_hash()?)?
        }
        Kind::Listener(_) | Kind::Stream(_) => {
            descriptor.require(rights::FD_FILESTAT_GET)?;
            zero_filestat(Filetype::SocketStream)
        }
    };
    mem.write_record(buf as u32, Filestat::ALIGN, &stat.to_bytes())
}

/// A `filestat` of zeros but for the type (wasmtime's answer for standard streams).
fn zero_filestat(filetype: Filetype) -> Filestat {
    Filestat {
        dev: 0,
        ino: 0,
        filetype,
        nlink: 0,
        size: 0,
        atim: 0,
        mtim: 0,
        ctim: 0,
    }
}

/// The file behind `fd` with the rights `needed`; `badf` for anything that is not a file.
fn file_with(descriptor: &Descriptor, needed: u64) -> Result<&File, Errno> {
    match &descriptor.kind {
        Kind::File(file) => {
            descriptor.require(needed)?;
            Ok(&file.file)
        }
        _ => Err(Errno::Badf),
    }
}

/// Truncates or extends the file `fd` to `size` bytes.
pub fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    size: i64,
) -> Result<(), HostError> {
    let file = file_with(ctx.fds.get(fd as u32)?, rights::FD_FILESTAT_SET_SIZE)?;
    file.set_size(size as u64)?;
    Ok(())
}

/// Sets the access and modification times of `fd` (a file or directory).
pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    atim: i64,
    mtim: i64,
    fst_flags: i32,
) -> Result<(), HostError> {
    let fst_flags = flags(fst_flags, fstflags::ALL, "fstflags")?;
    let (atim, mtim) = new_timestamps(atim, mtim, fst_flags)?;
    let descriptor = ctx.fds.get(fd as u32)?;
    match &descriptor.kind {
        Kind::File(file) => {
            descriptor.require(rights::FD_FILESTAT_SET_TIMES)?;
            file.file.set_times(atim, mtim)?;
        }
        Kind::Dir(dir) => {
            descriptor.require(rights::FD_FILESTAT_SET_TIMES)?;
            dir.dir.set_times(atim, mtim)?;
        }
        Kind::Stdio(_) | Kind::Listener(_) | Kind::Stream(_) => return Err(Errno::Badf.into()),
    }
    Ok(())
}

/// Which of `fsync` and `fdatasync`.
#[derive(Clone, Copy)]
enum Sync {
    All,
    Data,
}

fn sync(ctx: &WasiCtx, fd: i32, how: Sync) -> Result<(), HostError> {
    let descriptor = ctx.fds.get(fd as u32)?;
    let needed = match how {
        Sync::All => rights::FD_SYNC,
        Sync::Data => rights::FD_DATASYNC,
    };
    match (&descriptor.kind, how) {
        (Kind::File(file), Sync::All) => {
            descriptor.require(needed)?;
            file.file.sync()?
        }
        (Kind::File(file), Sync::Data) => {
            descriptor.require(needed)?;
            file.file.sync_data()?
        }
        (Kind::Dir(dir), Sync::All) => {
            descriptor.require(needed)?;
            dir.dir.sync()?
        }
        (Kind::Dir(dir), Sync::Data) => {
            descriptor.require(needed)?;
            dir.dir.sync_data()?
        }
        (Kind::Stdio(_) | Kind::Listener(_) | Kind::Stream(_), _) => return Err(Errno::Badf.into()),
    }
    Ok(())
}

/// Writes the data and metadata of `fd` to storage.
pub fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: i32) -> Result<(), HostError> {
    sync(ctx, fd, Sync::All)
}

/// Writes the data of `fd` to storage.
pub fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: i32) -> Result<(), HostError> {
    sync(ctx, fd, Sync::Data)
}

/// Tells the host how the guest will use `len` bytes of the file `fd` from `offset`.
pub fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    offset: i64,
    len: i64,
    advice: i32,
) -> Result<(), HostError> {
    let advice = match advice {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(invalid("advice")),
    };
    let file = file_with(ctx.fds.get(fd as u32)?, rights::FD_ADVISE)?;
    file.advise(offset as u64, len as u64, advice)?;
    Ok(())
}

/// Allocates storage for `len` bytes of the file `fd` from `offset`, growing the file if
/// it is shorter (wasmtime answers `notsup`).
pub fn fd_allocate(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    offset: i64,
    len: i64,
) -> Result<(), HostError> {
    let file = file_with(ctx.fds.get(fd as u32)?, rights::FD_ALLOCATE)?;
    file.allocate(offset as u64, len as u64)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HostTrap;
    use crate::host_fd::test_fds::pipe;
    use crate::memory::TestMemory;
    use std::fs::File as StdFile;
    use std::os::fd::AsRawFd;

    const BADF: Result<(), HostError> = Err(HostError::Guest(Errno::Badf));

    fn empty_ctx() -> WasiCtx {
        WasiCtx::new(Vec::new(), Vec::new())
    }

    fn fdstat(ctx: &mut WasiCtx, fd: i32) -> Result<(u8, u16, u64, u64), HostError> {
        let mut memory = TestMemory::new(64);
        fd_fdstat_get(ctx, &mut memory.guest(), fd, 8)?;
        let bytes = memory.bytes();
        Ok((
            bytes[8],
            u16::from_le_bytes([bytes[10], bytes[11]]),
            memory.u64_at(16),
            memory.u64_at(24),
        ))
    }

    #[test]
    fn fdstat_of_host_descriptors() {
        let (reader, writer) = pipe();
        let null = StdFile::options()
            .read(true)
            .write(true)
            .open("/dev/null")
            .unwrap();
        let file = tempfile::tempfile().unwrap();
        let mut ctx = empty_ctx();
        let reader = ctx.insert_host_fd(reader).unwrap() as i32;
        let writer = ctx.insert_host_fd(writer).unwrap() as i32;
        let null = ctx.insert_host_fd(null.into()).unwrap() as i32;
        let file = ctx.insert_host_fd(file.into()).unwrap() as i32;

        let seek_tell = rights::FD_SEEK | rights::FD_TELL;
        let (filetype, flags, base, inheriting) = fdstat(&mut ctx, reader).unwrap();
        assert_eq!((filetype, flags), (Filetype::Unknown as u8, 0));
        assert_eq!(base, inheriting);
        assert_eq!(base & (rights::FD_READ | rights::FD_WRITE), rights::FD_READ);
        assert_eq!(base & seek_tell, 0);
        let (_, _, base, _) = fdstat(&mut ctx, writer).unwrap();
        assert_eq!(
            base & (rights::FD_READ | rights::FD_WRITE),
            rights::FD_WRITE
        );
        let (filetype, _, base, _) = fdstat(&mut ctx, null).unwrap();
        assert_eq!(filetype, Filetype::CharacterDevice as u8);
        assert_eq!(base & seek_tell, seek_tell);

        let mut memory = TestMemory::new(16);
        fd_fdstat_set_flags(&mut ctx, &mut memory.guest(), file, fdflags::APPEND as i32).unwrap();
        let (filetype, flags, _, _) = fdstat(&mut ctx, file).unwrap();
        assert_eq!(filetype, Filetype::RegularFile as u8);
        assert_eq!(flags, fdflags::APPEND);
        assert_eq!(
            fd_fdstat_set_flags(&mut ctx, &mut memory.guest(), file, fdflags::SYNC as i32),
            Err(Errno::Inval.into())
        );
        assert_eq!(
            fd_fdstat_set_flags(&mut ctx, &mut memory.guest(), 1, 0),
            BADF
        );
    }

    #[test]
    fn fdstat_of_stdio_is_wasmtimes() {
        let (reader, writer) = pipe();
        let null = StdFile::options().write(true).open("/dev/null").unwrap();
        let mut ctx = WasiCtx::with_stdio(
            Vec::new(),
            Vec::new(),
            [reader.as_raw_fd(), writer.as_raw_fd(), null.as_raw_fd()],
        );
        assert_eq!(
            fdstat(&mut ctx, 0),
            Ok((0, 0, rights::FD_READ, rights::FD_READ))
        );
        assert_eq!(
            fdstat(&mut ctx, 1),
            Ok((0, 0, rights::FD_WRITE, rights::FD_WRITE))
        );
        // Not a terminal, so `unknown` even though the host says character device.
        assert_eq!(
            fdstat(&mut ctx, 2),
            Ok((0, 0, rights::FD_WRITE, rights::FD_WRITE))
        );
    }

    #[test]
    fn fdstat_bad_descriptor_and_pointer() {
        let mut ctx = empty_ctx();
        let mut memory = TestMemory::new(64);
        assert_eq!(fd_fdstat_get(&mut ctx, &mut memory.guest(), 3, 8), BADF);
        assert_eq!(
            fd_fdstat_get(&mut ctx, &mut memory.guest(), 1, 48),
            Err(HostTrap::MemoryOutOfBounds.into())
        );
        assert_eq!(
            fd_fdstat_get(&mut ctx, &mut memory.guest(), 1, 4),
            Err(HostTrap::MisalignedPointer.into())
        );
        assert!(memory.bytes().iter().all(|&b| b == 0));
    }

    #[test]
    fn rights_only_shrink() {
        let mut ctx = empty_ctx();
        let fd = ctx
            .insert_host_fd(tempfile::tempfile().unwrap().into())
            .unwrap() as i32;
        let mut memory = TestMemory::new(64);
        let read_only = (rights::FD_READ | rights::FD_SEEK) as i64;
        fd_fdstat_set_rights(&mut ctx, &mut memory.guest(), fd, read_only, 0).unwrap();
        assert_eq!(
            fd_fdstat_set_rights(&mut ctx, &mut memory.guest(), fd, rights::ALL as i64, 0),
            Err(Errno::Notcapable.into())
        );
        assert_eq!(
            fd_filestat_set_size(&mut ctx, &mut memory.guest(), fd, 0),
            Err(Errno::Notcapable.into())
        );
        assert_eq!(
            fd_fdstat_set_rights(&mut ctx, &mut memory.guest(), fd, 1 << 40, 0),
            Err(invalid("rights"))
        );
    }

    #[test]
    fn allocate_grows_and_advise_checks_its_enum() {
        let mut ctx = empty_ctx();
        let fd = ctx
            .insert_host_fd(tempfile::tempfile().unwrap().into())
            .unwrap() as i32;
        let mut memory = TestMemory::new(128);
        fd_allocate(&mut ctx, &mut memory.guest(), fd, 10, 90).unwrap();
        fd_filestat_get(&mut ctx, &mut memory.guest(), fd, 0).unwrap();
        assert_eq!(memory.u64_at(32), 100);
        assert_eq!(memory.bytes()[16], Filetype::RegularFile as u8);
        assert_eq!(
            fd_advise(&mut ctx, &mut memory.guest(), 99, 0, 0, 6),
            Err(invalid("advice"))
        );
        fd_advise(&mut ctx, &mut memory.guest(), fd, 0, 0, 1).unwrap();
        assert_eq!(fd_advise(&mut ctx, &mut memory.guest(), 1, 0, 0, 1), BADF);
        assert_eq!(fd_allocate(&mut ctx, &mut memory.guest(), 0, 0, 1), BADF);
    }

    #[test]
    fn fd_close_closes_owned_descriptors() {
        let (reader, writer) = pipe();
        let mut ctx = empty_ctx();
        let fd = ctx.insert_host_fd(writer).unwrap() as i32;
        let mut memory = TestMemory::new(16);
        fd_close(&mut ctx, &mut memory.guest(), fd).unwrap();
        // The write end is gone, so the read end sees end of file at once.
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut StdFile::from(reader), &mut rest).unwrap();
        assert!(rest.is_empty());
        assert_eq!(fd_close(&mut ctx, &mut memory.guest(), fd), BADF);
        assert_eq!(fdstat(&mut ctx, fd), BADF.map(|()| (0, 0, 0, 0)));
        // The number is given out again.
        let (_reader, writer) = pipe();
        assert_eq!(ctx.insert_host_fd(writer), Ok(fd as u32));
    }
}
