//! `wasi:cli`: the standard streams and exit (environment and terminals follow).

use crate::error::{HostError, HostTrap};
use crate::p2::call::{lift_result_discriminant, P2Call};
use crate::p2::streams::{InputStream, OutputStream};
use crate::resources::HostObject;

/// `wasi:cli/stdin` `get-stdin`.
pub fn get_stdin(call: &mut P2Call<'_>) -> Result<i32, HostError> {
    let fd = call.ctx.stdio[0];
    Ok(call.new_own(HostObject::InputStream(InputStream::Stdio(fd)))? as i32)
}

/// `wasi:cli/stdout` `get-stdout`.
pub fn get_stdout(call: &mut P2Call<'_>) -> Result<i32, HostError> {
    let fd = call.ctx.stdio[1];
    Ok(call.new_own(HostObject::OutputStream(OutputStream::Stdio(fd)))? as i32)
}

/// `wasi:cli/stderr` `get-stderr`.
pub fn get_stderr(call: &mut P2Call<'_>) -> Result<i32, HostError> {
    let fd = call.ctx.stdio[2];
    Ok(call.new_own(HostObject::OutputStream(OutputStream::Stdio(fd)))? as i32)
}

/// `wasi:cli/exit` `exit`: status 0 for `ok`, 1 for `err`, as wasmtime exits.
pub fn exit(_call: &mut P2Call<'_>, status: i32) -> Result<(), HostError> {
    let code = match lift_result_discriminant(status)? {
        Ok(()) => 0,
        Err(()) => 1,
    };
    Err(HostTrap::Exit(code).into())
}

/// `wasi:cli/exit` `exit-with-code`: the `u8` status (the flattened `i32`'s low byte, as the
/// canonical ABI lifts a `u8`).
pub fn exit_with_code(_call: &mut P2Call<'_>, status_code: i32) -> Result<(), HostError> {
    Err(HostTrap::Exit(status_code & 0xff).into())
}
