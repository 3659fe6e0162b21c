//! [`WasiCtx`]: everything one guest's WASI calls read and change.

use std::os::fd::{OwnedFd, RawFd};

use crate::error::Errno;
use crate::p1::fd_table::{Descriptor, FdTable};

/// The WASI state of one running guest: its arguments, environment and descriptors.
#[derive(Debug)]
pub struct WasiCtx {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    pub(crate) fds: FdTable,
}

impl WasiCtx {
    /// A context whose descriptors 0, 1 and 2 are the host's standard streams.
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
        }
    }

    /// Gives the guest the host descriptor `fd` and returns the guest's number for it.
    ///
    /// The context owns `fd` from now on and closes it when the guest closes it or the context
    /// is dropped. The guest can read, write and seek it as the host allows, like a file it
    /// opened itself. Meant for tests and for embedders that hand a guest an open file.
    pub fn insert_host_fd(&mut self, fd: OwnedFd) -> Result<u32, Errno> {
        self.fds.push(Descriptor::Host(fd))
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
