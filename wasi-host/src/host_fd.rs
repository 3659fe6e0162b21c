//! Safe wrappers over the host system calls made on raw file descriptors.
//!
//! I/O goes straight to the host descriptor with `readv`/`writev` (`preadv`/`pwritev` at an
//! offset): no Rust-side buffering, so the order of guest output on stdout and stderr is
//! exactly the order of its `fd_write` calls and nothing needs flushing when the guest exits.
//! In [`Blocking::Yes`] mode reads and writes block even when the host descriptor was left
//! non-blocking by whoever started the process (wasmtime's P1 does the same): `EAGAIN` waits
//! with `poll` and tries again. [`Blocking::No`] (a socket the guest made non-blocking) returns
//! `again` instead. `EINTR` is retried. Host errors come back as the WASI [`Errno`] with the
//! same meaning.

use std::io::IoSlice;
use std::os::fd::RawFd;

use crate::error::{last_host_errno, Errno};

/// At most this many iovecs go to one `readv`/`writev` (Linux's `UIO_MAXIOV` and macOS's
/// `IOV_MAX`); a longer list is written in several calls, or read short.
const MAX_IOVECS: usize = 1024;

// Guest offsets are 64-bit; `lseek` must take them without truncation.
const _: () = assert!(std::mem::size_of::<libc::off_t>() == 8);

/// Whether a read or write waits for the descriptor to become ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blocking {
    /// Wait, as a blocking descriptor does.
    Yes,
    /// Fail with `again`.
    No,
}

/// What kind of object a host descriptor refers to, from `fstat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostFileType {
    BlockDevice,
    CharacterDevice,
    Directory,
    RegularFile,
    SymbolicLink,
    Fifo,
    SocketStream,
    SocketDgram,
    Unknown,
}

/// The type of the object behind `fd`.
pub(crate) fn file_type(fd: RawFd) -> Result<HostFileType, Errno> {
    // SAFETY: `stat` is plain data; all-zero bytes are a valid value that `fstat` overwrites.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `stat` is a valid, writable `struct stat`; an invalid `fd` only yields EBADF.
    if unsafe { libc::fstat(fd, &mut stat) } != 0 {
        return Err(Errno::last_host_error());
    }
    Ok(match stat.st_mode & libc::S_IFMT {
        libc::S_IFBLK => HostFileType::BlockDevice,
        libc::S_IFCHR => HostFileType::CharacterDevice,
        libc::S_IFDIR => HostFileType::Directory,
        libc::S_IFREG => HostFileType::RegularFile,
        libc::S_IFLNK => HostFileType::SymbolicLink,
        libc::S_IFIFO => HostFileType::Fifo,
        libc::S_IFSOCK => socket_type(fd),
        _ => HostFileType::Unknown,
    })
}

/// Stream or datagram, for a descriptor `fstat` says is a socket.
fn socket_type(fd: RawFd) -> HostFileType {
    let mut kind: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `kind` and `len` are valid for writes and `len` holds `kind`'s size.
    let status = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            (&mut kind as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    match (status, kind) {
        (0, libc::SOCK_STREAM) => HostFileType::SocketStream,
        (0, libc::SOCK_DGRAM) => HostFileType::SocketDgram,
        _ => HostFileType::Unknown,
    }
}

/// The size in bytes of the object behind `fd`, from `fstat`.
pub(crate) fn file_size(fd: RawFd) -> Result<u64, Errno> {
    // SAFETY: `stat` is plain data; all-zero bytes are a valid value that `fstat` overwrites.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `stat` is a valid, writable `struct stat`; an invalid `fd` only yields EBADF.
    if unsafe { libc::fstat(fd, &mut stat) } != 0 {
        return Err(Errno::last_host_error());
    }
    Ok(u64::try_from(stat.st_size).unwrap_or(0))
}

/// The descriptor's file status flags and access mode (`fcntl(F_GETFL)`).
pub(crate) fn status_flags(fd: RawFd) -> Result<libc::c_int, Errno> {
    // SAFETY: F_GETFL takes no argument and has no memory effects.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        Err(Errno::last_host_error())
    } else {
        Ok(flags)
    }
}

