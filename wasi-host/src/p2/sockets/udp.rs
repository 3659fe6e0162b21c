//! `wasi:sockets/udp` and `udp-create-socket`: UDP sockets, and the datagram streams
//! `stream` gives them.
//!
//! `stream(some(addr))` connects the socket, so the kernel only delivers datagrams from
//! `addr` and sends go there; `stream(none)` undoes that. Each call to `stream` gives new
//! streams and retires the previous ones: an operation on a retired stream is
//! `invalid-state`. `check-send` grants a number of datagrams when the socket can take them;
//! sending more than it granted traps, as the WIT says.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use socket2::{Socket, Type};

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::poll::Pollable;
use crate::p2::sockets::addr::{self, lift_socket_address, load_socket_address};
use crate::p2::sockets::network::{check_network, ErrorCode, Family};
use crate::p2::sockets::options;
use crate::p2::sockets::policy::NetUse;
use crate::p2::values::Bytes;
use crate::resources::{HostKind, HostObject};

/// The largest datagram (IPv4's payload limit; IPv6 jumbograms aside).
const MAX_DATAGRAM: usize = 65_535;
/// How many datagrams `check-send` grants at once, and `receive` returns at most.
const BATCH: u64 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Unbound,
    BindStarted,
    Bound,
    /// Bound, with `stream` having fixed the remote address.
    Connected(SocketAddr),
}

/// What a socket and its streams share.
#[derive(Debug)]
struct Shared {
    socket: Socket,
    family: Family,
    /// Bumped by every `stream`: streams of an older generation are retired.
    generation: AtomicU32,
}

/// A `udp-socket`.
#[derive(Debug)]
pub struct UdpSocket {
    shared: Arc<Shared>,
    state: State,
}

/// An `incoming-datagram-stream`.
#[derive(Debug)]
pub struct IncomingDatagramStream {
    shared: Arc<Shared>,
    generation: u32,
}

/// An `outgoing-datagram-stream`.
#[derive(Debug)]
pub struct OutgoingDatagramStream {
    shared: Arc<Shared>,
    generation: u32,
    /// The remote address `stream` fixed, if it did.
    remote: Option<SocketAddr>,
    /// How many datagrams the last `check-send` granted and `send` has not used.
    permitted: u64,
}

/// An `incoming-datagram`.
struct IncomingDatagram {
    data: Bytes,
    remote_address: SocketAddr,
}
crate::store_record!(IncomingDatagram {
    data: Bytes,
    remote_address: SocketAddr
});

/// The size of an `outgoing-datagram` record: a `list<u8>`, then an
/// `option<ip-socket-address>` at offset 8 (its payload at 12).
const OUTGOING_DATAGRAM_SIZE: u32 = 44;

impl Shared {
    fn fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.socket)
    }

    fn current(&self, generation: u32) -> Result<(), ErrorCode> {
        if self.generation.load(Ordering::Relaxed) == generation {
            Ok(())
        } else {
            Err(ErrorCode::InvalidState)
        }
    }
}

impl UdpSocket {
    fn new(family: Family) -> Result<UdpSocket, ErrorCode> {
        Ok(UdpSocket {
            shared: Arc::new(Shared {
                socket: options::new_socket(family, Type::DGRAM)?,
                family,
                generation: AtomicU32::new(0),
            }),
            state: State::Unbound,
        })
    }

    fn start_bind(&mut self, addr: SocketAddr) -> Result<(), ErrorCode> {
        match self.state {
            State::Unbound => {}
            State::BindStarted => return Err(ErrorCode::ConcurrencyConflict),
            _ => return Err(ErrorCode::InvalidState),
        }
        self.shared
            .socket
            .bind(&addr.into())
            .map_err(|e| match e.raw_os_error() {
                Some(libc::EADDRINUSE) => ErrorCode::AddressInUse,
                Some(libc::EADDRNOTAVAIL) => ErrorCode::AddressNotBindable,
                _ => ErrorCode::from(e),
            })?;
        self.state = State::BindStarted;
        Ok(())
    }

