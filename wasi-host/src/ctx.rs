//! [`WasiCtx`]: everything one guest's WASI calls read and change, and how it is set up.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{OwnedFd, RawFd};
use std::path::Path;

use crate::error::Errno;
use crate::host_fd::{self, HostFileType};
use crate::p1::fd_table::{
    Descriptor, DirDescriptor, FdTable, FileDescriptor, Kind, SocketDescriptor,
};
use crate::p1::types::rights;
use crate::p2::filesystem::{Dir, File};
use crate::p2::http::TlsTrust;
use crate::p2::sockets::policy::NetPolicy;
use crate::p2::sockets::tcp::TcpSocket;

/// The WASI state of one running guest: its arguments, environment and descriptors.
#[derive(Debug)]
pub struct WasiCtx {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    pub(crate) fds: FdTable,
    /// The host descriptors of the standard streams (WASI 0.2's stdin, stdout, stderr).
    pub(crate) stdio: [RawFd; 3],
    /// WASI 0.2 resources: host objects and the component instances' handle tables.
    pub resources: crate::resources::Resources,
    /// The preopened directories and their guest paths, for WASI 0.2's `get-directories`.
    pub(crate) preopens: Vec<(Dir, String)>,
    /// What the guest's sockets may reach (nothing, unless set).
    pub(crate) net: NetPolicy,
    /// Whom the guest's https requests trust.
    pub(crate) tls: TlsTrust,
}

impl WasiCtx {
    /// A context whose descriptors 0, 1 and 2 are the host's standard streams and that has
    /// nothing else: no file or network access until preopens are added.
    ///
    /// `args` is the guest's argv, `argv[0]` included; `env` holds `KEY=VALUE` strings. The
    /// guest receives each string NUL-terminated, so none should contain a NUL byte.
    pub fn new(args: Vec<Vec<u8>>, env: Vec<Vec<u8>>) -> WasiCtx {
        WasiCtx::with_stdio(args, env, [0, 1, 2])
    }

    /// Like [`WasiCtx::new`], with the guest's standard streams on the host descriptors
    /// `stdio`, which must stay open while the context is used.
    pub(crate) fn with_stdio(args: Vec<Vec<u8>>, env: Vec<Vec<u8>>, stdio: [RawFd; 3]) -> WasiCtx {
        WasiCtx {
            args,
            env,
            fds: FdTable::with_stdio(stdio),
            stdio,
            resources: Default::default(),
            preopens: Vec::new(),
            net: NetPolicy::default(),
            tls: TlsTrust::default(),
        }
    }

    /// A new context set up as this one was: the same arguments, environment, policies,
    /// standard streams, and preopens (new handles to the same directories and listening
    /// sockets), under the same numbers. Meant for a context no guest has used yet: it is
    /// a server's template, copied for each request's fresh guest without opening anything
    /// by path again. Descriptors other than the standard streams and preopens are not
    /// copied.
    pub fn fresh_copy(&self) -> io::Result<WasiCtx> {
        let mut copy = WasiCtx::with_stdio(self.args.clone(), self.env.clone(), self.stdio);
        copy.net = self.net.clone();
        copy.tls = self.tls.clone();
        for (dir, guest) in &self.preopens {
            copy.preopens.push((dir.try_clone()?, guest.clone()));
        }
        for (n, descriptor) in self.fds.iter().skip(3) {
            let kind = match &descriptor.kind {
                Kind::Dir(DirDescriptor {
                    dir,
                    preopen: Some(guest),
                }) => Kind::Dir(DirDescriptor {
                    dir: dir.try_clone()?,
                    preopen: Some(guest.clone()),
                }),
                Kind::Listener(listener) => Kind::Listener(SocketDescriptor {
                    socket: listener.socket.share(),
                    nonblock: listener.nonblock,
                }),
                _ => continue,
            };
            let pushed = copy
                .fds
                .push(Descriptor::new(
                    kind,
                    descriptor.base,
                    descriptor.inheriting,
                ))
                .map_err(errno_to_io)?;
            debug_assert_eq!(pushed, n, "preopens are numbered in order from 3");
        }
        Ok(copy)
    }

    /// Preopens the host directory `host_path` for the guest under the name `guest_path` and
    /// returns its descriptor number. A relative `host_path` is resolved against the
    /// process's working directory. Everything beneath the directory, and nothing else,
    /// becomes reachable by path.
    pub fn preopen_dir(&mut self, host_path: &Path, guest_path: &str) -> io::Result<u32> {
        let dir = Dir::open_ambient(host_path)?;
        self.preopens
            .push((dir.try_clone()?, guest_path.to_string()));
        let kind = Kind::Dir(DirDescriptor {
            dir,
            preopen: Some(guest_path.to_string()),
        });
        let descriptor = Descriptor::new(kind, rights::DIRECTORY, rights::DIRECTORY_INHERITING);
        self.fds.push(descriptor).map_err(errno_to_io)
    }

