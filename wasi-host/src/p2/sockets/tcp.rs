//! `wasi:sockets/tcp` and `tcp-create-socket`: TCP sockets through the WIT's state machine
//! (unbound, bound, listening, connecting, connected, closed), and the byte streams of a
//! connection.
//!
//! Every host socket is non-blocking; the guest waits through pollables. `start-*` does the
//! work (bind, a non-blocking connect, listen) and `finish-*` reports it, as wasmtime does: a
//! connect finishes when the socket becomes writable, with the error the kernel kept
//! (`SO_ERROR`). IPv6 sockets are IPv6-only; binding sets `SO_REUSEADDR`, so a server can be
//! restarted while old connections linger; sends never raise `SIGPIPE`. A connection's
//! streams share its socket with the `tcp-socket`, which stays open until all three are
//! dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use socket2::{Socket, Type};

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::poll::Pollable;
use crate::p2::sockets::addr::{self, lift_socket_address};
use crate::p2::sockets::network::{check_network, ErrorCode, Family};
use crate::p2::sockets::options;
use crate::p2::sockets::policy::NetUse;
use crate::p2::streams::{InputStream, IoError, OutputStream, StreamError};
use crate::resources::{HostKind, HostObject};

/// The backlog `listen` uses unless the guest sets one (wasmtime's).
const DEFAULT_BACKLOG: i32 = 128;
/// How many bytes a connection's output stream takes before its data has gone out.
const WRITE_BUDGET: u64 = 64 * 1024;
/// Linux's limits for the keep-alive options.
const MAX_KEEPALIVE_SECS: u64 = i16::MAX as u64;
const MAX_KEEPALIVE_COUNT: u32 = 127;

/// Where a socket is in the WIT's state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Unbound,
    BindStarted,
    Bound,
    ListenStarted,
    Listening,
    Connecting,
    Connected,
    Closed,
}

/// A `tcp-socket`.
#[derive(Debug)]
pub struct TcpSocket {
    socket: Arc<Socket>,
    family: Family,
    state: State,
    backlog: i32,
}

impl TcpSocket {
    fn new(family: Family) -> Result<TcpSocket, ErrorCode> {
        Ok(TcpSocket {
            socket: Arc::new(options::new_socket(family, Type::STREAM)?),
            family,
            state: State::Unbound,
            backlog: DEFAULT_BACKLOG,
        })
    }

    /// A listening socket from `listener`: P1's preopened listeners (`--tcp-listen`), bound
    /// by the runtime with std's settings before the guest starts.
    pub(crate) fn from_listener(listener: std::net::TcpListener) -> std::io::Result<TcpSocket> {
        let family = match listener.local_addr()? {
            SocketAddr::V4(_) => Family::Ipv4,
            SocketAddr::V6(_) => Family::Ipv6,
        };
        let socket = Socket::from(listener);
        socket.set_nonblocking(true)?;
        Ok(TcpSocket {
            socket: Arc::new(socket),
            family,
            state: State::Listening,
            backlog: DEFAULT_BACKLOG,
        })
    }

    /// Another handle to the same host socket, in the same state (as `dup` makes one): it
    /// stays open while either is.
    pub(crate) fn share(&self) -> TcpSocket {
        TcpSocket {
            socket: self.socket.clone(),
            family: self.family,
            state: self.state,
            backlog: self.backlog,
        }
    }

