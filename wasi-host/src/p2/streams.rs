//! `wasi:io/streams` and `wasi:io/error`: byte streams over host descriptors, and the error
//! objects their failures carry.
//!
//! Output goes straight to the host descriptor (no buffering), as P1's `fd_write` does, so
//! `flush` has nothing to do and nothing is lost when the guest exits or traps. File streams
//! (`read-via-stream`, `write-via-stream`, `append-via-stream`) hold their own duplicate of the
//! file's descriptor and their own position. A read at the end of a stream, or a write to a
//! closed pipe, is the `closed` stream error; any other failure is `last-operation-failed`
//! with an `error` whose `filesystem-error-code` tells what failed, and closes the stream for
//! good (every later operation is `closed`).

use crate::error::{Errno, HostError, HostTrap};
use crate::host_fd::{self, Blocking};
use crate::p2::call::P2Call;
use crate::p2::filesystem::ErrorCode;
use crate::p2::http::body::{IncomingReader, OutgoingWriter};
use crate::p2::poll::Pollable;
use crate::p2::sockets::tcp::{TcpReader, TcpWriter};
use crate::p2::values::{store_two_cases, Bytes, Store};
use crate::resources::{HostKind, HostObject};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// How many bytes `check-write` permits at once.
const WRITE_BUDGET: u64 = 1 << 20;
/// The most `blocking-write-and-flush` takes in one call (the WIT's contract).
const BLOCKING_WRITE_MAX: u64 = 4096;
/// The most one read returns, whatever the guest asks for.
const READ_MAX: u64 = 1 << 20;

/// An `output-stream`.
#[derive(Debug)]
pub enum OutputStream {
    /// Stdout or stderr: the host descriptor, borrowed from the process.
    Stdio(RawFd),
    /// A file, written at `offset` and on (`write-via-stream`).
    File {
        /// A duplicate of the file's descriptor.
        fd: OwnedFd,
        /// Where the next write goes.
        offset: u64,
    },
    /// A file, every write at its end (`append-via-stream`).
    Append(OwnedFd),
    /// A TCP connection.
    Tcp(TcpWriter),
    /// The body of an HTTP request or response the guest sends.
    HttpBody(OutgoingWriter),
    /// A stream whose last operation failed: closed for good, as the WIT says.
    Failed,
}

/// An `input-stream`.
#[derive(Debug)]
pub enum InputStream {
    /// Stdin: the host descriptor, borrowed from the process.
    Stdio(RawFd),
    /// A file, read from `offset` on (`read-via-stream`).
    File {
        /// A duplicate of the file's descriptor.
        fd: OwnedFd,
        /// Where the next read starts.
        offset: u64,
    },
    /// A TCP connection.
    Tcp(TcpReader),
    /// The body of an HTTP request or response the guest received.
    HttpBody(IncomingReader),
    /// A stream whose last operation failed: closed for good, as the WIT says.
    Failed,
}

/// An `error`: what a failed operation reports.
#[derive(Debug, Clone)]
pub struct IoError {
    /// The error as the filesystem names it.
    pub code: ErrorCode,
    /// The error as `wasi:sockets` names it, for a socket's stream.
    pub network: Option<crate::p2::sockets::network::ErrorCode>,
    /// The error as `wasi:http` names it, for a body's stream.
    pub http: Option<crate::p2::http::error::ErrorCode>,
}

impl IoError {
    /// The error of a file's stream, from its WASI errno.
    pub(crate) fn file(errno: Errno) -> IoError {
        IoError {
            code: ErrorCode::from_errno(errno),
            network: None,
            http: None,
        }
    }

    /// The error of a socket's stream, from the host errno.
    pub(crate) fn socket(errno: i32) -> IoError {
        IoError {
            code: ErrorCode::from_errno(Errno::from_host(errno)),
            network: Some(crate::p2::sockets::network::ErrorCode::from_host(errno)),
            http: None,
        }
    }

    /// The error of an HTTP body's stream.
    pub(crate) fn http(code: crate::p2::http::error::ErrorCode) -> IoError {
        IoError {
            code: ErrorCode::Io,
            network: None,
            http: Some(code),
        }
    }
}

/// A `stream-error`.
pub enum StreamError {
    /// `last-operation-failed`.
    LastOperationFailed(IoError),
    /// `closed`.
    Closed,
}

impl StreamError {
    pub(crate) fn is_failure(&self) -> bool {
        matches!(self, StreamError::LastOperationFailed(_))
    }

    fn from_errno(errno: Errno) -> StreamError {
        match errno {
            Errno::Pipe => StreamError::Closed,
            other => StreamError::LastOperationFailed(IoError::file(other)),
        }
    }
}

/// A `stream-error` after its `error` got a handle.
enum StoredStreamError {
    LastOperationFailed(u32),
    Closed,
}