    /// Binds a TCP socket listening on `addr` and gives it to the guest, returning its
    /// descriptor number; the guest accepts connections on it with `sock_accept`.
    pub fn preopen_tcp_listener(&mut self, addr: SocketAddr) -> io::Result<u32> {
        let socket = TcpSocket::from_listener(std::net::TcpListener::bind(addr)?)?;
        let descriptor = Descriptor::new(
            Kind::Listener(SocketDescriptor {
                socket,
                nonblock: false,
            }),
            rights::SOCKET_LISTENER,
            rights::SOCKET_STREAM,
        );
        self.fds.push(descriptor).map_err(errno_to_io)
    }

    /// Sets what the guest's WASI 0.2 sockets may reach.
    pub fn set_network_policy(&mut self, policy: NetPolicy) {
        self.net = policy;
    }

    /// Sets whom the guest's https requests trust.
    pub fn set_tls_trust(&mut self, trust: TlsTrust) {
        self.tls = trust;
    }

    /// Gives the guest the host descriptor `fd` and returns the guest's number for it.
    ///
    /// The context owns `fd` from now on and closes it when the guest closes it or the context
    /// is dropped. The guest can read, write and seek it as the host allows, like a file it
    /// opened itself. Meant for tests and for embedders that hand a guest an open file.
    pub fn insert_host_fd(&mut self, fd: OwnedFd) -> Result<u32, Errno> {
        let base = host_rights(&fd)?;
        let file = File::from_std(std::fs::File::from(fd));
        let kind = Kind::File(FileDescriptor {
            file,
            nonblock: false,
            sync: 0,
        });
        self.fds.push(Descriptor::new(kind, base, base))
    }

    /// The guest's argv.
    pub fn args(&self) -> &[Vec<u8>] {
        &self.args
    }

    /// The guest's environment, as `KEY=VALUE` strings.
    pub fn env(&self) -> &[Vec<u8>] {
        &self.env
    }
}

fn errno_to_io(errno: Errno) -> io::Error {
    io::Error::other(errno)
}

/// The rights of a host descriptor handed to the guest: every right its access mode and type
/// allow.
fn host_rights(fd: &OwnedFd) -> Result<u64, Errno> {
    use std::os::fd::AsRawFd;
    let raw = fd.as_raw_fd();
    let kind = host_fd::file_type(raw)?;
    let status = host_fd::status_flags(raw)?;
    let mut base = rights::FILE;
    match status & libc::O_ACCMODE {
        libc::O_RDWR => {}
        libc::O_WRONLY => base &= !rights::FD_READ,
        libc::O_RDONLY => base &= !rights::FD_WRITE,
        _ => base &= !(rights::FD_READ | rights::FD_WRITE),
    }
    let is_stream = matches!(
        kind,
        HostFileType::Fifo | HostFileType::SocketStream | HostFileType::SocketDgram
    );
    if is_stream || host_fd::is_terminal(raw) {
        base &= !(rights::FD_SEEK | rights::FD_TELL);
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_copy_keeps_preopens_and_their_numbers() {
        let dir = std::env::temp_dir();
        let mut template = WasiCtx::new(vec![b"app".to_vec()], vec![b"A=1".to_vec()]);
        assert_eq!(template.preopen_dir(&dir, "/tmp").unwrap(), 3);
        let listener = template
            .preopen_tcp_listener("127.0.0.1:0".parse().unwrap())
            .unwrap();
        assert_eq!(listener, 4);
        let copy = template.fresh_copy().unwrap();
        assert_eq!(copy.preopens.len(), 1);
        assert_eq!(copy.preopens[0].1, "/tmp");
        match &copy.fds.get(3).unwrap().kind {
            Kind::Dir(d) => assert_eq!(d.preopen.as_deref(), Some("/tmp")),
            other => panic!("descriptor 3 is {other:?}"),
        }
        assert!(matches!(copy.fds.get(4).unwrap().kind, Kind::Listener(_)));
        assert!(copy.fds.get(5).is_err());
        // The copy's handles are its own: the template's directory is a different fd.
        assert_ne!(
            copy.fds.get(3).unwrap().host_fd(),
            template.fds.get(3).unwrap().host_fd()
        );
    }
}