    fn fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&*self.socket)
    }

    /// The error for starting an operation in the current state: another one is in
    /// progress, or the state does not allow it.
    fn busy_or_invalid(&self) -> ErrorCode {
        match self.state {
            State::BindStarted | State::ListenStarted | State::Connecting => {
                ErrorCode::ConcurrencyConflict
            }
            _ => ErrorCode::InvalidState,
        }
    }

    fn start_bind(&mut self, addr: SocketAddr) -> Result<(), ErrorCode> {
        if self.state != State::Unbound {
            return Err(self.busy_or_invalid());
        }
        self.socket.set_reuse_address(true)?;
        self.socket
            .bind(&addr.into())
            .map_err(|e| match e.raw_os_error() {
                // Linux reports a port it cannot give as `EADDRINUSE` and an address that is not
                // the host's as `EADDRNOTAVAIL`, as the WIT names them.
                Some(libc::EADDRINUSE) => ErrorCode::AddressInUse,
                Some(libc::EADDRNOTAVAIL) => ErrorCode::AddressNotBindable,
                _ => ErrorCode::from(e),
            })?;
        self.state = State::BindStarted;
        Ok(())
    }

    fn start_connect(&mut self, addr: SocketAddr) -> Result<(), ErrorCode> {
        if !matches!(self.state, State::Unbound | State::Bound) {
            return Err(self.busy_or_invalid());
        }
        match self.socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => {
                self.state = State::Closed;
                return Err(ErrorCode::from(e));
            }
        }
        self.state = State::Connecting;
        Ok(())
    }

    /// The connection's result, once the connect is done: `would-block` before.
    fn finish_connect(&mut self) -> Result<(), ErrorCode> {
        if self.state != State::Connecting {
            return Err(ErrorCode::NotInProgress);
        }
        if !crate::p2::poll::is_ready(Pollable::Writable(self.fd())) {
            return Err(ErrorCode::WouldBlock);
        }
        let failure = match self.socket.take_error() {
            Ok(None) => match self.socket.peer_addr() {
                Ok(_) => None,
                Err(e) => Some(ErrorCode::from(e)),
            },
            Ok(Some(e)) | Err(e) => Some(ErrorCode::from(e)),
        };
        match failure {
            None => {
                self.state = State::Connected;
                Ok(())
            }
            Some(code) => {
                self.state = State::Closed;
                Err(code)
            }
        }
    }

    fn start_listen(&mut self) -> Result<(), ErrorCode> {
        if self.state != State::Bound {
            return Err(self.busy_or_invalid());
        }
        self.socket.listen(self.backlog)?;
        self.state = State::ListenStarted;
        Ok(())
    }

    /// A connection from the backlog, non-blocking; `would-block` when there is none.
    pub(crate) fn accept(&self) -> Result<TcpSocket, ErrorCode> {
        if self.state != State::Listening {
            return Err(ErrorCode::InvalidState);
        }
        loop {
            match self.socket.accept() {
                Ok((socket, _)) => {
                    socket.set_nonblocking(true)?;
                    return Ok(TcpSocket {
                        socket: Arc::new(socket),
                        family: self.family,
                        state: State::Connected,
                        backlog: DEFAULT_BACKLOG,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // A connection the peer reset before it was accepted: take the next.
                Err(e) if e.raw_os_error() == Some(libc::ECONNABORTED) => {}
                Err(e) => return Err(ErrorCode::from(e)),
            }
        }
    }

    fn set_listen_backlog_size(&mut self, value: u64) -> Result<(), ErrorCode> {
        if value == 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        let backlog = value.min(i32::MAX as u64) as i32;
        match self.state {
            State::Connecting | State::Connected | State::Closed => Err(ErrorCode::InvalidState),
            State::Listening => {
                self.socket.listen(backlog)?;
                self.backlog = backlog;
                Ok(())
            }
            _ => {
                self.backlog = backlog;
                Ok(())
            }
        }
    }

    fn local_address(&self) -> Result<SocketAddr, ErrorCode> {
        match self.state {
            State::Unbound | State::BindStarted => Err(ErrorCode::InvalidState),
            _ => options::local_address(&self.socket),
        }
    }

    fn remote_address(&self) -> Result<SocketAddr, ErrorCode> {
        match self.state {
            State::Connected => options::remote_address(&self.socket),
            _ => Err(ErrorCode::InvalidState),
        }
    }

    /// Shuts down one direction of a connection, or both, as the WIT says: a direction the
    /// peer closed first is no error.
    fn shutdown(&self, how: std::net::Shutdown) -> Result<(), ErrorCode> {
        if self.state != State::Connected {
            return Err(ErrorCode::InvalidState);
        }
        match self.shutdown_host(how) {
            // The peer went first: the direction is closed already.
            Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => Ok(()),
            other => Ok(other?),
        }
    }

    /// `shutdown(2)` itself, with the host's error: P1's `sock_shutdown`.
    pub(crate) fn shutdown_host(&self, how: std::net::Shutdown) -> std::io::Result<()> {
        self.socket.shutdown(how)
    }

    fn pollable(&self) -> Pollable {
        match self.state {
            State::Connecting => Pollable::Writable(self.fd()),
            State::Listening => Pollable::Readable(self.fd()),
            _ => Pollable::Ready,
        }
    }

    fn streams(&self) -> (InputStream, OutputStream) {
        (
            InputStream::Tcp(TcpReader {
                socket: self.socket.clone(),
            }),
            OutputStream::Tcp(TcpWriter {
                socket: self.socket.clone(),
                pending: Vec::new(),
                permitted: 0,
            }),
        )
    }
}

impl std::os::fd::AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd()
    }
}

