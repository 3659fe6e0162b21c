//! `fd_*` functions on open descriptors: read, write, seek, describe, close.
//!
//! Standard streams behave as in wasmtime: stdin is read-only, stdout and stderr write-only
//! (the wrong direction is `badf`), and `fd_fdstat_get` reports a character device with only
//! `fd_read` or `fd_write` rights when the stream is a terminal and `unknown` otherwise
//! (wasi-libc's `isatty` reads exactly that). Everything else is the host's answer:
//! `fd_fdstat_get` flags come from `fcntl(F_GETFL)`, `fd_seek` seeks the host descriptor
//! (wasmtime answers `spipe` for every standard stream; the host does too for pipes and
//! terminals, but seeks a redirected file), and host errors come back with the same meaning.
//!
//! Reads and writes go straight to the host descriptor. `fd_write` writes every buffer in
//! order, like `writev` on a blocking descriptor (wasmtime writes only the first non-empty
//! buffer, which wasi-libc makes up for by writing the rest again; the output is the same).
//! `fd_read` is one `readv`: it returns what the host had, possibly less than asked.

use std::io::IoSlice;
use std::os::fd::RawFd;

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::host_fd::{self, HostFileType};
use crate::memory::GuestMemory;
use crate::p1::fd_table::{Descriptor, Stdio, StdioStream};
use crate::p1::iovec::read_iovecs;
use crate::p1::types::{fdflags, host_whence, rights, Fdstat, Filetype};

/// Closes `fd`. For a standard stream only the guest's descriptor goes away; the host's stays
/// open.
pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: i32) -> Result<(), HostError> {
    // Dropping an owned host descriptor closes it; a failing `close` has already released
    // the descriptor, so there is nothing to report.
    drop(ctx.fds.remove(fd as u32)?);
    Ok(())
}

/// Writes the `fdstat` of `fd` to `stat`.
pub fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    stat: i32,
) -> Result<(), HostError> {
    let fdstat = match ctx.fds.get(fd as u32)? {
        Descriptor::Stdio(stdio) => stdio_fdstat(stdio),
        Descriptor::Host(owned) => host_fdstat(host_fd_of(owned))?,
    };
    mem.write_record(stat as u32, Fdstat::ALIGN, &fdstat.to_bytes())
}

/// Reads from `fd` into the `iovs_len` buffers at `iovs`; writes the byte count to `nread`
/// (0 at end of file).
pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nread: i32,
) -> Result<(), HostError> {
    let iovecs = read_iovecs(mem, iovs as u32, iovs_len as u32)?;
    let host_fd = match ctx.fds.get(fd as u32)? {
        Descriptor::Stdio(Stdio {
            stream: StdioStream::Stdin,
            host_fd,
        }) => *host_fd,
        Descriptor::Stdio(_) => return Err(Errno::Badf.into()),
        Descriptor::Host(owned) => host_fd_of(owned),
    };
    let raw = iovecs
        .iter()
        .map(|iovec| {
            Ok(libc::iovec {
                iov_base: mem.host_ptr(iovec.buf, iovec.len)?.cast(),
                iov_len: iovec.len as usize,
            })
        })
        .collect::<Result<Vec<_>, HostError>>()?;
    // SAFETY: every iovec was checked to lie inside `mem`, which this call borrows mutably, so
    // no Rust reference into guest memory is live while the kernel writes to it.
    let count = unsafe { host_fd::read_vectored(host_fd, &raw) }?;
    // `read_iovecs` keeps the total within `u32`, and the host reads no more than that.
    let count = u32::try_from(count).map_err(|_| Errno::Overflow)?;
    mem.write_u32(nread as u32, count)
}

/// Moves the offset of `fd` by `offset` from `whence` (0 start, 1 current, 2 end) and writes
/// the new offset to `newoffset`.
pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    offset: i64,
    whence: i32,
    newoffset: i32,
) -> Result<(), HostError> {
    let whence = host_whence(whence).ok_or(Errno::Inval)?;
    let host_fd = ctx.fds.get(fd as u32)?.host_fd();
    let position = host_fd::seek(host_fd, offset, whence)?;
    mem.write_u64(newoffset as u32, position)
}

