//! `sock_accept`, `sock_recv`, `sock_send` and `sock_shutdown` on the listening sockets the
//! executable preopens (`--tcp-listen`) and the connections accepted on them.
//!
//! wasmtime's P1 leaves these unimplemented (`notsock` for every descriptor); here they do
//! their job over the WASI 0.2 TCP sockets of `p2::sockets::tcp`. A P1 guest cannot create,
//! bind or connect sockets: it only receives the listeners baked into its executable, so the
//! network it can reach is exactly what its builder allowed. A descriptor that is not a
//! socket is `notsock`; a listener cannot receive, send or shut down (`notconn`, as the host
//! says) and a connection cannot accept (`inval`). A connection is blocking unless accepted
//! with `nonblock` or switched with `fd_fdstat_set_flags`, and then an operation that would
//! wait is `again`.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::host_fd::{self, Blocking};
use crate::memory::GuestMemory;
use crate::p1::fd_table::{Descriptor, Kind, SocketDescriptor};
use crate::p1::iovec::read_iovecs;
use crate::p1::types::{fdflags, flags, rights, sockflags};
use crate::p2::sockets::network::ErrorCode;
use std::io::IoSlice;
use std::os::fd::AsRawFd;

/// The connection behind `fd`, which must have the rights `needed`.
fn stream_with(descriptor: &Descriptor, needed: u64) -> Result<&SocketDescriptor, Errno> {
    match &descriptor.kind {
        Kind::Stream(stream) => {
            descriptor.require(needed)?;
            Ok(stream)
        }
        Kind::Listener(_) => Err(Errno::Notconn),
        Kind::Stdio(_) | Kind::File(_) | Kind::Dir(_) => Err(Errno::Notsock),
    }
}

fn blocking(stream: &SocketDescriptor) -> Blocking {
    if stream.nonblock {
        Blocking::No
    } else {
        Blocking::Yes
    }
}

/// The errno for a WASI 0.2 socket error, for the calls a P1 socket can make.
fn errno(code: ErrorCode) -> Errno {
    match code {
        ErrorCode::WouldBlock => Errno::Again,
        ErrorCode::AccessDenied => Errno::Acces,
        ErrorCode::InvalidArgument => Errno::Inval,
        ErrorCode::InvalidState => Errno::Notconn,
        ErrorCode::OutOfMemory => Errno::Nomem,
        ErrorCode::NewSocketLimit => Errno::Mfile,
        ErrorCode::ConnectionAborted => Errno::Connaborted,
        ErrorCode::ConnectionReset => Errno::Connreset,
        ErrorCode::NotSupported => Errno::Notsup,
        ErrorCode::Timeout => Errno::Timedout,
        _ => Errno::Io,
    }
}

/// Accepts a connection on the listening socket `fd` and writes the new descriptor's number
/// to `accepted`. `flags` may hold `nonblock` only, for the new descriptor.
pub fn sock_accept(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    flags_value: i32,
    accepted: i32,
) -> Result<(), HostError> {
    let flags_bits = flags(flags_value, fdflags::ALL, "fdflags")?;
    let descriptor = ctx.fds.get(fd as u32)?;
    let listener = match &descriptor.kind {
        Kind::Listener(listener) => listener,
        Kind::Stream(_) => return Err(Errno::Inval.into()),
        Kind::Stdio(_) | Kind::File(_) | Kind::Dir(_) => return Err(Errno::Notsock.into()),
    };
    descriptor.require(rights::SOCK_ACCEPT)?;
    if flags_bits & !fdflags::NONBLOCK != 0 {
        return Err(Errno::Inval.into());
    }
    let socket = loop {
        match listener.socket.accept() {
            Err(ErrorCode::WouldBlock) if !listener.nonblock => {
                host_fd::wait_until_ready(listener.socket.as_raw_fd(), libc::POLLIN)?
            }
            other => break other.map_err(errno)?,
        }
    };
    let inheriting = descriptor.inheriting;
    let stream = SocketDescriptor {
        socket,
        nonblock: flags_bits & fdflags::NONBLOCK != 0,
    };
    let new = Descriptor::new(
        Kind::Stream(stream),
        rights::SOCKET_STREAM & inheriting,
        rights::SOCKET_STREAM & inheriting,
    );
    let new_fd = ctx.fds.push(new)?;
    mem.write_u32(accepted as u32, new_fd)
}

