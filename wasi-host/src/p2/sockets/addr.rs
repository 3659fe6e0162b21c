//! `ip-address` and `ip-socket-address` in the canonical ABI, and the checks every address a
//! guest passes goes through.
//!
//! Layouts (`CanonicalABI.md`): an `ip-socket-address` is a `u8` discriminant and, at offset
//! 4, either `{port: u16, address: tuple<u8 x 4>}` or `{port: u16, flow-info: u32, address:
//! tuple<u16 x 8>, scope-id: u32}`: 32 bytes, aligned to 4. Flattened it is the discriminant
//! and the IPv6 case's 11 values (the IPv4 case uses the first 5). An `ip-address` is a `u8`
//! discriminant and, at offset 2, four `u8`s or eight `u16`s: 18 bytes, aligned to 2.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::error::{HostError, HostTrap};
use crate::memory::GuestMemory;
use crate::p2::call::P2Call;
use crate::p2::sockets::network::{ErrorCode, Family};
use crate::p2::values::Store;

/// A flattened `ip-socket-address`: the discriminant and 11 payload values.
pub type FlatSocketAddress = [i32; 12];

fn bad_discriminant() -> HostError {
    HostTrap::canon("invalid variant discriminant").into()
}

/// Lifts a flattened `ip-socket-address` (narrow integers are truncated, as lifting does).
pub fn lift_socket_address(flat: FlatSocketAddress) -> Result<SocketAddr, HostError> {
    let u16_at = |i: usize| flat[i] as u16;
    match flat[0] {
        0 => {
            let ip = Ipv4Addr::new(flat[2] as u8, flat[3] as u8, flat[4] as u8, flat[5] as u8);
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, u16_at(1))))
        }
        1 => {
            let segments: [u16; 8] = std::array::from_fn(|i| u16_at(3 + i));
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(segments),
                u16_at(1),
                flat[2] as u32,
                flat[11] as u32,
            )))
        }
        _ => Err(bad_discriminant()),
    }
}

/// Loads an `ip-socket-address` stored at `ptr` (4-aligned).
pub fn load_socket_address(mem: &GuestMemory, ptr: u32) -> Result<SocketAddr, HostError> {
    GuestMemory::check_aligned(ptr, 4)?;
    let payload = ptr + 4;
    match mem.read_u8(ptr)? {
        0 => {
            let port = mem.read_u16(payload)?;
            let o = mem.slice(payload + 2, 4)?;
            let ip = Ipv4Addr::new(o[0], o[1], o[2], o[3]);
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, port)))
        }
        1 => {
            let port = mem.read_u16(payload)?;
            let flow = mem.read_u32(payload + 4)?;
            let mut segments = [0u16; 8];
            for (i, s) in (0..).zip(segments.iter_mut()) {
                *s = mem.read_u16(payload + 8 + 2 * i)?;
            }
            let scope = mem.read_u32(payload + 24)?;
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(segments),
                port,
                flow,
                scope,
            )))
        }
        _ => Err(bad_discriminant()),
    }
}

impl Store for SocketAddr {
    const SIZE: u32 = 32;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        let payload = ptr + 4;
        match self {
            SocketAddr::V4(a) => {
                0u8.store(call, ptr)?;
                a.port().store(call, payload)?;
                call.mem.write_bytes(payload + 2, &a.ip().octets())
            }
            SocketAddr::V6(a) => {
                1u8.store(call, ptr)?;
                a.port().store(call, payload)?;
                a.flowinfo().store(call, payload + 4)?;
                for (i, s) in (0..).zip(a.ip().segments()) {
                    s.store(call, payload + 8 + 2 * i)?;
                }
                a.scope_id().store(call, payload + 24)
            }
        }
    }
}

impl Store for IpAddr {
    const SIZE: u32 = 18;
    const ALIGN: u32 = 2;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        match self {
            IpAddr::V4(ip) => {
                0u8.store(call, ptr)?;
                call.mem.write_bytes(ptr + 2, &ip.octets())
            }
            IpAddr::V6(ip) => {
                1u8.store(call, ptr)?;
                for (i, s) in (0..).zip(ip.segments()) {
                    s.store(call, ptr + 2 + 2 * i)?;
                }
                Ok(())
            }
        }
    }
}

