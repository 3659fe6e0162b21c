//! `wasi:sockets/network` and `instance-network`: the network capability, the error codes
//! every socket operation reports, and the address families.
//!
//! A `network` grants nothing by itself: what a guest may reach is the policy baked into its
//! executable ([`super::policy::NetPolicy`]), checked on every bind, connect, send and name
//! lookup. The handle only has to be a live `network`, as the WIT asks.

use std::io;

use crate::error::HostError;
use crate::p2::call::P2Call;
use crate::p2::streams::IoError;
use crate::resources::{HostKind, HostObject};

/// `error-code`, in WIT order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ErrorCode {
    /// `unknown`.
    Unknown,
    /// `access-denied`.
    AccessDenied,
    /// `not-supported`.
    NotSupported,
    /// `invalid-argument`.
    InvalidArgument,
    /// `out-of-memory`.
    OutOfMemory,
    /// `timeout`.
    Timeout,
    /// `concurrency-conflict`.
    ConcurrencyConflict,
    /// `not-in-progress`.
    NotInProgress,
    /// `would-block`.
    WouldBlock,
    /// `invalid-state`.
    InvalidState,
    /// `new-socket-limit`.
    NewSocketLimit,
    /// `address-not-bindable`.
    AddressNotBindable,
    /// `address-in-use`.
    AddressInUse,
    /// `remote-unreachable`.
    RemoteUnreachable,
    /// `connection-refused`.
    ConnectionRefused,
    /// `connection-reset`.
    ConnectionReset,
    /// `connection-aborted`.
    ConnectionAborted,
    /// `datagram-too-large`.
    DatagramTooLarge,
    /// `name-unresolvable`.
    NameUnresolvable,
    /// `temporary-resolver-failure`.
    TemporaryResolverFailure,
    /// `permanent-resolver-failure`.
    PermanentResolverFailure,
}
crate::store_enum!(ErrorCode, |code| code as u8);

impl ErrorCode {
    /// The code for a host errno, as wasmtime maps them.
    pub fn from_host(errno: i32) -> ErrorCode {
        match errno {
            libc::EWOULDBLOCK => ErrorCode::WouldBlock,
            libc::EACCES | libc::EPERM => ErrorCode::AccessDenied,
            libc::EADDRINUSE => ErrorCode::AddressInUse,
            libc::EADDRNOTAVAIL => ErrorCode::AddressNotBindable,
            libc::EALREADY | libc::EINPROGRESS => ErrorCode::ConcurrencyConflict,
            libc::ETIMEDOUT => ErrorCode::Timeout,
            libc::ECONNREFUSED => ErrorCode::ConnectionRefused,
            libc::ECONNRESET | libc::EPIPE => ErrorCode::ConnectionReset,
            libc::ECONNABORTED => ErrorCode::ConnectionAborted,
            libc::EINVAL | libc::EAFNOSUPPORT | libc::EDESTADDRREQ => ErrorCode::InvalidArgument,
            libc::EHOSTUNREACH | libc::EHOSTDOWN | libc::ENETDOWN | libc::ENETUNREACH => {
                ErrorCode::RemoteUnreachable
            }
            libc::ENOTCONN | libc::EISCONN => ErrorCode::InvalidState,
            libc::ENOBUFS | libc::ENOMEM => ErrorCode::OutOfMemory,
            libc::EMFILE | libc::ENFILE => ErrorCode::NewSocketLimit,
            libc::EMSGSIZE => ErrorCode::DatagramTooLarge,
            libc::EOPNOTSUPP
            | libc::ENOPROTOOPT
            | libc::EPROTONOSUPPORT
            | libc::ESOCKTNOSUPPORT => ErrorCode::NotSupported,
            _ => ErrorCode::Unknown,
        }
    }
}

impl From<io::Error> for ErrorCode {
    fn from(e: io::Error) -> ErrorCode {
        e.raw_os_error()
            .map_or(ErrorCode::Unknown, ErrorCode::from_host)
    }
}

/// `ip-address-family`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `ipv4`.
    Ipv4,
    /// `ipv6`.
    Ipv6,
}
crate::store_enum!(Family, |f| f as u8);

impl Family {
    /// Lifts an `ip-address-family` parameter.
    pub fn lift(value: i32) -> Result<Family, HostError> {
        match value {
            0 => Ok(Family::Ipv4),
            1 => Ok(Family::Ipv6),
            _ => Err(crate::error::HostTrap::canon("invalid enum discriminant").into()),
        }
    }

    /// The socket2 domain.
    pub(crate) fn domain(self) -> socket2::Domain {
        match self {
            Family::Ipv4 => socket2::Domain::IPV4,
            Family::Ipv6 => socket2::Domain::IPV6,
        }
    }
}

/// Checks that `handle` is a `network` of the caller.
pub fn check_network(call: &mut P2Call<'_>, handle: i32) -> Result<(), HostError> {
    call.object(handle as u32, HostKind::Network).map(|_| ())
}

/// `instance-network`: the network the executable's policy describes.
pub fn instance_network(call: &mut P2Call<'_>) -> Result<i32, HostError> {
    Ok(call.new_own(HostObject::Network)? as i32)
}

/// `network-error-code`: the socket error behind a stream's `error`, if it was one.
pub fn network_error_code(call: &mut P2Call<'_>, err: i32, ret: i32) -> Result<(), HostError> {
    let code = match call.object(err as u32, HostKind::IoError)? {
        HostObject::IoError(IoError { network, .. }) => *network,
        _ => unreachable!("the handle table checked the kind"),
    };
    call.store_result(ret, code)
}
