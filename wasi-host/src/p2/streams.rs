//! `wasi:io/streams` and `wasi:io/error`: byte streams over host descriptors, and the error
//! objects their failures carry.
//!
//! Output goes straight to the host descriptor (no buffering), as P1's `fd_write` does, so
//! `flush` has nothing to do and nothing is lost when the guest exits or traps.

use crate::error::{HostError, HostTrap};
use crate::host_fd::{self, Blocking};
use crate::p2::call::P2Call;
use crate::resources::{HostKind, HostObject};
use std::os::fd::RawFd;

/// How many bytes `check-write` permits at once.
const WRITE_BUDGET: u64 = 1 << 20;
/// The most `blocking-write-and-flush` takes in one call (the WIT's contract).
const BLOCKING_WRITE_MAX: u32 = 4096;

/// An `output-stream`.
#[derive(Debug)]
pub enum OutputStream {
    /// Stdout or stderr: the host descriptor, borrowed from the process.
    Stdio(RawFd),
}

/// An `input-stream`.
#[derive(Debug)]
pub enum InputStream {
    /// Stdin: the host descriptor, borrowed from the process.
    Stdio(RawFd),
}

/// An `error`: what a failed stream operation reports.
#[derive(Debug)]
pub struct IoError {
    /// `to-debug-string`.
    pub message: String,
}

/// A `stream-error`.
enum StreamError {
    LastOperationFailed(IoError),
    Closed,
}

fn output_fd(call: &mut P2Call<'_>, this: i32) -> Result<RawFd, HostError> {
    match call.object(this as u32, HostKind::OutputStream)? {
        HostObject::OutputStream(OutputStream::Stdio(fd)) => Ok(*fd),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// Stores `result<T, stream-error>` at `ret`, where `T` (if any) is written by `ok` at the
/// payload offset. The payload is at 8 for a `u64` result, else 4.
fn store_result(
    call: &mut P2Call<'_>,
    ret: i32,
    payload_align: u32,
    result: Result<Option<u64>, StreamError>,
) -> Result<(), HostError> {
    let ret = ret as u32;
    call.check_ret(ret, payload_align)?;
    let payload = ret + payload_align;
    match result {
        Ok(value) => {
            call.store_u8(ret, 0)?;
            if let Some(value) = value {
                call.store_u64(payload, value)?;
            }
        }
        Err(StreamError::Closed) => {
            call.store_u8(ret, 1)?;
            call.store_u8(payload, 1)?;
        }
        Err(StreamError::LastOperationFailed(error)) => {
            let handle = call.new_own(HostObject::IoError(error))?;
            call.store_u8(ret, 1)?;
            call.store_u8(payload, 0)?;
            call.store_u32(payload + 4, handle)?;
        }
    }
    Ok(())
}

fn write(fd: RawFd, bytes: &[u8]) -> Result<Option<u64>, StreamError> {
    match host_fd::write_all(fd, bytes, Blocking::Yes) {
        Ok(_) => Ok(None),
        Err(crate::error::Errno::Pipe) => Err(StreamError::Closed),
        Err(errno) => Err(StreamError::LastOperationFailed(IoError {
            message: errno.to_string(),
        })),
    }
}

/// `[method]output-stream.check-write`: how many bytes `write` may take now.
pub fn output_stream_check_write(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    output_fd(call, this)?;
    store_result(call, ret, 8, Ok(Some(WRITE_BUDGET)))
}

/// `[method]output-stream.write`: writes `contents`, at most what `check-write` permitted.
pub fn output_stream_write(
    call: &mut P2Call<'_>,
    this: i32,
    contents: i32,
    contents_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let fd = output_fd(call, this)?;
    if contents_len as u32 as u64 > WRITE_BUDGET {
        return Err(
            HostTrap::Canon("output-stream.write of more than check-write permitted").into(),
        );
    }
    let bytes = call
        .mem
        .slice(contents as u32, contents_len as u32)?
        .to_vec();
    let result = write(fd, &bytes);
    store_result(call, ret, 4, result)
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
    let fd = output_fd(call, this)?;
    if contents_len as u32 > BLOCKING_WRITE_MAX {
        return Err(HostTrap::Canon(
            "output-stream.blocking-write-and-flush of more than 4096 bytes",
        )
        .into());
    }
    let result = write(fd, call.mem.slice(contents as u32, contents_len as u32)?);
    store_result(call, ret, 4, result)
}

/// `[method]output-stream.flush`: output is never buffered, so there is nothing to do.
pub fn output_stream_flush(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    output_fd(call, this)?;
    store_result(call, ret, 4, Ok(None))
}

/// `[method]output-stream.blocking-flush`: as `flush`.
pub fn output_stream_blocking_flush(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    output_stream_flush(call, this, ret)
}
