//! `fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`, `fd_seek` and `fd_tell`: moving bytes and
//! the file offset.
//!
//! Reads and writes go straight to the host descriptor. `fd_write` writes every buffer in
//! order, like `writev` on a blocking descriptor (wasmtime writes only the first non-empty
//! buffer, which wasi-libc makes up for by writing the rest again; the output is the same).
//! `fd_read` is one `readv`: it returns what the host had, possibly less than asked. Files use
//! the host's file offset, and append mode is the host's `O_APPEND`, so `fd_pwrite` on an
//! append-mode file appends, as on Linux and in wasmtime.
//!
//! Descriptor kinds answer as in wasmtime: stdin is read-only and stdout and stderr
//! write-only (the wrong direction is `badf`), a directory cannot be read, written or seeked
//! (`badf`), and a positioned read or write of a stream is `spipe`. Seeking a standard stream
//! seeks the host descriptor (wasmtime answers `spipe` for every standard stream; the host does
//! too for pipes and terminals, but seeks a redirected file).

use std::io::IoSlice;
use std::os::fd::RawFd;

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::host_fd::{self, Blocking};
use crate::memory::GuestMemory;
use crate::p1::fd_table::{Descriptor, Kind, Stdio, StdioStream};
use crate::p1::iovec::{read_iovecs, read_iovecs_inline, GuestIovec, INLINE_IOVECS};
use crate::p1::types::{host_whence, rights};

/// Where a read or write goes.
struct Target {
    host_fd: RawFd,
    blocking: Blocking,
}

/// The host side of `fd` for reading (`write` false) or writing (`write` true), after the
/// kind and rights checks.
fn stream_target(descriptor: &Descriptor, write: bool) -> Result<Target, Errno> {
    let right = if write {
        rights::FD_WRITE
    } else {
        rights::FD_READ
    };
    let blocking = match &descriptor.kind {
        Kind::Stdio(Stdio { stream, .. }) => {
            let readable = *stream == StdioStream::Stdin;
            if readable == write {
                return Err(Errno::Badf);
            }
            Blocking::Yes
        }
        Kind::File(_) => Blocking::Yes,
        Kind::Stream(socket) if socket.nonblock => Blocking::No,
        Kind::Stream(_) => Blocking::Yes,
        Kind::Dir(_) | Kind::Listener(_) => return Err(Errno::Badf),
    };
    descriptor.require(right)?;
    Ok(Target {
        host_fd: descriptor.host_fd(),
        blocking,
    })
}

/// The host iovecs for checked guest buffers.
fn host_iovecs(mem: &GuestMemory, iovecs: &[GuestIovec]) -> Result<Vec<libc::iovec>, HostError> {
    iovecs
        .iter()
        .map(|iovec| {
            Ok(libc::iovec {
                iov_base: mem.host_ptr(iovec.buf, iovec.len)?.cast(),
                iov_len: iovec.len as usize,
            })
        })
        .collect()
}

/// The guest buffers as byte slices to write from.
fn io_slices<'a>(
    mem: &'a GuestMemory,
    iovecs: &[GuestIovec],
) -> Result<Vec<IoSlice<'a>>, HostError> {
    iovecs
        .iter()
        .map(|iovec| mem.slice(iovec.buf, iovec.len).map(IoSlice::new))
        .collect()
}

