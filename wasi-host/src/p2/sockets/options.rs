//! Socket options TCP and UDP sockets share (hop limit, buffer sizes), with the WIT's
//! argument rules: zero is `invalid-argument`, and sizes too large for the host are clamped.

use socket2::Socket;

use crate::p2::sockets::network::{ErrorCode, Family};

fn zero_is_invalid(value: u64) -> Result<u64, ErrorCode> {
    if value == 0 {
        Err(ErrorCode::InvalidArgument)
    } else {
        Ok(value)
    }
}

/// The unicast hop limit (IPv4 TTL, IPv6 unicast hops).
pub fn hop_limit(socket: &Socket, family: Family) -> Result<u8, ErrorCode> {
    let value = match family {
        Family::Ipv4 => socket.ttl_v4()?,
        Family::Ipv6 => socket.unicast_hops_v6()?,
    };
    Ok(value.min(255) as u8)
}

/// Sets the unicast hop limit.
pub fn set_hop_limit(socket: &Socket, family: Family, value: u8) -> Result<(), ErrorCode> {
    let value = zero_is_invalid(value.into())? as u32;
    match family {
        Family::Ipv4 => socket.set_ttl_v4(value)?,
        Family::Ipv6 => socket.set_unicast_hops_v6(value)?,
    }
    Ok(())
}

/// `SO_RCVBUF`.
pub fn receive_buffer_size(socket: &Socket) -> Result<u64, ErrorCode> {
    Ok(socket.recv_buffer_size()? as u64)
}

/// Sets `SO_RCVBUF` (the host may round it, and Linux doubles it).
pub fn set_receive_buffer_size(socket: &Socket, value: u64) -> Result<(), ErrorCode> {
    let value = zero_is_invalid(value)?.min(i32::MAX as u64) as usize;
    Ok(socket.set_recv_buffer_size(value)?)
}

/// `SO_SNDBUF`.
pub fn send_buffer_size(socket: &Socket) -> Result<u64, ErrorCode> {
    Ok(socket.send_buffer_size()? as u64)
}

/// Sets `SO_SNDBUF`.
pub fn set_send_buffer_size(socket: &Socket, value: u64) -> Result<(), ErrorCode> {
    let value = zero_is_invalid(value)?.min(i32::MAX as u64) as usize;
    Ok(socket.set_send_buffer_size(value)?)
}

/// An integer TCP-level option (`TCP_KEEPIDLE` and the like).
pub fn tcp_option(socket: &Socket, name: libc::c_int) -> Result<i32, ErrorCode> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for the kernel to write an int option into.
    let status = unsafe {
        libc::getsockopt(
            std::os::fd::AsRawFd::as_raw_fd(socket),
            libc::IPPROTO_TCP,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if status != 0 {
        return Err(ErrorCode::from(std::io::Error::last_os_error()));
    }
    Ok(value)
}

/// Sets an integer TCP-level option.
pub fn set_tcp_option(socket: &Socket, name: libc::c_int, value: i32) -> Result<(), ErrorCode> {
    // SAFETY: the kernel reads one int from `value`.
    let status = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(socket),
            libc::IPPROTO_TCP,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if status != 0 {
        return Err(ErrorCode::from(std::io::Error::last_os_error()));
    }
    Ok(())
}

/// A new non-blocking socket of `family` and `ty` (close-on-exec, as socket2 makes them).
pub fn new_socket(family: Family, ty: socket2::Type) -> Result<Socket, ErrorCode> {
    let socket = Socket::new(family.domain(), ty, None)?;
    if family == Family::Ipv6 {
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// The address a socket is bound to, as the guest sees it.
pub fn local_address(socket: &Socket) -> Result<std::net::SocketAddr, ErrorCode> {
    socket
        .local_addr()?
        .as_socket()
        .ok_or(ErrorCode::InvalidState)
}

/// The address a socket is connected to.
pub fn remote_address(socket: &Socket) -> Result<std::net::SocketAddr, ErrorCode> {
    socket
        .peer_addr()?
        .as_socket()
        .ok_or(ErrorCode::InvalidState)
}