/// Receives into the `ri_data_len` buffers at `ri_data` from connection `fd`; writes the byte
/// count to `ro_datalen` (0 once the peer has shut down sending) and the `roflags` (always
/// 0: a stream is never truncated) to `ro_flags`. `ri_flags` may ask to peek and to wait for
/// all the buffers to fill.
pub fn sock_recv(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    ri_data: i32,
    ri_data_len: i32,
    ri_flags: i32,
    ro_datalen: i32,
    ro_flags: i32,
) -> Result<(), HostError> {
    let ri_flags = flags(ri_flags, sockflags::RI_ALL, "riflags")?;
    let stream = stream_with(ctx.fds.get(fd as u32)?, rights::FD_READ)?;
    let iovecs = read_iovecs(mem, ri_data as u32, ri_data_len as u32)?;
    let raw = iovecs
        .iter()
        .map(|iovec| {
            Ok(libc::iovec {
                iov_base: mem.host_ptr(iovec.buf, iovec.len)?.cast(),
                iov_len: iovec.len as usize,
            })
        })
        .collect::<Result<Vec<_>, HostError>>()?;
    let mut host_flags = 0;
    if ri_flags & sockflags::RECV_PEEK != 0 {
        host_flags |= libc::MSG_PEEK;
    }
    if ri_flags & sockflags::RECV_WAITALL != 0 {
        host_flags |= libc::MSG_WAITALL;
    }
    let host_fd = stream.socket.as_raw_fd();
    // SAFETY: every iovec was checked to lie inside `mem`, which this call borrows mutably, so
    // no Rust reference into guest memory is live while the kernel writes to it.
    let count = unsafe { host_fd::recv_vectored(host_fd, &raw, host_flags, blocking(stream)) }?;
    let count = u32::try_from(count).map_err(|_| Errno::Overflow)?;
    mem.write_u32(ro_datalen as u32, count)?;
    mem.write_u16(ro_flags as u32, 0)
}

/// Sends the `si_data_len` buffers at `si_data` on connection `fd`, in order; writes the byte
/// count to `so_datalen`. `si_flags` has no flags.
pub fn sock_send(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    si_data: i32,
    si_data_len: i32,
    si_flags: i32,
    so_datalen: i32,
) -> Result<(), HostError> {
    flags(si_flags, sockflags::SI_ALL, "siflags")?;
    let stream = stream_with(ctx.fds.get(fd as u32)?, rights::FD_WRITE)?;
    let iovecs = read_iovecs(mem, si_data as u32, si_data_len as u32)?;
    let mut bufs = iovecs
        .iter()
        .map(|iovec| mem.slice(iovec.buf, iovec.len).map(IoSlice::new))
        .collect::<Result<Vec<_>, HostError>>()?;
    let host_fd = stream.socket.as_raw_fd();
    let count = host_fd::send_all_vectored(host_fd, &mut bufs, blocking(stream))?;
    let count = u32::try_from(count).map_err(|_| Errno::Overflow)?;
    mem.write_u32(so_datalen as u32, count)
}