/// A count the host returned, as the guest's `size`. `read_iovecs` keeps the total within
/// `u32`, and the host transfers no more than that.
fn size(count: usize) -> Result<u32, Errno> {
    u32::try_from(count).map_err(|_| Errno::Overflow)
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
    let target = stream_target(ctx.fds.get(fd as u32)?, false)?;
    let raw = host_iovecs(mem, &iovecs)?;
    // SAFETY: every iovec was checked to lie inside `mem`, which this call borrows mutably, so
    // no Rust reference into guest memory is live while the kernel writes to it.
    let count = unsafe { host_fd::read_vectored(target.host_fd, &raw, target.blocking) }?;
    mem.write_u32(nread as u32, size(count)?)
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
    if iovs_len as u32 as usize <= INLINE_IOVECS {
        // The common case (wasi-libc's stdio passes one or two buffers), without allocating.
        let (entries, n) = read_iovecs_inline(mem, iovs as u32, iovs_len as u32)?;
        let target = stream_target(ctx.fds.get(fd as u32)?, true)?;
        if n == 1 {
            let buf = mem.slice(entries[0].buf, entries[0].len)?;
            let count = host_fd::write_all(target.host_fd, buf, target.blocking)?;
            return mem.write_u32(nwritten as u32, size(count)?);
        }
        let mut bufs = [IoSlice::new(&[]), IoSlice::new(&[])];
        for (slot, iovec) in bufs.iter_mut().zip(&entries[..n]) {
            *slot = IoSlice::new(mem.slice(iovec.buf, iovec.len)?);
        }
        let count = host_fd::write_all_vectored(target.host_fd, &mut bufs[..n], target.blocking)?;
        return mem.write_u32(nwritten as u32, size(count)?);
    }
    let iovecs = read_iovecs(mem, iovs as u32, iovs_len as u32)?;
    let target = stream_target(ctx.fds.get(fd as u32)?, true)?;
    let mut bufs = io_slices(mem, &iovecs)?;
    let count = host_fd::write_all_vectored(target.host_fd, &mut bufs, target.blocking)?;
    mem.write_u32(nwritten as u32, size(count)?)
}

/// The host descriptor of a file for a positioned read or write, after the kind and rights
/// checks.
fn positioned_target(descriptor: &Descriptor, write: bool) -> Result<RawFd, Errno> {
    match &descriptor.kind {
        Kind::File(_) => {}
        Kind::Stdio(Stdio { stream, .. }) => {
            let readable = *stream == StdioStream::Stdin;
            return Err(if readable == write {
                Errno::Badf
            } else {
                Errno::Spipe
            });
        }
        Kind::Stream(_) | Kind::Listener(_) => return Err(Errno::Spipe),
        Kind::Dir(_) => return Err(Errno::Badf),
    }
    let right = if write {
        rights::FD_WRITE
    } else {
        rights::FD_READ
    };
    descriptor.require(right | rights::FD_SEEK)?;
    Ok(descriptor.host_fd())
}

/// Reads from `fd` at `offset` without moving its offset; writes the byte count to `nread`.
pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    offset: i64,
    nread: i32,
) -> Result<(), HostError> {
    let iovecs = read_iovecs(mem, iovs as u32, iovs_len as u32)?;
    let host_fd = positioned_target(ctx.fds.get(fd as u32)?, false)?;
    let raw = host_iovecs(mem, &iovecs)?;
    // SAFETY: as in `fd_read`.
    let count = unsafe { host_fd::pread_vectored(host_fd, &raw, offset as u64) }?;
    mem.write_u32(nread as u32, size(count)?)
}

/// Writes to `fd` at `offset` without moving its offset; writes the byte count to
/// `nwritten`.
pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    offset: i64,
    nwritten: i32,
) -> Result<(), HostError> {
    let iovecs = read_iovecs(mem, iovs as u32, iovs_len as u32)?;
    let host_fd = positioned_target(ctx.fds.get(fd as u32)?, true)?;
    let mut bufs = io_slices(mem, &iovecs)?;
    let count = host_fd::pwrite_all_vectored(host_fd, &mut bufs, offset as u64)?;
    mem.write_u32(nwritten as u32, size(count)?)
}

/// The host descriptor to seek for `fd`, after the kind and rights checks (`needed` is
/// `fd_seek` or `fd_tell`).
fn seek_target(descriptor: &Descriptor, needed: u64) -> Result<RawFd, Errno> {
    match &descriptor.kind {
        Kind::File(_) => descriptor.require(needed)?,
        Kind::Stdio(_) => {}
        Kind::Stream(_) | Kind::Listener(_) => return Err(Errno::Spipe),
        Kind::Dir(_) => return Err(Errno::Badf),
    }
    Ok(descriptor.host_fd())
}