/// Writes the `iovs_len` buffers at `iovs` to `fd`, in order; writes the byte count to
/// `nwritten`.
pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> Result<(), HostError> {
    let iovecs = read_iovecs(mem, iovs as u32, iovs_len as u32)?;
    let host_fd = match ctx.fds.get(fd as u32)? {
        Descriptor::Stdio(Stdio {
            stream: StdioStream::Stdout | StdioStream::Stderr,
            host_fd,
        }) => *host_fd,
        Descriptor::Stdio(_) => return Err(Errno::Badf.into()),
        Descriptor::Host(owned) => host_fd_of(owned),
    };
    let mut bufs = iovecs
        .iter()
        .map(|iovec| mem.slice(iovec.buf, iovec.len).map(IoSlice::new))
        .collect::<Result<Vec<_>, HostError>>()?;
    let count = host_fd::write_all_vectored(host_fd, &mut bufs)?;
    // `read_iovecs` keeps the total within `u32`, and the host writes no more than that.
    let count = u32::try_from(count).map_err(|_| Errno::Overflow)?;
    mem.write_u32(nwritten as u32, count)
}

fn host_fd_of(owned: &std::os::fd::OwnedFd) -> RawFd {
    std::os::fd::AsRawFd::as_raw_fd(owned)
}

/// A standard stream's `fdstat`: filetype and rights as wasmtime reports them, flags from the
/// host descriptor (wasmtime reports none). It never fails, even if the host stream is closed.
fn stdio_fdstat(stdio: &Stdio) -> Fdstat {
    let filetype = if host_fd::is_terminal(stdio.host_fd) {
        Filetype::CharacterDevice
    } else {
        Filetype::Unknown
    };
    let rights = match stdio.stream {
        StdioStream::Stdin => rights::FD_READ,
        StdioStream::Stdout | StdioStream::Stderr => rights::FD_WRITE,
    };
    Fdstat {
        filetype,
        flags: host_fd::status_flags(stdio.host_fd).map_or(0, fdflags_of),
        rights_base: rights,
        rights_inheriting: rights,
    }
}

/// An owned host descriptor's `fdstat`: its type from `fstat`, and every right its access mode
/// and type allow (wasmtime's rule for files).
fn host_fdstat(fd: RawFd) -> Result<Fdstat, Errno> {
    let kind = host_fd::file_type(fd)?;
    let status = host_fd::status_flags(fd)?;
    let mut base = rights::ALL;
    match status & libc::O_ACCMODE {
        libc::O_RDWR => {}
        libc::O_WRONLY => base &= !(rights::FD_READ | rights::FD_READDIR),
        libc::O_RDONLY => base &= !rights::FD_WRITE,
        _ => base &= !(rights::FD_READ | rights::FD_READDIR | rights::FD_WRITE),
    }
    if kind == HostFileType::Directory {
        base &= !(rights::FD_SEEK | rights::FD_FILESTAT_SET_SIZE | rights::PATH_FILESTAT_SET_SIZE);
    }
    let is_stream = matches!(
        kind,
        HostFileType::Fifo | HostFileType::SocketStream | HostFileType::SocketDgram
    );
    if is_stream || host_fd::is_terminal(fd) {
        // Streams cannot seek, and wasi-libc's `isatty` wants a character device without
        // these two rights.
        base &= !(rights::FD_SEEK | rights::FD_TELL);
    }
    Ok(Fdstat {
        filetype: filetype_of(kind),
        flags: fdflags_of(status),
        rights_base: base,
        rights_inheriting: base,
    })
}

fn filetype_of(kind: HostFileType) -> Filetype {
    match kind {
        HostFileType::BlockDevice => Filetype::BlockDevice,
        HostFileType::CharacterDevice => Filetype::CharacterDevice,
        HostFileType::Directory => Filetype::Directory,
        HostFileType::RegularFile => Filetype::RegularFile,
        HostFileType::SymbolicLink => Filetype::SymbolicLink,
        HostFileType::SocketStream => Filetype::SocketStream,
        HostFileType::SocketDgram => Filetype::SocketDgram,
        // P1 has no FIFO type; wasmtime reports pipes as `unknown` too.
        HostFileType::Fifo | HostFileType::Unknown => Filetype::Unknown,
    }
}