impl Store for StoredStreamError {
    const SIZE: u32 = 8;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        match self {
            StoredStreamError::LastOperationFailed(handle) => {
                store_two_cases::<u32, ()>(call, ptr, 0, Some(handle), None)
            }
            StoredStreamError::Closed => store_two_cases::<u32, ()>(call, ptr, 1, None, None),
        }
    }
}

/// Stores `result<T, stream-error>` at `ret`, giving the caller an `error` handle first.
#[inline]
fn store<T: Store>(
    call: &mut P2Call<'_>,
    ret: i32,
    result: Result<T, StreamError>,
) -> Result<(), HostError> {
    let stored = match result {
        Ok(v) => Ok(v),
        Err(StreamError::Closed) => Err(StoredStreamError::Closed),
        Err(StreamError::LastOperationFailed(error)) => {
            let handle = call.new_own(HostObject::IoError(error))?;
            Err(StoredStreamError::LastOperationFailed(handle))
        }
    };
    call.store_result(ret, stored)
}

#[inline]
fn output<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut OutputStream, HostError> {
    match call.object(this as u32, HostKind::OutputStream)? {
        HostObject::OutputStream(stream) => Ok(stream),
        _ => unreachable!("the handle table checked the kind"),
    }
}

fn input<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut InputStream, HostError> {
    match call.object(this as u32, HostKind::InputStream)? {
        HostObject::InputStream(stream) => Ok(stream),
        _ => unreachable!("the handle table checked the kind"),
    }
}

impl OutputStream {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> Result<(), StreamError> {
        let written = match self {
            OutputStream::Stdio(fd) => host_fd::write_all(*fd, bytes, Blocking::Yes),
            OutputStream::Append(fd) => append_all(fd.as_raw_fd(), bytes),
            OutputStream::Failed => return Err(StreamError::Closed),
            OutputStream::Tcp(_) => return fail_on_error(self, |s| tcp_out(s).write(bytes)),
            OutputStream::HttpBody(body) => return body.write(bytes),
            OutputStream::File { fd, offset } => {
                let mut bufs = [std::io::IoSlice::new(bytes)];
                let n = host_fd::pwrite_all_vectored(fd.as_raw_fd(), &mut bufs, *offset);
                if let Ok(n) = n {
                    *offset += n as u64;
                }
                n
            }
        };
        match written {
            Ok(n) if n == bytes.len() => Ok(()),
            Ok(_) => Err(StreamError::Closed),
            Err(errno) => {
                let error = StreamError::from_errno(errno);
                if error.is_failure() {
                    *self = OutputStream::Failed;
                }
                Err(error)
            }
        }
    }

    /// How many bytes `write` may take now: a failed stream is closed.
    fn check_write(&mut self) -> Result<u64, StreamError> {
        match self {
            OutputStream::Failed => Err(StreamError::Closed),
            OutputStream::Tcp(_) => fail_on_error(self, |s| tcp_out(s).check_write()),
            OutputStream::HttpBody(body) => body.check_write(),
            _ => Ok(WRITE_BUDGET),
        }
    }

    /// Uses `len` bytes of what `check-write` permitted, for the streams that count it
    /// (writing more traps, as the WIT says).
    fn take_permit(&mut self, len: u64) -> Result<(), HostTrap> {
        match self {
            OutputStream::Tcp(tcp) => tcp.take_permit(len),
            OutputStream::HttpBody(body) => body.take_permit(len),
            _ => Ok(()),
        }
    }

    /// Flushes what the stream holds (only a connection holds anything); `blocking` waits
    /// until it is gone.
    fn flush(&mut self, blocking: bool) -> Result<(), StreamError> {
        match self {
            OutputStream::Failed => Err(StreamError::Closed),
            OutputStream::Tcp(_) => fail_on_error(self, |s| tcp_out(s).flush(blocking)),
            OutputStream::HttpBody(body) => body.flush(blocking),
            _ => Ok(()),
        }
    }

    fn pollable(&self) -> Pollable {
        match self {
            OutputStream::Tcp(tcp) => tcp.pollable(),
            OutputStream::HttpBody(body) => body.pollable(),
            OutputStream::Stdio(fd) => Pollable::Writable(*fd),
            OutputStream::File { .. } | OutputStream::Append(_) | OutputStream::Failed => {
                Pollable::Ready
            }
        }
    }
}

/// The connection of a stream known to be one.
fn tcp_out(stream: &mut OutputStream) -> &mut TcpWriter {
    match stream {
        OutputStream::Tcp(tcp) => tcp,
        _ => unreachable!("called on a TCP stream"),
    }
}