/// The `input-stream` of a connection.
#[derive(Debug)]
pub struct TcpReader {
    socket: Arc<Socket>,
}

/// The `output-stream` of a connection: what the socket did not take yet waits in `pending`
/// and goes out on the next write, flush or check.
#[derive(Debug)]
pub struct TcpWriter {
    socket: Arc<Socket>,
    pending: Vec<u8>,
    /// What the last `check-write` permitted and `write` has not used.
    permitted: u64,
}

/// The stream error for a host errno: a peer that went away closes the stream.
fn stream_error(e: std::io::Error) -> StreamError {
    let errno = e.raw_os_error().unwrap_or(libc::EIO);
    match errno {
        libc::EPIPE => StreamError::Closed,
        _ => StreamError::LastOperationFailed(IoError::socket(errno)),
    }
}

impl TcpReader {
    /// Reads at most `len` bytes, what is there now (`blocking`: at least one byte); empty
    /// when nothing is, and `closed` at the end of the stream.
    pub(crate) fn read(&self, len: u64, blocking: bool) -> Result<Vec<u8>, StreamError> {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&*self.socket);
        let mut buf = vec![0u8; len.min(1 << 20) as usize];
        loop {
            // SAFETY: `buf` is valid for `buf.len()` bytes and nothing else references it.
            let n =
                unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
            if n > 0 {
                buf.truncate(n as usize);
                return Ok(buf);
            }
            if n == 0 {
                return Err(StreamError::Closed);
            }
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => {}
                Some(libc::EAGAIN) if blocking => {
                    let _ = crate::p2::poll::poll(&[Pollable::Readable(fd)]);
                }
                Some(libc::EAGAIN) => return Ok(Vec::new()),
                _ => return Err(stream_error(e)),
            }
        }
    }

    /// Ready when a read would return something (or the end).
    pub(crate) fn pollable(&self) -> Pollable {
        Pollable::Readable(std::os::fd::AsRawFd::as_raw_fd(&*self.socket))
    }
}

impl TcpWriter {
    /// Sends what is pending; `blocking` waits until all of it is gone.
    fn push(&mut self, blocking: bool) -> Result<(), StreamError> {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&*self.socket);
        while !self.pending.is_empty() {
            // SAFETY: `pending` is valid for its length; the kernel only reads it.
            let n = unsafe {
                libc::send(
                    fd,
                    self.pending.as_ptr().cast(),
                    self.pending.len(),
                    libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
                )
            };
            if n >= 0 {
                self.pending.drain(..n as usize);
                continue;
            }
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => {}
                Some(libc::EAGAIN) if blocking => {
                    let _ = crate::p2::poll::poll(&[Pollable::Writable(fd)]);
                }
                Some(libc::EAGAIN) => return Ok(()),
                _ => {
                    self.pending.clear();
                    return Err(stream_error(e));
                }
            }
        }
        Ok(())
    }

    /// How much `write` may take now: nothing while earlier data is still going out.
    pub(crate) fn check_write(&mut self) -> Result<u64, StreamError> {
        self.push(false)?;
        self.permitted = if self.pending.is_empty() {
            WRITE_BUDGET
        } else {
            0
        };
        Ok(self.permitted)
    }

    /// Uses `len` bytes of what `check-write` permitted: writing more traps, as the WIT says
    /// (and wasmtime does).
    pub(crate) fn take_permit(&mut self, len: u64) -> Result<(), HostTrap> {
        if len > self.permitted {
            return Err(HostTrap::canon(format!(
                "output-stream.write of {len} bytes, more than check-write permitted"
            )));
        }
        self.permitted -= len;
        Ok(())
    }

    /// Queues `bytes` and sends what the socket takes now.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), StreamError> {
        self.pending.extend_from_slice(bytes);
        self.push(false)
    }

    /// Sends what is pending; `blocking` waits until it is all gone.
    pub(crate) fn flush(&mut self, blocking: bool) -> Result<(), StreamError> {
        self.push(blocking)
    }

    /// Ready when `check-write` would permit a write.
    pub(crate) fn pollable(&self) -> Pollable {
        if self.pending.is_empty() {
            Pollable::Ready
        } else {
            Pollable::Writable(std::os::fd::AsRawFd::as_raw_fd(&*self.socket))
        }
    }
}

