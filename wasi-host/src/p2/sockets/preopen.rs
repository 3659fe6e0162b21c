//! The TCP sockets P1 can reach: a listening socket the executable was built to open
//! (`--tcp-listen`), the connections accepted on it, and receiving, sending and shutting down
//! on those.
//!
//! A P1 guest cannot create, bind or connect sockets: it only receives the listeners baked
//! into its executable, so the network it can reach is exactly what its builder allowed. Errors are
//! the host's errno mapped one to one ([`Errno::from_host`]); there is no socket equivalent
//! of the filesystem's reduced error table in wasmtime to match.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::os::fd::{AsRawFd, RawFd};

use crate::error::Errno;

/// A listening TCP socket.
#[derive(Debug)]
pub struct TcpListener {
    listener: StdListener,
    nonblocking: bool,
}

/// A connected TCP socket.
#[derive(Debug)]
pub struct TcpStream {
    stream: StdStream,
    nonblocking: bool,
}

/// Which directions [`TcpStream::shutdown`] closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownType {
    /// No more receiving.
    Receive,
    /// No more sending.
    Send,
    /// Both.
    Both,
}

impl TcpListener {
    /// Binds and listens on `addr` (with `SO_REUSEADDR`, as std sets it on Unix).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        Ok(TcpListener {
            listener: StdListener::bind(addr)?,
            nonblocking: false,
        })
    }

    /// Accepts one connection, waiting for it unless the listener is non-blocking. The new
    /// socket is non-blocking when `nonblocking` is set.
    pub fn accept(&self, nonblocking: bool) -> Result<TcpStream, Errno> {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(nonblocking).map_err(io_errno)?;
                    return Ok(TcpStream {
                        stream,
                        nonblocking,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_errno(e)),
            }
        }
    }

    /// Whether the guest asked for non-blocking operation.
    pub fn is_nonblocking(&self) -> bool {
        self.nonblocking
    }

    /// Makes `accept` fail with `again` instead of waiting (or wait again).
    pub fn set_nonblocking(&mut self, nonblocking: bool) -> Result<(), Errno> {
        self.listener
            .set_nonblocking(nonblocking)
            .map_err(io_errno)?;
        self.nonblocking = nonblocking;
        Ok(())
    }
}

impl TcpStream {
    /// Whether the guest asked for non-blocking operation.
    pub fn is_nonblocking(&self) -> bool {
        self.nonblocking
    }

    /// Makes reads and writes fail with `again` instead of waiting (or wait again).
    pub fn set_nonblocking(&mut self, nonblocking: bool) -> Result<(), Errno> {
        self.stream.set_nonblocking(nonblocking).map_err(io_errno)?;
        self.nonblocking = nonblocking;
        Ok(())
    }

    /// `shutdown`.
    pub fn shutdown(&self, how: ShutdownType) -> Result<(), Errno> {
        let how = match how {
            ShutdownType::Receive => std::net::Shutdown::Read,
            ShutdownType::Send => std::net::Shutdown::Write,
            ShutdownType::Both => std::net::Shutdown::Both,
        };
        self.stream.shutdown(how).map_err(io_errno)
    }
}

/// The WASI errno for a host I/O error.
fn io_errno(e: io::Error) -> Errno {
    e.raw_os_error().map_or(Errno::Io, Errno::from_host)
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.listener.as_raw_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn accept_nonblocking_then_blocking() {
        let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        assert_eq!(listener.accept(false).err(), Some(Errno::Again));
        listener.set_nonblocking(false).unwrap();
        let mut client = StdStream::connect(addr).unwrap();
        let accepted = listener.accept(false).unwrap();
        assert!(!accepted.is_nonblocking());
        client.write_all(b"hi").unwrap();
        accepted.shutdown(ShutdownType::Send).unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
    }
}