    /// Connects to `remote` (or disconnects) and retires the previous streams.
    fn stream(&mut self, remote: Option<SocketAddr>) -> Result<u32, ErrorCode> {
        if !matches!(self.state, State::Bound | State::Connected(_)) {
            return Err(ErrorCode::InvalidState);
        }
        if let State::Connected(_) = self.state {
            disconnect(&self.shared.socket)?;
            self.state = State::Bound;
        }
        if let Some(remote) = remote {
            self.shared.socket.connect(&remote.into())?;
            self.state = State::Connected(remote);
        }
        Ok(self.shared.generation.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// Dissolves a UDP socket's association (`connect` to `AF_UNSPEC`).
fn disconnect(socket: &Socket) -> Result<(), ErrorCode> {
    // SAFETY: a zeroed sockaddr with family AF_UNSPEC, its size given.
    let status = unsafe {
        let mut addr: libc::sockaddr = std::mem::zeroed();
        addr.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
        libc::connect(
            std::os::fd::AsRawFd::as_raw_fd(socket),
            &addr,
            std::mem::size_of::<libc::sockaddr>() as libc::socklen_t,
        )
    };
    if status != 0 {
        return Err(ErrorCode::from(std::io::Error::last_os_error()));
    }
    Ok(())
}

impl IncomingDatagramStream {
    fn receive(&self, max: u64) -> Result<Vec<IncomingDatagram>, ErrorCode> {
        self.shared.current(self.generation)?;
        let mut datagrams = Vec::new();
        let mut buf = vec![0u8; MAX_DATAGRAM];
        while (datagrams.len() as u64) < max.min(BATCH) {
            let (n, from) = match recv_from(self.shared.fd(), &mut buf) {
                Ok(got) => got,
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => break,
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(_) if !datagrams.is_empty() => break,
                Err(e) => return Err(ErrorCode::from(e)),
            };
            let remote_address = SocketAddr::new(addr::unmap(from.ip()), from.port());
            datagrams.push(IncomingDatagram {
                data: Bytes(buf[..n].to_vec()),
                remote_address,
            });
        }
        Ok(datagrams)
    }
}

/// One non-blocking `recvfrom`.
fn recv_from(fd: std::os::fd::RawFd, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    // SAFETY: `storage` has room for any socket address and `buf` for `buf.len()` bytes.
    unsafe {
        let mut storage: libc::sockaddr_storage = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let n = libc::recvfrom(
            fd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
            (&mut storage as *mut libc::sockaddr_storage).cast(),
            &mut len,
        );
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let from = addr::from_raw((&storage as *const libc::sockaddr_storage).cast(), len)
            .ok_or_else(|| std::io::Error::from_raw_os_error(libc::EAFNOSUPPORT))?;
        Ok((n as usize, from))
    }
}

fn socket<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut UdpSocket, HostError> {
    match call.object(this as u32, HostKind::UdpSocket)? {
        HostObject::UdpSocket(socket) => Ok(socket),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `create-udp-socket`.
pub fn create_udp_socket(call: &mut P2Call<'_>, family: i32, ret: i32) -> Result<(), HostError> {
    let family = Family::lift(family)?;
    let result = match UdpSocket::new(family) {
        Ok(socket) => Ok(call.new_own(HostObject::UdpSocket(socket))?),
        Err(code) => Err(code),
    };
    call.store_result(ret, result)
}

/// `[method]udp-socket.start-bind`.
#[allow(clippy::too_many_arguments)]
pub fn udp_socket_start_bind(
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
    check_network(call, network)?;
    let addr = lift_socket_address([a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11])?;
    let s = socket(call, this)?;
    let (family, state) = (s.shared.family, s.state);
    // Binding to a multicast address is how a UDP socket joins a group's traffic: only the
    // family is checked here.
    let result = match addr::validate_family(&addr, family) {
        Err(code) => Err(code),
        Ok(()) if state == State::Unbound && !call.ctx.net.allows(NetUse::UdpBind, addr) => {
            Err(ErrorCode::AccessDenied)
        }
        Ok(()) => socket(call, this)?.start_bind(addr),
    };
    call.store_result(ret, result)
}

/// `[method]udp-socket.finish-bind`.
pub fn udp_socket_finish_bind(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = if s.state == State::BindStarted {
        s.state = State::Bound;
        Ok(())
    } else {
        Err(ErrorCode::NotInProgress)
    };
    call.store_result(ret, result)
}

/// `[method]udp-socket.stream`: new datagram streams, sending to and receiving from
/// `remote-address` only if one is given.
#[allow(clippy::too_many_arguments)]
pub fn udp_socket_stream(
    call: &mut P2Call<'_>,
    this: i32,
    is_some: i32,
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
    let remote = match is_some {
        0 => None,
        1 => Some(lift_socket_address([
            a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11,
        ])?),
        _ => return Err(HostTrap::canon("invalid option discriminant").into()),
    };
    let s = socket(call, this)?;
    let family = s.shared.family;
    let checked = match remote {
        Some(remote) => addr::validate_remote(&remote, family).and_then(|()| {
            if call.ctx.net.allows(NetUse::UdpSend, remote) {
                Ok(())
            } else {
                Err(ErrorCode::AccessDenied)
            }
        }),
        None => Ok(()),
    };
    let s = socket(call, this)?;
    let result = match checked.and_then(|()| s.stream(remote)) {
        Ok(generation) => {
            let shared = s.shared.clone();
            let incoming =
                call.new_own(HostObject::IncomingDatagramStream(IncomingDatagramStream {
                    shared: shared.clone(),
                    generation,
                }))?;
            let outgoing =
                call.new_own(HostObject::OutgoingDatagramStream(OutgoingDatagramStream {
                    shared,
                    generation,
                    remote,
                    permitted: 0,
                }))?;
            Ok((incoming, outgoing))
        }
        Err(code) => Err(code),
    };
    call.store_result(ret, result)
}

/// `[method]udp-socket.local-address`.
pub fn udp_socket_local_address(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = match s.state {
        State::Unbound | State::BindStarted => Err(ErrorCode::InvalidState),
        _ => options::local_address(&s.shared.socket),
    };
    call.store_result(ret, result)
}

/// `[method]udp-socket.remote-address`.
pub fn udp_socket_remote_address(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = match s.state {
        State::Connected(_) => options::remote_address(&s.shared.socket),
        _ => Err(ErrorCode::InvalidState),
    };
    call.store_result(ret, result)
}

/// `[method]udp-socket.address-family`.
pub fn udp_socket_address_family(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    Ok(socket(call, this)?.shared.family as i32)
}

/// `[method]udp-socket.unicast-hop-limit`.
pub fn udp_socket_unicast_hop_limit(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = options::hop_limit(&s.shared.socket, s.shared.family);
    call.store_result(ret, result)
}

/// `[method]udp-socket.set-unicast-hop-limit`.
pub fn udp_socket_set_unicast_hop_limit(
    call: &mut P2Call<'_>,
    this: i32,
    value: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = socket(call, this)?;
    let result = options::set_hop_limit(&s.shared.socket, s.shared.family, value as u8);
    call.store_result(ret, result)
}

/// `[method]udp-socket.receive-buffer-size`.
pub fn udp_socket_receive_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::receive_buffer_size(&socket(call, this)?.shared.socket);
    call.store_result(ret, result)
}

/// `[method]udp-socket.set-receive-buffer-size`.
pub fn udp_socket_set_receive_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    value: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::set_receive_buffer_size(&socket(call, this)?.shared.socket, value as u64);
    call.store_result(ret, result)
}

/// `[method]udp-socket.send-buffer-size`.
pub fn udp_socket_send_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::send_buffer_size(&socket(call, this)?.shared.socket);
    call.store_result(ret, result)
}

/// `[method]udp-socket.set-send-buffer-size`.
pub fn udp_socket_set_send_buffer_size(
    call: &mut P2Call<'_>,
    this: i32,
    value: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = options::set_send_buffer_size(&socket(call, this)?.shared.socket, value as u64);
    call.store_result(ret, result)
}

/// `[method]udp-socket.subscribe`: a socket has nothing to wait for.
pub fn udp_socket_subscribe(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    socket(call, this)?;
    Ok(call.new_own(HostObject::Pollable(Pollable::Ready))? as i32)
}

fn incoming<'c>(
    call: &'c mut P2Call<'_>,
    this: i32,
) -> Result<&'c mut IncomingDatagramStream, HostError> {
    match call.object(this as u32, HostKind::IncomingDatagramStream)? {
        HostObject::IncomingDatagramStream(stream) => Ok(stream),
        _ => unreachable!("the handle table checked the kind"),
    }
}