/// Moves the offset of `fd` by `offset` from `whence` (0 start, 1 current, 2 end) and writes
/// the new offset to `newoffset`. Only asking for the current offset needs just `fd_tell`.
pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    offset: i64,
    whence: i32,
    newoffset: i32,
) -> Result<(), HostError> {
    let host_whence = host_whence(whence)?;
    let needed = if offset == 0 && host_whence == libc::SEEK_CUR {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    let host_fd = seek_target(ctx.fds.get(fd as u32)?, needed)?;
    let position = host_fd::seek(host_fd, offset, host_whence)?;
    mem.write_u64(newoffset as u32, position)
}

/// Writes the current offset of `fd` to `offset`.
pub fn fd_tell(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    offset: i32,
) -> Result<(), HostError> {
    let host_fd = seek_target(ctx.fds.get(fd as u32)?, rights::FD_TELL)?;
    let position = host_fd::seek(host_fd, 0, libc::SEEK_CUR)?;
    mem.write_u64(offset as u32, position)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HostTrap;
    use crate::host_fd::test_fds::pipe;
    use crate::memory::TestMemory;
    use crate::p1::fd::fd_close;
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::{AsRawFd, OwnedFd};

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

    fn temp_file() -> File {
        tempfile::tempfile().unwrap()
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
    fn seek_tell_and_positioned_io_on_a_file() {
        let mut file = temp_file();
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
        assert_eq!(seek(0, 3), Err(crate::p1::types::invalid("whence")));

        let mut memory = memory_with_iovecs(&[&[0; 4]]);
        fd_pread(&mut ctx, &mut memory.guest(), fd, 16, 1, 1, 8).unwrap();
        assert_eq!(memory.u32_at(8), 4);
        assert_eq!(&memory.bytes()[256..260], b"1234");
        fd_tell(&mut ctx, &mut memory.guest(), fd, 0).unwrap();
        assert_eq!(memory.u64_at(0), 4);
        fd_pwrite(&mut ctx, &mut memory.guest(), fd, 16, 1, 8, 8).unwrap();
        fd_read(&mut ctx, &mut memory.guest(), fd, 16, 1, 8).unwrap();
        assert_eq!(memory.u32_at(8), 4);
        assert_eq!(&memory.bytes()[256..260], b"4\0\0\0");
    }

    #[test]
    fn streams_do_not_seek() {
        let (reader, _writer) = pipe();
        let mut ctx = WasiCtx::with_stdio(
            Vec::new(),
            Vec::new(),
            [reader.as_raw_fd(), reader.as_raw_fd(), reader.as_raw_fd()],
        );
        let mut memory = memory_with_iovecs(&[&[0; 4]]);
        assert_eq!(
            fd_seek(&mut ctx, &mut memory.guest(), 0, 0, 1, 8),
            Err(Errno::Spipe.into())
        );
        assert_eq!(fd_seek(&mut ctx, &mut memory.guest(), 7, 0, 1, 8), BADF);
        // The whence is checked first.
        assert_eq!(
            fd_seek(&mut ctx, &mut memory.guest(), 7, 0, 3, 8),
            Err(crate::p1::types::invalid("whence"))
        );
        assert_eq!(
            fd_pread(&mut ctx, &mut memory.guest(), 0, 16, 1, 0, 8),
            Err(Errno::Spipe.into())
        );
        assert_eq!(
            fd_pread(&mut ctx, &mut memory.guest(), 1, 16, 1, 0, 8),
            BADF
        );
        assert_eq!(
            fd_pwrite(&mut ctx, &mut memory.guest(), 1, 16, 1, 0, 8),
            Err(Errno::Spipe.into())
        );
    }
}