/// Shuts down receiving (`how` 1), sending (2) or both (3) on connection `fd`.
pub fn sock_shutdown(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: i32,
    how: i32,
) -> Result<(), HostError> {
    let how = match flags(how, sockflags::SD_ALL, "sdflags")? {
        sockflags::SHUT_RD => std::net::Shutdown::Read,
        sockflags::SHUT_WR => std::net::Shutdown::Write,
        sockflags::SD_ALL => std::net::Shutdown::Both,
        _ => return Err(Errno::Inval.into()),
    };
    let stream = stream_with(ctx.fds.get(fd as u32)?, rights::SOCK_SHUTDOWN)?;
    stream
        .socket
        .shutdown_host(how)
        .map_err(|e| e.raw_os_error().map_or(Errno::Io, Errno::from_host))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    /// A context with a preopened listener on a free loopback port: the context, the
    /// listener's descriptor, its address.
    fn listening_ctx() -> (WasiCtx, i32, std::net::SocketAddr) {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let listener = ctx.preopen_tcp_listener(addr).unwrap() as i32;
        (ctx, listener, addr)
    }

    #[test]
    fn accept_waits_unless_nonblocking() {
        let (mut ctx, listener, addr) = listening_ctx();
        let mut memory = TestMemory::new(64);
        let nonblock = fdflags::NONBLOCK as i32;
        crate::p1::fd::fd_fdstat_set_flags(&mut ctx, &mut memory.guest(), listener, nonblock)
            .unwrap();
        assert_eq!(
            sock_accept(&mut ctx, &mut memory.guest(), listener, 0, 0),
            Err(Errno::Again.into())
        );
        crate::p1::fd::fd_fdstat_set_flags(&mut ctx, &mut memory.guest(), listener, 0).unwrap();
        let client = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            StdStream::connect(addr).unwrap()
        });
        // Blocks until the client connects; the connection is non-blocking as asked.
        sock_accept(&mut ctx, &mut memory.guest(), listener, nonblock, 0).unwrap();
        let _client = client.join().unwrap();
        let conn = memory.u32_at(0) as i32;
        memory.set_u32(16, 32);
        memory.set_u32(20, 8);
        assert_eq!(
            sock_recv(&mut ctx, &mut memory.guest(), conn, 16, 1, 0, 8, 12),
            Err(Errno::Again.into())
        );
    }

    #[test]
    fn accept_recv_send_shutdown_over_loopback() {
        let (mut ctx, listener, addr) = listening_ctx();
        let mut client = StdStream::connect(addr).unwrap();
        client.write_all(b"ping").unwrap();

        let mut memory = TestMemory::new(1024);
        sock_accept(&mut ctx, &mut memory.guest(), listener, 0, 0).unwrap();
        let conn = memory.u32_at(0) as i32;
        // One iovec of 16 bytes at 256.
        memory.set_u32(16, 256);
        memory.set_u32(20, 16);
        sock_recv(&mut ctx, &mut memory.guest(), conn, 16, 1, 1, 8, 12).unwrap();
        assert_eq!(memory.u32_at(8), 4);
        sock_recv(&mut ctx, &mut memory.guest(), conn, 16, 1, 0, 8, 12).unwrap();
        assert_eq!(&memory.bytes()[256..260], b"ping");
        memory.set_bytes(256, b"pong");
        memory.set_u32(20, 4);
        sock_send(&mut ctx, &mut memory.guest(), conn, 16, 1, 0, 8).unwrap();
        sock_shutdown(&mut ctx, &mut memory.guest(), conn, 2).unwrap();
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).unwrap();
        assert_eq!(reply, b"pong");

        assert_eq!(
            sock_recv(&mut ctx, &mut memory.guest(), 1, 16, 1, 0, 8, 12),
            Err(Errno::Notsock.into())
        );
        assert_eq!(
            sock_shutdown(&mut ctx, &mut memory.guest(), listener, 3),
            Err(Errno::Notconn.into())
        );
        assert_eq!(
            sock_shutdown(&mut ctx, &mut memory.guest(), conn, 0),
            Err(Errno::Inval.into())
        );
        assert_eq!(
            sock_accept(&mut ctx, &mut memory.guest(), 0, 0, 0),
            Err(Errno::Notsock.into())
        );
        assert_eq!(
            sock_send(&mut ctx, &mut memory.guest(), conn, 16, 1, 1, 8),
            Err(crate::p1::types::invalid("siflags"))
        );
    }
}