/// Reads a host socket address of `len` bytes at `raw`; `None` for one that is not IPv4 or
/// IPv6.
///
/// # Safety
/// `raw` must point at `len` readable bytes.
pub unsafe fn from_raw(raw: *const libc::sockaddr, len: libc::socklen_t) -> Option<SocketAddr> {
    let len = len as usize;
    // SAFETY: the caller gives `len` readable bytes; each case reads at most that many, and
    // `read_unaligned` needs no alignment.
    unsafe {
        match i32::from((*raw).sa_family) {
            libc::AF_INET if len >= std::mem::size_of::<libc::sockaddr_in>() => {
                let a = raw.cast::<libc::sockaddr_in>().read_unaligned();
                Some(SocketAddr::V4(SocketAddrV4::new(
                    Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                    u16::from_be(a.sin_port),
                )))
            }
            libc::AF_INET6 if len >= std::mem::size_of::<libc::sockaddr_in6>() => {
                let a = raw.cast::<libc::sockaddr_in6>().read_unaligned();
                Some(SocketAddr::V6(SocketAddrV6::new(
                    Ipv6Addr::from(a.sin6_addr.s6_addr),
                    u16::from_be(a.sin6_port),
                    u32::from_be(a.sin6_flowinfo),
                    a.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

/// The family of `addr`.
pub fn family_of(addr: &SocketAddr) -> Family {
    match addr {
        SocketAddr::V4(_) => Family::Ipv4,
        SocketAddr::V6(_) => Family::Ipv6,
    }
}

/// Checks that an address is of the socket's `family`, and not an IPv4-mapped IPv6 address
/// (sockets are IPv6-only, as in wasmtime).
pub fn validate_family(addr: &SocketAddr, family: Family) -> Result<(), ErrorCode> {
    let mapped = matches!(addr.ip(), IpAddr::V6(ip) if ip.to_ipv4_mapped().is_some());
    if family_of(addr) != family || mapped {
        return Err(ErrorCode::InvalidArgument);
    }
    Ok(())
}

/// Checks an address the guest passes for a socket of `family`: as [`validate_family`], and
/// not multicast or broadcast.
pub fn validate(addr: &SocketAddr, family: Family) -> Result<(), ErrorCode> {
    validate_family(addr, family)?;
    let unicast = match addr.ip() {
        IpAddr::V4(ip) => !ip.is_multicast() && !ip.is_broadcast(),
        IpAddr::V6(ip) => !ip.is_multicast(),
    };
    if unicast {
        Ok(())
    } else {
        Err(ErrorCode::InvalidArgument)
    }
}

/// Checks a remote address: as [`validate`], and neither the unspecified address nor port 0.
pub fn validate_remote(addr: &SocketAddr, family: Family) -> Result<(), ErrorCode> {
    validate(addr, family)?;
    if addr.ip().is_unspecified() || addr.port() == 0 {
        return Err(ErrorCode::InvalidArgument);
    }
    Ok(())
}

/// An address as the guest sees it: IPv4-mapped IPv6 addresses never reach it.
pub fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_addresses_lift() {
        let mut flat = [0; 12];
        flat[1] = 8080;
        flat[2..6].copy_from_slice(&[127, 0, 0, 1]);
        assert_eq!(
            lift_socket_address(flat).unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        let mut flat = [0; 12];
        flat[0] = 1;
        flat[1] = 0x1_0050; // truncated to port 80
        flat[10] = 1;
        assert_eq!(
            lift_socket_address(flat).unwrap(),
            "[::1]:80".parse().unwrap()
        );
        flat[0] = 2;
        assert!(lift_socket_address(flat).is_err());
    }

    #[test]
    fn addresses_are_checked() {
        let v4: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(validate(&v4, Family::Ipv6), Err(ErrorCode::InvalidArgument));
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:1".parse().unwrap();
        assert_eq!(
            validate(&mapped, Family::Ipv6),
            Err(ErrorCode::InvalidArgument)
        );
        let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
        assert_eq!(validate(&any, Family::Ipv4), Ok(()));
        assert_eq!(
            validate_remote(&any, Family::Ipv4),
            Err(ErrorCode::InvalidArgument)
        );
        let multicast: SocketAddr = "224.0.0.1:9".parse().unwrap();
        assert_eq!(
            validate(&multicast, Family::Ipv4),
            Err(ErrorCode::InvalidArgument)
        );
    }
}