/// Whether `fd` is a terminal.
pub(crate) fn is_terminal(fd: RawFd) -> bool {
    // SAFETY: `isatty` accepts any integer and only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// Repositions `fd`'s offset (`lseek`); `whence` is a host `SEEK_*` value.
pub(crate) fn seek(fd: RawFd, offset: i64, whence: libc::c_int) -> Result<u64, Errno> {
    // SAFETY: `lseek` has no memory effects; bad arguments only yield an error.
    let position = unsafe { libc::lseek(fd, offset, whence) };
    if position < 0 {
        Err(Errno::last_host_error())
    } else {
        Ok(position as u64)
    }
}

/// Writes every byte of `bufs`, in order, to `fd` and returns the number written.
///
/// Short writes are continued. An error after some bytes went out ends the call with the
/// count so far (a short write, as `writev` reports it); the guest sees the error on its next
/// write.
pub(crate) fn write_all_vectored(
    fd: RawFd,
    bufs: &mut [IoSlice<'_>],
    blocking: Blocking,
) -> Result<usize, Errno> {
    write_loop(fd, bufs, blocking, |bufs| match bufs {
        // One buffer (the common case): plain `write` costs the kernel less than `writev`.
        // SAFETY: the slice is live for the duration of the call.
        [one] => unsafe { libc::write(fd, one.as_ptr().cast(), one.len()) },
        // SAFETY: `IoSlice` is ABI-compatible with `struct iovec` on Unix, and each one borrows
        // a live byte slice for the duration of the call.
        _ => unsafe { libc::writev(fd, bufs.as_ptr().cast(), bufs.len() as libc::c_int) },
    })
}

/// [`write_all_vectored`] for one buffer, the common case, without the slice bookkeeping.
pub(crate) fn write_all(fd: RawFd, buf: &[u8], blocking: Blocking) -> Result<usize, Errno> {
    let mut written = 0;
    while written < buf.len() {
        let rest = &buf[written..];
        // SAFETY: `rest` is live for the duration of the call.
        let result = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        match usize::try_from(result) {
            Ok(0) => break,
            Ok(n) => written += n,
            Err(_) => {
                if let Err(errno) = retry_after(last_host_errno(), fd, blocking) {
                    return if written > 0 { Ok(written) } else { Err(errno) };
                }
            }
        }
    }
    Ok(written)
}

/// Like [`write_all_vectored`] for a socket, with `sendmsg`: a peer that has gone away is
/// `pipe`, never a `SIGPIPE`.
pub(crate) fn send_all_vectored(
    fd: RawFd,
    bufs: &mut [IoSlice<'_>],
    blocking: Blocking,
) -> Result<usize, Errno> {
    write_loop(fd, bufs, blocking, |bufs| {
        // SAFETY: all-zero bytes are a valid `msghdr` (no name, no control data).
        let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
        message.msg_iov = bufs.as_ptr() as *mut libc::iovec;
        message.msg_iovlen = bufs.len() as _;
        // SAFETY: the iovecs borrow live byte slices (`IoSlice` is ABI-compatible with
        // `struct iovec`), which `sendmsg` only reads.
        unsafe { libc::sendmsg(fd, &message, libc::MSG_NOSIGNAL) }
    })
}

/// Calls `write` (one `writev`-like system call on at most [`MAX_IOVECS`] buffers) until every
/// byte of `bufs` is written, waiting on `EAGAIN` when `blocking`.
fn write_loop(
    fd: RawFd,
    mut bufs: &mut [IoSlice<'_>],
    blocking: Blocking,
    write: impl Fn(&[IoSlice<'_>]) -> isize,
) -> Result<usize, Errno> {
    let mut written = 0;
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        let count = bufs.len().min(MAX_IOVECS);
        let result = write(&bufs[..count]);
        let code = match usize::try_from(result) {
            Ok(0) => break,
            Ok(n) => {
                written += n;
                IoSlice::advance_slices(&mut bufs, n);
                continue;
            }
            Err(_) => last_host_errno(),
        };
        if let Err(errno) = retry_after(code, fd, blocking) {
            return if written > 0 { Ok(written) } else { Err(errno) };
        }
    }
    Ok(written)
}

/// After a write to `fd` failed with host errno `code`: `Ok` to try again (interrupted, or
/// writable again after blocking on `EAGAIN`), else the error to report.
fn retry_after(code: libc::c_int, fd: RawFd, blocking: Blocking) -> Result<(), Errno> {
    match code {
        libc::EINTR => Ok(()),
        code if is_would_block(code) && blocking == Blocking::Yes => {
            wait_until_ready(fd, libc::POLLOUT)
        }
        code => Err(Errno::from_host(code)),
    }
}

/// One `recvmsg` from the socket `fd` into `bufs` with the host `MSG_*` `flags`; returns the
/// number of bytes received, 0 when the peer has shut down sending.
///
/// # Safety
///
/// As for [`read_vectored`].
pub(crate) unsafe fn recv_vectored(
    fd: RawFd,
    bufs: &[libc::iovec],
    flags: libc::c_int,
    blocking: Blocking,
) -> Result<usize, Errno> {
    // SAFETY: all-zero bytes are a valid `msghdr` (no name, no control data).
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    message.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    message.msg_iovlen = bufs.len().min(MAX_IOVECS) as _;
    loop {
        // SAFETY: the caller guarantees every iovec is writable and unaliased.
        let result = unsafe { libc::recvmsg(fd, &mut message, flags) };
        if let Ok(n) = usize::try_from(result) {
            return Ok(n);
        }
        match last_host_errno() {
            libc::EINTR => {}
            code if is_would_block(code) && blocking == Blocking::Yes => {
                wait_until_ready(fd, libc::POLLIN)?
            }
            code => return Err(Errno::from_host(code)),
        }
    }
}

/// One `readv` from `fd` into `bufs` (only the first [`MAX_IOVECS`]); returns the number of
/// bytes read, 0 at end of file. A short read is normal.
///
/// # Safety
///
/// Every iovec must describe memory that is valid for writes for the duration of the call and
/// that no Rust reference points into.
pub(crate) unsafe fn read_vectored(
    fd: RawFd,
    bufs: &[libc::iovec],
    blocking: Blocking,
) -> Result<usize, Errno> {
    let count = bufs.len().min(MAX_IOVECS);
    loop {
        // SAFETY: the caller guarantees every iovec is writable and unaliased.
        let result = unsafe { libc::readv(fd, bufs.as_ptr(), count as libc::c_int) };
        if let Ok(n) = usize::try_from(result) {
            return Ok(n);
        }
        match last_host_errno() {
            libc::EINTR => {}
            code if is_would_block(code) && blocking == Blocking::Yes => {
                wait_until_ready(fd, libc::POLLIN)?
            }
            code => return Err(Errno::from_host(code)),
        }
    }
}

/// One `preadv` from `fd` at `offset` into `bufs` (only the first [`MAX_IOVECS`]); returns
/// the number of bytes read, 0 at end of file. The descriptor's offset does not move.
///
/// # Safety
///
/// As for [`read_vectored`].
pub(crate) unsafe fn pread_vectored(
    fd: RawFd,
    bufs: &[libc::iovec],
    offset: u64,
) -> Result<usize, Errno> {
    let offset = libc::off_t::try_from(offset).map_err(|_| Errno::Inval)?;
    let count = bufs.len().min(MAX_IOVECS);
    loop {
        // SAFETY: the caller guarantees every iovec is writable and unaliased.
        let result = unsafe { libc::preadv(fd, bufs.as_ptr(), count as libc::c_int, offset) };
        if let Ok(n) = usize::try_from(result) {
            return Ok(n);
        }
        match last_host_errno() {
            libc::EINTR => {}
            code => return Err(Errno::from_host(code)),
        }
    }
}

/// Writes every byte of `bufs` to `fd` at `offset` and on (`pwritev`), without moving the
/// descriptor's offset; returns the number written. On a descriptor in append mode Linux
/// appends instead, as POSIX leaves open.
pub(crate) fn pwrite_all_vectored(
    fd: RawFd,
    mut bufs: &mut [IoSlice<'_>],
    offset: u64,
) -> Result<usize, Errno> {
    let mut offset = libc::off_t::try_from(offset).map_err(|_| Errno::Inval)?;
    let mut written = 0;
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        let count = bufs.len().min(MAX_IOVECS);
        // SAFETY: `IoSlice` is ABI-compatible with `struct iovec` on Unix, and each one borrows
        // a live byte slice for the duration of the call.
        let result =
            unsafe { libc::pwritev(fd, bufs.as_ptr().cast(), count as libc::c_int, offset) };
        match usize::try_from(result) {
            Ok(0) => break,
            Ok(n) => {
                written += n;
                offset = offset.saturating_add(n as libc::off_t);
                IoSlice::advance_slices(&mut bufs, n);
            }
            Err(_) => match last_host_errno() {
                libc::EINTR => {}
                // A failure after some bytes went out is a short write, as in
                // `write_all_vectored`.
                _ if written > 0 => break,
                code => return Err(Errno::from_host(code)),
            },
        }
    }
    Ok(written)
}

/// The number of bytes that can be read from `fd` without blocking (`FIONREAD`), if the host
/// can tell.
pub(crate) fn bytes_readable(fd: RawFd) -> Option<u64> {
    let mut count: libc::c_int = 0;
    // SAFETY: `FIONREAD` writes one `int` to the pointer, which is valid.
    let status = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut count) };
    (status == 0).then(|| u64::try_from(count).unwrap_or(0))
}

/// Changes `fd`'s status flags: sets the bits in `set` and clears those in `clear`.
pub(crate) fn update_status_flags(
    fd: RawFd,
    set: libc::c_int,
    clear: libc::c_int,
) -> Result<(), Errno> {
    let flags = status_flags(fd)?;
    // SAFETY: F_SETFL takes an `int` and has no memory effects.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, (flags | set) & !clear) } < 0 {
        return Err(Errno::last_host_error());
    }
    Ok(())
}

fn is_would_block(code: i32) -> bool {
    code == libc::EAGAIN || code == libc::EWOULDBLOCK
}

/// Blocks until `fd` reports one of `events` (or an error condition, which the retried call
/// then reports).
pub(crate) fn wait_until_ready(fd: RawFd, events: libc::c_short) -> Result<(), Errno> {
    let mut poll_fd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    loop {
        // SAFETY: `poll_fd` is one valid, writable `pollfd`.
        if unsafe { libc::poll(&mut poll_fd, 1, -1) } >= 0 {
            return Ok(());
        }
        match last_host_errno() {
            libc::EINTR => {}
            code => return Err(Errno::from_host(code)),
        }
    }
}

#[cfg(test)]
pub(crate) mod test_fds {
    //! Host descriptors for tests.

    use std::os::fd::{FromRawFd, OwnedFd};

    /// A new pipe: (read end, write end).
    pub(crate) fn pipe() -> (OwnedFd, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors `pipe` writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe failed");
        // SAFETY: `pipe` succeeded, so both are fresh descriptors nothing else owns.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    }
}

#[cfg(test)]
mod tests {
    use super::test_fds::pipe;
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn vectored_write_then_read_through_a_pipe() {
        let (reader, writer) = pipe();
        let mut bufs = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cde")];
        assert_eq!(
            write_all_vectored(writer.as_raw_fd(), &mut bufs, Blocking::Yes),
            Ok(5)
        );
        let mut first = [0u8; 2];
        let mut second = [0u8; 8];
        let iovs = [
            libc::iovec {
                iov_base: first.as_mut_ptr().cast(),
                iov_len: first.len(),
            },
            libc::iovec {
                iov_base: second.as_mut_ptr().cast(),
                iov_len: second.len(),
            },
        ];
        // SAFETY: both iovecs point at live local arrays with no other borrows.
        let n = unsafe { read_vectored(reader.as_raw_fd(), &iovs, Blocking::Yes) };
        assert_eq!(n, Ok(5));
        assert_eq!(&first, b"ab");
        assert_eq!(&second[..3], b"cde");
    }

    #[test]
    fn pipe_is_a_fifo_and_cannot_seek() {
        let (reader, _writer) = pipe();
        assert_eq!(file_type(reader.as_raw_fd()), Ok(HostFileType::Fifo));
        assert_eq!(
            seek(reader.as_raw_fd(), 0, libc::SEEK_CUR),
            Err(Errno::Spipe)
        );
        assert!(!is_terminal(reader.as_raw_fd()));
    }

    #[test]
    fn invalid_descriptor_is_ebadf() {
        assert_eq!(file_type(-1), Err(Errno::Badf));
        assert_eq!(status_flags(-1), Err(Errno::Badf));
        let mut bufs = [IoSlice::new(b"x")];
        assert_eq!(
            write_all_vectored(-1, &mut bufs, Blocking::Yes),
            Err(Errno::Badf)
        );
    }
}