/// Runs `op` on `stream`; a failure (not a close) fails the stream for good.
fn fail_on_error<T>(
    stream: &mut OutputStream,
    op: impl FnOnce(&mut OutputStream) -> Result<T, StreamError>,
) -> Result<T, StreamError> {
    let result = op(stream);
    if matches!(&result, Err(e) if e.is_failure()) {
        *stream = OutputStream::Failed;
    }
    result
}

/// Appends every byte of `bytes` to the file `fd`, each write at the end of the file as it is
/// then (`pwritev2` with `RWF_APPEND`): per write, not through `O_APPEND`, which would also
/// change every other descriptor sharing the open file.
fn append_all(fd: RawFd, mut bytes: &[u8]) -> Result<usize, Errno> {
    let total = bytes.len();
    while !bytes.is_empty() {
        let iov = libc::iovec {
            iov_base: bytes.as_ptr() as *mut libc::c_void,
            iov_len: bytes.len(),
        };
        // SAFETY: the iovec describes `bytes`, live for the call; the kernel only reads it.
        let written = unsafe { libc::pwritev2(fd, &iov, 1, -1, libc::RWF_APPEND) };
        match usize::try_from(written) {
            Ok(0) => break,
            Ok(n) => bytes = &bytes[n..],
            Err(_) if crate::error::last_host_errno() == libc::EINTR => {}
            Err(_) => return Err(Errno::last_host_error()),
        }
    }
    Ok(total - bytes.len())
}

/// Reads at most `len` bytes from `fd` (at `offset` if given); empty at end of stream.
fn read_fd(fd: RawFd, len: u64, offset: Option<u64>, blocking: Blocking) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len.min(READ_MAX) as usize];
    let iov = [libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    }];
    // SAFETY: the iovec describes `buf`, which nothing else references during the call.
    let n = unsafe {
        match offset {
            Some(offset) => host_fd::pread_vectored(fd, &iov, offset),
            None => host_fd::read_vectored(fd, &iov, blocking),
        }
    }?;
    buf.truncate(n);
    Ok(buf)
}

impl InputStream {
    /// Reads at most `len` bytes; `blocking` waits for at least one.
    fn read(&mut self, len: u64, blocking: bool) -> Result<Vec<u8>, StreamError> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let data = match self {
            InputStream::HttpBody(body) => return body.read(len, blocking),
            InputStream::Tcp(tcp) => {
                let result = tcp.read(len, blocking);
                if matches!(&result, Err(e) if e.is_failure()) {
                    *self = InputStream::Failed;
                }
                return result;
            }
            InputStream::Stdio(fd) => {
                if !blocking && !crate::p2::poll::is_ready(Pollable::Readable(*fd)) {
                    return Ok(Vec::new());
                }
                read_fd(*fd, len, None, Blocking::Yes)
            }
            InputStream::File { fd, offset } => {
                let data = read_fd(fd.as_raw_fd(), len, Some(*offset), Blocking::Yes);
                if let Ok(data) = &data {
                    *offset += data.len() as u64;
                }
                data
            }
            InputStream::Failed => return Err(StreamError::Closed),
        };
        let data = match data {
            Ok(data) => data,
            Err(errno) => {
                let error = StreamError::from_errno(errno);
                if error.is_failure() {
                    *self = InputStream::Failed;
                }
                return Err(error);
            }
        };
        if data.is_empty() {
            return Err(StreamError::Closed);
        }
        Ok(data)
    }

    fn pollable(&self) -> Pollable {
        match self {
            InputStream::Stdio(fd) => Pollable::Readable(*fd),
            InputStream::Tcp(tcp) => tcp.pollable(),
            InputStream::HttpBody(body) => body.pollable(),
            InputStream::File { .. } | InputStream::Failed => Pollable::Ready,
        }
    }
}

/// `[method]input-stream.read`: what is available now, at most `len` bytes.
pub fn input_stream_read(
    call: &mut P2Call<'_>,
    this: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = input(call, this)?.read(len as u64, false).map(Bytes);
    store(call, ret, result)
}

/// `[method]input-stream.blocking-read`: waits until at least one byte (or the end) is there.
pub fn input_stream_blocking_read(
    call: &mut P2Call<'_>,
    this: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = input(call, this)?.read(len as u64, true).map(Bytes);
    store(call, ret, result)
}

/// `[method]input-stream.skip`: reads and discards at most `len` bytes.
pub fn input_stream_skip(
    call: &mut P2Call<'_>,
    this: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = input(call, this)?
        .read(len as u64, false)
        .map(|d| d.len() as u64);
    store(call, ret, result)
}

/// `[method]input-stream.blocking-skip`.
pub fn input_stream_blocking_skip(
    call: &mut P2Call<'_>,
    this: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = input(call, this)?
        .read(len as u64, true)
        .map(|d| d.len() as u64);
    store(call, ret, result)
}

