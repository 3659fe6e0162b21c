//! `wasi:cli`: the environment, the standard streams and whether they are terminals, and
//! exit.

use crate::error::{HostError, HostTrap};
use crate::p2::call::{lift_result_discriminant, P2Call};
use crate::p2::streams::{InputStream, OutputStream};
use crate::resources::HostObject;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `wasi:cli/environment` `get-environment`: `KEY=VALUE` pairs, split at the first `=`.
pub fn get_environment(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    let pairs: Vec<(String, String)> = call
        .ctx
        .env()
        .iter()
        .map(|entry| match entry.iter().position(|b| *b == b'=') {
            Some(eq) => (text(&entry[..eq]), text(&entry[eq + 1..])),
            None => (text(entry), String::new()),
        })
        .collect();
    call.store_result(ret, pairs)
}

/// `wasi:cli/environment` `get-arguments`: argv, the program's name first.
pub fn get_arguments(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    let args: Vec<String> = call.ctx.args().iter().map(|a| text(a)).collect();
    call.store_result(ret, args)
}

/// `wasi:cli/environment` `initial-cwd`: none, as under wasmtime (paths are relative to the
/// preopens).
pub fn initial_cwd(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    call.store_result(ret, None::<String>)
}

fn terminal(
    call: &mut P2Call<'_>,
    stream: usize,
    object: HostObject,
    ret: i32,
) -> Result<(), HostError> {
    let handle = if crate::host_fd::is_terminal(call.ctx.stdio[stream]) {
        Some(call.new_own(object)?)
    } else {
        None
    };
    call.store_result(ret, handle)
}

/// `wasi:cli/terminal-stdin` `get-terminal-stdin`: a terminal if stdin is one.
pub fn get_terminal_stdin(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    terminal(call, 0, HostObject::TerminalInput, ret)
}

/// `wasi:cli/terminal-stdout` `get-terminal-stdout`.
pub fn get_terminal_stdout(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    terminal(call, 1, HostObject::TerminalOutput, ret)
}

/// `wasi:cli/terminal-stderr` `get-terminal-stderr`.
pub fn get_terminal_stderr(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    terminal(call, 2, HostObject::TerminalOutput, ret)
}

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