fn outgoing<'c>(
    call: &'c mut P2Call<'_>,
    this: i32,
) -> Result<&'c mut OutgoingDatagramStream, HostError> {
    match call.object(this as u32, HostKind::OutgoingDatagramStream)? {
        HostObject::OutgoingDatagramStream(stream) => Ok(stream),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `[method]incoming-datagram-stream.receive`: the datagrams there now, at most
/// `max-results`.
pub fn incoming_datagram_stream_receive(
    call: &mut P2Call<'_>,
    this: i32,
    max_results: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = incoming(call, this)?.receive(max_results as u64);
    call.store_result(ret, result)
}

/// `[method]incoming-datagram-stream.subscribe`: ready when a datagram is there.
pub fn incoming_datagram_stream_subscribe(
    call: &mut P2Call<'_>,
    this: i32,
) -> Result<i32, HostError> {
    let fd = incoming(call, this)?.shared.fd();
    Ok(call.new_own(HostObject::Pollable(Pollable::Readable(fd)))? as i32)
}

/// `[method]outgoing-datagram-stream.check-send`: how many datagrams `send` may take now.
pub fn outgoing_datagram_stream_check_send(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let stream = outgoing(call, this)?;
    let result = stream.shared.current(stream.generation).map(|()| {
        stream.permitted = if crate::p2::poll::is_ready(Pollable::Writable(stream.shared.fd())) {
            BATCH
        } else {
            0
        };
        stream.permitted
    });
    call.store_result(ret, result)
}

/// One `outgoing-datagram` read from the guest.
struct OutgoingDatagram {
    data: Vec<u8>,
    remote: Option<SocketAddr>,
}

fn load_datagrams(
    call: &P2Call<'_>,
    ptr: i32,
    len: i32,
) -> Result<Vec<OutgoingDatagram>, HostError> {
    let (ptr, len) = (ptr as u32, len as u32);
    crate::memory::GuestMemory::check_aligned(ptr, 4)?;
    let size = len
        .checked_mul(OUTGOING_DATAGRAM_SIZE)
        .ok_or_else(|| HostError::from(HostTrap::MemoryOutOfBounds))?;
    call.mem.slice(ptr, size)?;
    (0..len)
        .map(|i| {
            let at = ptr + i * OUTGOING_DATAGRAM_SIZE;
            let data_ptr = call.mem.read_u32(at)?;
            let data_len = call.mem.read_u32(at + 4)?;
            let data = call.mem.read_bytes(data_ptr, data_len)?;
            let remote = match call.mem.read_u8(at + 8)? {
                0 => None,
                1 => Some(load_socket_address(&call.mem, at + 12)?),
                _ => return Err(HostTrap::canon("invalid option discriminant").into()),
            };
            Ok(OutgoingDatagram { data, remote })
        })
        .collect()
}

/// `[method]outgoing-datagram-stream.send`: sends the datagrams in order, as many as go out
/// without waiting; returns how many did.
pub fn outgoing_datagram_stream_send(
    call: &mut P2Call<'_>,
    this: i32,
    datagrams: i32,
    datagrams_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let datagrams = load_datagrams(call, datagrams, datagrams_len)?;
    let stream = outgoing(call, this)?;
    if datagrams.len() as u64 > stream.permitted {
        return Err(HostTrap::canon(
            "outgoing-datagram-stream.send of more datagrams than check-send permitted",
        )
        .into());
    }
    let result = send_all(call, this, &datagrams)?;
    call.store_result(ret, result)
}

fn send_all(
    call: &mut P2Call<'_>,
    this: i32,
    datagrams: &[OutgoingDatagram],
) -> Result<Result<u64, ErrorCode>, HostError> {
    let mut sent = 0u64;
    let outcome = |sent: u64, code: ErrorCode| if sent > 0 { Ok(sent) } else { Err(code) };
    for datagram in datagrams {
        let stream = outgoing(call, this)?;
        if let Err(code) = stream.shared.current(stream.generation) {
            return Ok(outcome(sent, code));
        }
        let (fixed, family) = (stream.remote, stream.shared.family);
        let target = match (fixed, datagram.remote) {
            (Some(fixed), Some(to)) if fixed != to => Err(ErrorCode::InvalidArgument),
            (Some(_), _) => Ok(None),
            (None, Some(to)) => addr::validate_remote(&to, family).and_then(|()| {
                if call.ctx.net.allows(NetUse::UdpSend, to) {
                    Ok(Some(to))
                } else {
                    Err(ErrorCode::AccessDenied)
                }
            }),
            (None, None) => Err(ErrorCode::InvalidArgument),
        };
        let target = match target {
            Ok(target) => target,
            Err(code) => return Ok(outcome(sent, code)),
        };
        if datagram.data.len() > MAX_DATAGRAM {
            return Ok(outcome(sent, ErrorCode::DatagramTooLarge));
        }
        let stream = outgoing(call, this)?;
        let socket = &stream.shared.socket;
        let result = match target {
            Some(to) => socket.send_to(&datagram.data, &to.into()),
            None => socket.send(&datagram.data),
        };
        match result {
            Ok(_) => {
                sent += 1;
                stream.permitted -= 1;
            }
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => break,
            Err(e) => return Ok(outcome(sent, ErrorCode::from(e))),
        }
    }
    Ok(Ok(sent))
}

/// `[method]outgoing-datagram-stream.subscribe`: ready when `check-send` would grant some.
pub fn outgoing_datagram_stream_subscribe(
    call: &mut P2Call<'_>,
    this: i32,
) -> Result<i32, HostError> {
    let fd = outgoing(call, this)?.shared.fd();
    Ok(call.new_own(HostObject::Pollable(Pollable::Writable(fd)))? as i32)
}