/// `[method]input-stream.subscribe`: ready when a read would not block.
pub fn input_stream_subscribe(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let pollable = input(call, this)?.pollable();
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

/// `[method]output-stream.check-write`: how many bytes `write` may take now.
pub fn output_stream_check_write(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = output(call, this)?.check_write();
    store(call, ret, result)
}

/// `[method]output-stream.write`: writes `contents`, at most what `check-write` permitted.
pub fn output_stream_write(
    call: &mut P2Call<'_>,
    this: i32,
    contents: i32,
    contents_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    if contents_len as u32 as u64 > WRITE_BUDGET {
        return Err(
            HostTrap::canon("output-stream.write of more than check-write permitted").into(),
        );
    }
    let bytes = call
        .mem
        .slice(contents as u32, contents_len as u32)?
        .to_vec();
    let stream = output(call, this)?;
    stream.take_permit(bytes.len() as u64)?;
    let result = stream.write(&bytes);
    store(call, ret, result)
}

/// `[method]output-stream.blocking-write-and-flush`: writes at most 4096 bytes and waits
/// until they are written.
pub fn output_stream_blocking_write_and_flush(
    call: &mut P2Call<'_>,
    this: i32,
    contents: i32,
    contents_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    if contents_len as u32 as u64 > BLOCKING_WRITE_MAX {
        return Err(HostTrap::canon(
            "output-stream.blocking-write-and-flush of more than 4096 bytes",
        )
        .into());
    }
    // Borrow the guest bytes in place: no copy on the hot path.
    let mem = call.mem;
    let bytes = mem.slice(contents as u32, contents_len as u32)?;
    let stream = output(call, this)?;
    let result = stream.write(bytes).and_then(|()| stream.flush(true));
    store(call, ret, result)
}

/// `[method]output-stream.flush`: starts sending what a connection holds (other streams
/// hold nothing).
pub fn output_stream_flush(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let result = output(call, this)?.flush(false);
    store(call, ret, result)
}

/// `[method]output-stream.blocking-flush`: as `flush`, waiting until it is sent.
pub fn output_stream_blocking_flush(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = output(call, this)?.flush(true);
    store(call, ret, result)
}

/// `[method]output-stream.subscribe`: ready when a write would not block.
pub fn output_stream_subscribe(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let pollable = output(call, this)?.pollable();
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

/// `[method]output-stream.write-zeroes`: writes `len` zero bytes.
pub fn output_stream_write_zeroes(
    call: &mut P2Call<'_>,
    this: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    if len as u64 > WRITE_BUDGET {
        return Err(HostTrap::canon(
            "output-stream.write-zeroes of more than check-write permitted",
        )
        .into());
    }
    let zeroes = vec![0u8; len as u64 as usize];
    let stream = output(call, this)?;
    stream.take_permit(len as u64)?;
    let result = stream.write(&zeroes);
    store(call, ret, result)
}

/// `[method]output-stream.blocking-write-zeroes-and-flush`: at most 4096 zero bytes.
pub fn output_stream_blocking_write_zeroes_and_flush(
    call: &mut P2Call<'_>,
    this: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    if len as u64 > BLOCKING_WRITE_MAX {
        return Err(HostTrap::canon(
            "output-stream.blocking-write-zeroes-and-flush of more than 4096 bytes",
        )
        .into());
    }
    let zeroes = vec![0u8; len as u64 as usize];
    let stream = output(call, this)?;
    let result = stream.write(&zeroes).and_then(|()| stream.flush(true));
    store(call, ret, result)
}

/// Reads from `src` and writes what it read to `this`: `splice`.
fn splice(
    call: &mut P2Call<'_>,
    this: i32,
    src: i32,
    len: i64,
    blocking: bool,
) -> Result<Result<u64, StreamError>, HostError> {
    output(call, this)?;
    let data = match input(call, src)?.read((len as u64).min(WRITE_BUDGET), blocking) {
        Ok(data) => data,
        Err(e) => return Ok(Err(e)),
    };
    Ok(output(call, this)?.write(&data).map(|()| data.len() as u64))
}

/// `[method]output-stream.splice`: moves what `src` has now, at most `len` bytes.
pub fn output_stream_splice(
    call: &mut P2Call<'_>,
    this: i32,
    src: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = splice(call, this, src, len, false)?;
    store(call, ret, result)
}

/// `[method]output-stream.blocking-splice`: as `splice`, waiting for input.
pub fn output_stream_blocking_splice(
    call: &mut P2Call<'_>,
    this: i32,
    src: i32,
    len: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = splice(call, this, src, len, true)?;
    store(call, ret, result)
}

/// `wasi:io/error` `[method]error.to-debug-string`.
pub fn error_to_debug_string(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let message = match call.object(this as u32, HostKind::IoError)? {
        HostObject::IoError(error) => format!("{:?}", error.code),
        _ => unreachable!("the handle table checked the kind"),
    };
    call.store_result(ret, message)
}