/// The `fdflags` for host status flags `status` (`O_SYNC` includes the `O_DSYNC` bit).
fn fdflags_of(status: libc::c_int) -> u16 {
    let mut flags = 0;
    if status & libc::O_APPEND != 0 {
        flags |= fdflags::APPEND;
    }
    if status & libc::O_DSYNC == libc::O_DSYNC {
        flags |= fdflags::DSYNC;
    }
    if status & libc::O_SYNC == libc::O_SYNC {
        flags |= fdflags::SYNC;
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HostTrap;
    use crate::host_fd::test_fds::pipe;
    use crate::memory::TestMemory;
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::path::PathBuf;

    const BADF: Result<(), HostError> = Err(HostError::Guest(Errno::Badf));
    const OOB: Result<(), HostError> = Err(HostError::Trap(HostTrap::MemoryOutOfBounds));

    fn empty_ctx() -> WasiCtx {
        WasiCtx::new(Vec::new(), Vec::new())
    }

    /// A memory holding `buffers` from offset 256 on and an iovec array for them at 16.
    fn memory_with_iovecs(buffers: &[&[u8]]) -> TestMemory {
        let mut memory = TestMemory::new(1024);
        let mut at = 256;
        for (index, buffer) in buffers.iter().enumerate() {
            memory.set_u32(16 + 8 * index, at as u32);
            memory.set_u32(20 + 8 * index, buffer.len() as u32);
            memory.set_bytes(at, buffer);
            at += buffer.len() + 3;
        }
        memory
    }

    /// Everything left in the pipe once its write end is closed.
    fn drain(reader: OwnedFd) -> Vec<u8> {
        let mut out = Vec::new();
        File::from(reader).read_to_end(&mut out).unwrap();
        out
    }

    /// A fresh, already unlinked regular file opened with `options`.
    fn temp_file(name: &str, options: &mut std::fs::OpenOptions) -> File {
        let path: PathBuf =
            std::env::temp_dir().join(format!("wasi-aot-host-{}-{name}", std::process::id()));
        let file = options.create_new(true).open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        file
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
    fn fd_write_writes_every_buffer_in_order() {
        let (reader, writer) = pipe();
        let mut ctx = empty_ctx();
        let fd = ctx.insert_host_fd(writer).unwrap() as i32;
        assert_eq!(fd, 3);
        let mut memory = memory_with_iovecs(&[b"hello", b"", b", ", b"world\n"]);
        fd_write(&mut ctx, &mut memory.guest(), fd, 16, 4, 8).unwrap();
        assert_eq!(memory.u32_at(8), 13);
        drop(ctx);
        assert_eq!(drain(reader), b"hello, world\n");
    }

    #[test]
    fn fd_write_to_stdio() {
        let (out_reader, out_writer) = pipe();
        let (err_reader, err_writer) = pipe();
        let (in_reader, _in_writer) = pipe();
        let mut ctx = WasiCtx::with_stdio(
            Vec::new(),
            Vec::new(),
            [
                in_reader.as_raw_fd(),
                out_writer.as_raw_fd(),
                err_writer.as_raw_fd(),
            ],
        );
        let mut memory = memory_with_iovecs(&[b"out"]);
        fd_write(&mut ctx, &mut memory.guest(), 1, 16, 1, 8).unwrap();
        fd_write(&mut ctx, &mut memory.guest(), 2, 16, 1, 8).unwrap();
        assert_eq!(memory.u32_at(8), 3);
        // Stdin is read-only.
        assert_eq!(fd_write(&mut ctx, &mut memory.guest(), 0, 16, 1, 8), BADF);
        // Closing the guest's stdout leaves the host descriptor open.
        fd_close(&mut ctx, &mut memory.guest(), 1).unwrap();
        assert_eq!(fd_write(&mut ctx, &mut memory.guest(), 1, 16, 1, 8), BADF);
        assert_eq!(fd_close(&mut ctx, &mut memory.guest(), 1), BADF);
        assert!(host_fd::status_flags(out_writer.as_raw_fd()).is_ok());
        drop((ctx, out_writer, err_writer));
        assert_eq!(drain(out_reader), b"out");
        assert_eq!(drain(err_reader), b"out");
    }

    #[test]
    fn fd_write_with_a_bad_iovec_traps_before_writing() {
        let (reader, writer) = pipe();
        let mut ctx = empty_ctx();
        let fd = ctx.insert_host_fd(writer).unwrap() as i32;
        let mut memory = memory_with_iovecs(&[b"first", b"second"]);
        // The second buffer now ends past the memory.
        memory.set_u32(28, 1000);
        assert_eq!(fd_write(&mut ctx, &mut memory.guest(), fd, 16, 2, 8), OOB);
        // The array itself past the end.
        assert_eq!(fd_write(&mut ctx, &mut memory.guest(), fd, 1020, 1, 8), OOB);
        // A bad iovec traps even on a bad descriptor, as in wasmtime.
        assert_eq!(fd_write(&mut ctx, &mut memory.guest(), 99, 16, 2, 8), OOB);
        assert_eq!(memory.u32_at(8), 0);
        drop(ctx);
        assert_eq!(drain(reader), b"");
    }

    #[test]
    fn fd_write_result_pointer_is_checked_after_writing() {
        let (reader, writer) = pipe();
        let mut ctx = empty_ctx();
        let fd = ctx.insert_host_fd(writer).unwrap() as i32;
        let mut memory = memory_with_iovecs(&[b"x"]);
        assert_eq!(
            fd_write(&mut ctx, &mut memory.guest(), fd, 16, 1, 1022),
            OOB
        );
        drop(ctx);
        assert_eq!(drain(reader), b"x");
    }

    #[test]
    fn fd_read_fills_buffers_and_reports_eof() {
        let (reader, writer) = pipe();
        let mut ctx = empty_ctx();
        let fd = ctx.insert_host_fd(reader).unwrap() as i32;
        let mut writer = File::from(writer);
        writer.write_all(b"abcdefg").unwrap();

        let mut memory = memory_with_iovecs(&[&[0; 4], &[0; 16]]);
        fd_read(&mut ctx, &mut memory.guest(), fd, 16, 2, 8).unwrap();
        assert_eq!(memory.u32_at(8), 7);
        assert_eq!(&memory.bytes()[256..260], b"abcd");
        assert_eq!(&memory.bytes()[263..266], b"efg");

        drop(writer);
        fd_read(&mut ctx, &mut memory.guest(), fd, 16, 2, 8).unwrap();
        assert_eq!(memory.u32_at(8), 0);
    }

    #[test]
    fn fd_read_direction_and_bad_descriptors() {
        let (in_reader, in_writer) = pipe();
        let (_out_reader, out_writer) = pipe();
        let raw_out = out_writer.as_raw_fd();
        let mut ctx = WasiCtx::with_stdio(
            Vec::new(),
            Vec::new(),
            [in_reader.as_raw_fd(), raw_out, raw_out],
        );
        File::from(in_writer).write_all(b"in").unwrap();
        let mut memory = memory_with_iovecs(&[&[0; 8]]);
        fd_read(&mut ctx, &mut memory.guest(), 0, 16, 1, 8).unwrap();
        assert_eq!(memory.u32_at(8), 2);
        assert_eq!(&memory.bytes()[256..258], b"in");
        assert_eq!(fd_read(&mut ctx, &mut memory.guest(), 1, 16, 1, 8), BADF);
        assert_eq!(fd_read(&mut ctx, &mut memory.guest(), 2, 16, 1, 8), BADF);
        assert_eq!(fd_read(&mut ctx, &mut memory.guest(), 3, 16, 1, 8), BADF);
        assert_eq!(fd_read(&mut ctx, &mut memory.guest(), -1, 16, 1, 8), BADF);
    }

    #[test]
    fn fdstat_of_host_descriptors() {
        let (reader, writer) = pipe();
        let null = File::options()
            .read(true)
            .write(true)
            .open("/dev/null")
            .unwrap();
        let file = temp_file("fdstat", File::options().read(true).append(true));
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
        assert_eq!(base, rights::ALL);

        let (filetype, flags, base, _) = fdstat(&mut ctx, file).unwrap();
        assert_eq!(filetype, Filetype::RegularFile as u8);
        assert_eq!(flags, fdflags::APPEND);
        assert_eq!(base, rights::ALL);
    }

    #[test]
    fn fdstat_of_stdio_is_wasmtimes() {
        let (reader, writer) = pipe();
        let null = File::options().write(true).open("/dev/null").unwrap();
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
        assert_eq!(fd_fdstat_get(&mut ctx, &mut memory.guest(), 1, 48), OOB);
        assert_eq!(
            fd_fdstat_get(&mut ctx, &mut memory.guest(), 1, 4),
            Err(HostTrap::MisalignedPointer.into())
        );
        assert!(memory.bytes().iter().all(|&b| b == 0));
    }

    #[test]
    fn fd_seek_on_a_file() {
        let mut file = temp_file("seek", File::options().read(true).write(true));
        file.write_all(b"01234").unwrap();
        let mut ctx = empty_ctx();
        let fd = ctx.insert_host_fd(file.into()).unwrap() as i32;
        let mut memory = TestMemory::new(64);
        let mut seek = |offset, whence| {
            fd_seek(&mut ctx, &mut memory.guest(), fd, offset, whence, 8).map(|()| memory.u64_at(8))
        };
        assert_eq!(seek(1, 0), Ok(1));
        assert_eq!(seek(2, 1), Ok(3));
        assert_eq!(seek(-1, 2), Ok(4));
        assert_eq!(seek(-5, 1), Err(Errno::Inval.into()));
        assert_eq!(seek(0, 3), Err(Errno::Inval.into()));

        let mut memory = memory_with_iovecs(&[&[0; 4]]);
        fd_read(&mut ctx, &mut memory.guest(), fd, 16, 1, 8).unwrap();
        assert_eq!(memory.u32_at(8), 1);
        assert_eq!(&memory.bytes()[256..257], b"4");
    }

    #[test]
    fn fd_seek_errors() {
        let (reader, _writer) = pipe();
        let mut ctx = WasiCtx::with_stdio(
            Vec::new(),
            Vec::new(),
            [reader.as_raw_fd(), reader.as_raw_fd(), reader.as_raw_fd()],
        );
        let mut memory = TestMemory::new(64);
        assert_eq!(
            fd_seek(&mut ctx, &mut memory.guest(), 0, 0, 1, 8),
            Err(Errno::Spipe.into())
        );
        assert_eq!(fd_seek(&mut ctx, &mut memory.guest(), 7, 0, 1, 8), BADF);
        // The whence is checked first.
        assert_eq!(
            fd_seek(&mut ctx, &mut memory.guest(), 7, 0, 3, 8),
            Err(Errno::Inval.into())
        );
        assert_eq!(
            fd_seek(&mut ctx, &mut memory.guest(), 7, 0, -1, 8),
            Err(Errno::Inval.into())
        );
    }

    #[test]
    fn fd_close_closes_owned_descriptors() {
        let (reader, writer) = pipe();
        let mut ctx = empty_ctx();
        let fd = ctx.insert_host_fd(writer).unwrap() as i32;
        let mut memory = TestMemory::new(16);
        fd_close(&mut ctx, &mut memory.guest(), fd).unwrap();
        // The write end is gone, so the read end sees end of file at once.
        assert_eq!(drain(reader), b"");
        assert_eq!(fd_close(&mut ctx, &mut memory.guest(), fd), BADF);
        assert_eq!(fdstat(&mut ctx, fd), BADF.map(|()| (0, 0, 0, 0)));
        // The number is given out again.
        let (_reader, writer) = pipe();
        assert_eq!(ctx.insert_host_fd(writer), Ok(fd as u32));
    }
}