impl Drop for TcpWriter {
    fn drop(&mut self) {
        // What the guest wrote but did not flush still goes, as far as it can without
        // waiting.
        let _ = self.push(false);
    }
}

fn socket<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut TcpSocket, HostError> {
    match call.object(this as u32, HostKind::TcpSocket)? {
        HostObject::TcpSocket(socket) => Ok(socket),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `create-tcp-socket`.
pub fn create_tcp_socket(call: &mut P2Call<'_>, family: i32, ret: i32) -> Result<(), HostError> {
    let family = Family::lift(family)?;
    let result = match TcpSocket::new(family) {
        Ok(socket) => Ok(call.new_own(HostObject::TcpSocket(socket))?),
        Err(code) => Err(code),
    };
    call.store_result(ret, result)
}

/// Checks `addr` for the socket and the policy, then runs `op` on the socket.
fn with_address(
    call: &mut P2Call<'_>,
    this: i32,
    network: i32,
    addr: SocketAddr,
    use_: NetUse,
    op: impl FnOnce(&mut TcpSocket, SocketAddr) -> Result<(), ErrorCode>,
) -> Result<Result<(), ErrorCode>, HostError> {
    check_network(call, network)?;
    let family = socket(call, this)?.family;
    let checked = match use_ {
        NetUse::TcpConnect => addr::validate_remote(&addr, family),
        _ => addr::validate(&addr, family),
    };
    if let Err(code) = checked {
        return Ok(Err(code));
    }
    let state = socket(call, this)?.state;
    let allowed_state = match use_ {
        NetUse::TcpConnect => matches!(state, State::Unbound | State::Bound),
        _ => state == State::Unbound,
    };
    if allowed_state && !call.ctx.net.allows(use_, addr) {
        return Ok(Err(ErrorCode::AccessDenied));
    }
    Ok(op(socket(call, this)?, addr))
}

/// `[method]tcp-socket.start-bind`.
#[allow(clippy::too_many_arguments)]
pub fn tcp_socket_start_bind(
    call: &mut P2Call<'_>,
    this: i32,
    network: i32,
    a0: i32,
    a1: i32,
    a2: i32,
    a3: i32,
    a4: i32,
    a5: i32,
    a6: i32,
    a7: i32,
    a8: i32,
    a9: i32,
    a10: i32,
    a11: i32,
    ret: i32,
) -> Result<(), HostError> {
    let addr = lift_socket_address([a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11])?;
    let result = with_address(call, this, network, addr, NetUse::TcpBind, |s, a| {
        s.start_bind(a)
    })?;
    call.store_result(ret, result)
}

/// `[method]tcp-socket.finish-bind`.
pub fn tcp_socket_finish_bind(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = if s.state == State::BindStarted {
        s.state = State::Bound;
        Ok(())
    } else {
        Err(ErrorCode::NotInProgress)
    };
    call.store_result(ret, result)
}

/// `[method]tcp-socket.start-connect`.
#[allow(clippy::too_many_arguments)]
pub fn tcp_socket_start_connect(
    call: &mut P2Call<'_>,
    this: i32,
    network: i32,
    a0: i32,
    a1: i32,
    a2: i32,
    a3: i32,
    a4: i32,
    a5: i32,
    a6: i32,
    a7: i32,
    a8: i32,
    a9: i32,
    a10: i32,
    a11: i32,
    ret: i32,
) -> Result<(), HostError> {
    let addr = lift_socket_address([a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11])?;
    let result = with_address(call, this, network, addr, NetUse::TcpConnect, |s, a| {
        s.start_connect(a)
    })?;
    call.store_result(ret, result)
}

/// `[method]tcp-socket.finish-connect`: the connection's streams.
pub fn tcp_socket_finish_connect(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = match s.finish_connect() {
        Ok(()) => {
            let (input, output) = s.streams();
            let input = call.new_own(HostObject::InputStream(input))?;
            let output = call.new_own(HostObject::OutputStream(output))?;
            Ok((input, output))
        }
        Err(code) => Err(code),
    };
    call.store_result(ret, result)
}

/// `[method]tcp-socket.start-listen`: the bound address must be one the policy lets the
/// guest listen on.
pub fn tcp_socket_start_listen(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = if s.state == State::Bound {
        match options::local_address(&s.socket) {
            Ok(local) if !call.ctx.net.allows(NetUse::TcpListen, local) => {
                Err(ErrorCode::AccessDenied)
            }
            Ok(_) => socket(call, this)?.start_listen(),
            Err(code) => Err(code),
        }
    } else {
        s.start_listen()
    };
    call.store_result(ret, result)
}

/// `[method]tcp-socket.finish-listen`.
pub fn tcp_socket_finish_listen(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = if s.state == State::ListenStarted {
        s.state = State::Listening;
        Ok(())
    } else {
        Err(ErrorCode::NotInProgress)
    };
    call.store_result(ret, result)
}

/// `[method]tcp-socket.accept`: a connection and its streams, or `would-block`.
pub fn tcp_socket_accept(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let result = match socket(call, this)?.accept() {
        Ok(accepted) => {
            let (input, output) = accepted.streams();
            let socket = call.new_own(HostObject::TcpSocket(accepted))?;
            let input = call.new_own(HostObject::InputStream(input))?;
            let output = call.new_own(HostObject::OutputStream(output))?;
            Ok((socket, (input, output)))
        }
        Err(code) => Err(code),
    };
    call.store_result(ret, result.map(|(s, (i, o))| (s, i, o)))
}

/// `[method]tcp-socket.local-address`.
pub fn tcp_socket_local_address(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = socket(call, this)?.local_address();
    call.store_result(ret, result)
}

/// `[method]tcp-socket.remote-address`.
pub fn tcp_socket_remote_address(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = socket(call, this)?.remote_address();
    call.store_result(ret, result)
}

/// `[method]tcp-socket.is-listening`.
pub fn tcp_socket_is_listening(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    Ok((socket(call, this)?.state == State::Listening) as i32)
}

/// `[method]tcp-socket.address-family`.
pub fn tcp_socket_address_family(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    Ok(socket(call, this)?.family as i32)
}

/// `[method]tcp-socket.set-listen-backlog-size`.
pub fn tcp_socket_set_listen_backlog_size(
    call: &mut P2Call<'_>,
    this: i32,
    value: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = socket(call, this)?.set_listen_backlog_size(value as u64);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.keep-alive-enabled`.
pub fn tcp_socket_keep_alive_enabled(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = socket(call, this)?
        .socket
        .keepalive()
        .map_err(ErrorCode::from);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.set-keep-alive-enabled`.
pub fn tcp_socket_set_keep_alive_enabled(
    call: &mut P2Call<'_>,
    this: i32,
    value: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = socket(call, this)?
        .socket
        .set_keepalive(value != 0)
        .map_err(ErrorCode::from);
    call.store_result(ret, result)
}

/// A keep-alive time option in nanoseconds (the kernel keeps whole seconds).
fn keepalive_time(s: &TcpSocket, option: libc::c_int) -> Result<u64, ErrorCode> {
    Ok(options::tcp_option(&s.socket, option)? as u64 * 1_000_000_000)
}

/// Sets a keep-alive time option: zero is invalid, and the time is rounded up to whole
/// seconds and clamped to what Linux takes.
fn set_keepalive_time(s: &TcpSocket, option: libc::c_int, ns: u64) -> Result<(), ErrorCode> {
    if ns == 0 {
        return Err(ErrorCode::InvalidArgument);
    }
    let secs = ns.div_ceil(1_000_000_000).clamp(1, MAX_KEEPALIVE_SECS);
    options::set_tcp_option(&s.socket, option, secs as i32)
}

/// `[method]tcp-socket.keep-alive-idle-time`.
pub fn tcp_socket_keep_alive_idle_time(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = keepalive_time(socket(call, this)?, libc::TCP_KEEPIDLE);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.set-keep-alive-idle-time`.
pub fn tcp_socket_set_keep_alive_idle_time(
    call: &mut P2Call<'_>,
    this: i32,
    value: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = set_keepalive_time(socket(call, this)?, libc::TCP_KEEPIDLE, value as u64);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.keep-alive-interval`.
pub fn tcp_socket_keep_alive_interval(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = keepalive_time(socket(call, this)?, libc::TCP_KEEPINTVL);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.set-keep-alive-interval`.
pub fn tcp_socket_set_keep_alive_interval(
    call: &mut P2Call<'_>,
    this: i32,
    value: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = set_keepalive_time(socket(call, this)?, libc::TCP_KEEPINTVL, value as u64);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.keep-alive-count`.
pub fn tcp_socket_keep_alive_count(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::tcp_option(&socket(call, this)?.socket, libc::TCP_KEEPCNT)
        .map(|count| count as u32);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.set-keep-alive-count`.
pub fn tcp_socket_set_keep_alive_count(
    call: &mut P2Call<'_>,
    this: i32,
    value: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = match value as u32 {
        0 => Err(ErrorCode::InvalidArgument),
        count => options::set_tcp_option(
            &s.socket,
            libc::TCP_KEEPCNT,
            count.min(MAX_KEEPALIVE_COUNT) as i32,
        ),
    };
    call.store_result(ret, result)
}

/// `[method]tcp-socket.hop-limit`.
pub fn tcp_socket_hop_limit(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = options::hop_limit(&s.socket, s.family);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.set-hop-limit`.
pub fn tcp_socket_set_hop_limit(
    call: &mut P2Call<'_>,
    this: i32,
    value: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = options::set_hop_limit(&s.socket, s.family, value as u8);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.receive-buffer-size`.
pub fn tcp_socket_receive_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::receive_buffer_size(&socket(call, this)?.socket);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.set-receive-buffer-size`.
pub fn tcp_socket_set_receive_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    value: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::set_receive_buffer_size(&socket(call, this)?.socket, value as u64);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.send-buffer-size`.
pub fn tcp_socket_send_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::send_buffer_size(&socket(call, this)?.socket);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.set-send-buffer-size`.
pub fn tcp_socket_set_send_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    value: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::set_send_buffer_size(&socket(call, this)?.socket, value as u64);
    call.store_result(ret, result)
}

/// `[method]tcp-socket.subscribe`: ready when a connect or accept can finish.
pub fn tcp_socket_subscribe(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let pollable = socket(call, this)?.pollable();
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

/// `[method]tcp-socket.shutdown`.
pub fn tcp_socket_shutdown(
    call: &mut P2Call<'_>,
    this: i32,
    shutdown_type: i32,
    ret: i32,
) -> Result<(), HostError> {
    let how = match shutdown_type {
        0 => std::net::Shutdown::Read,
        1 => std::net::Shutdown::Write,
        2 => std::net::Shutdown::Both,
        _ => return Err(HostTrap::canon("invalid enum discriminant").into()),
    };
    let result = socket(call, this)?.shutdown(how);
    call.store_result(ret, result)
}
