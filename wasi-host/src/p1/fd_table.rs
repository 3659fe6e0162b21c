//! The guest's file-descriptor numbers, what each one refers to, and its rights.
//!
//! Numbers are given out as wasmtime's P1 does, so a guest that prints its descriptors sees the
//! same values under both: the most recently freed number with the highest value first, else
//! one past the highest in use. The context numbers stdio 0, 1, 2, then the preopened
//! directories, then the preopened listening sockets.
//!
//! Every descriptor carries P1 `rights` (base and inheriting). They start as every right the
//! descriptor's kind and access mode allow (as wasmtime reports them for stdio and preopens;
//! `path_open` documents the rest), and only `fd_fdstat_set_rights` takes rights away, so a
//! right is missing only where the guest dropped it (here or on a directory above) or where
//! the access mode rules it out. That way enforcing rights never refuses what wasmtime, which
//! enforces none, allows. Each function checks the right witx names for it with
//! [`Descriptor::require`]. Every `match` on the kinds is exhaustive, so each function
//! decides what each kind means.

use std::collections::BTreeSet;
use std::os::fd::{AsRawFd, RawFd};

use crate::error::Errno;
use crate::p1::types::rights;
use crate::p2::filesystem::{Dir, File};
use crate::p2::sockets::tcp::TcpSocket;

/// Which standard stream a [`Stdio`] descriptor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StdioStream {
    Stdin,
    Stdout,
    Stderr,
}

/// One of the host's standard streams, inherited by the guest.
///
/// The host descriptor is borrowed from the process: closing the guest's descriptor removes
/// the guest's entry only, so the runtime can still report a trap on stderr.
#[derive(Debug)]
pub(crate) struct Stdio {
    pub(crate) stream: StdioStream,
    pub(crate) host_fd: RawFd,
}

/// A file (or other non-directory) the guest opened, or one an embedder handed in.
#[derive(Debug)]
pub(crate) struct FileDescriptor {
    pub(crate) file: File,
    /// The guest's `nonblock` flag. Reads and writes of files block regardless, as in
    /// wasmtime; the flag is only reported back.
    pub(crate) nonblock: bool,
    /// The `dsync`, `rsync` and `sync` flags the file was opened with (the host opened it
    /// with the matching `O_*` flags).
    pub(crate) sync: u16,
}

/// A directory: a preopen, or one opened beneath a preopen.
#[derive(Debug)]
pub(crate) struct DirDescriptor {
    pub(crate) dir: Dir,
    /// The guest path it was preopened as; `None` for directories opened with `path_open`.
    pub(crate) preopen: Option<String>,
}

/// A TCP socket: a preopened listener or a connection accepted on one. It is the WASI 0.2
/// socket, whose host socket is always non-blocking; the guest's `nonblock` flag decides
/// whether a P1 call that would wait fails with `again` instead.
#[derive(Debug)]
pub(crate) struct SocketDescriptor {
    pub(crate) socket: TcpSocket,
    pub(crate) nonblock: bool,
}

/// What a guest descriptor refers to.
#[derive(Debug)]
pub(crate) enum Kind {
    /// Standard input (read-only) or output or error (write-only), as in wasmtime.
    Stdio(Stdio),
    File(FileDescriptor),
    Dir(DirDescriptor),
    /// A preopened listening socket.
    Listener(SocketDescriptor),
    /// A connection accepted on a listener.
    Stream(SocketDescriptor),
}

/// A guest descriptor: its kind and rights.
#[derive(Debug)]
pub(crate) struct Descriptor {
    pub(crate) kind: Kind,
    pub(crate) base: u64,
    pub(crate) inheriting: u64,
}

impl Descriptor {
    /// A descriptor with the rights `base` and `inheriting`.
    pub(crate) fn new(kind: Kind, base: u64, inheriting: u64) -> Descriptor {
        Descriptor {
            kind,
            base,
            inheriting,
        }
    }

    /// Fails unless the descriptor has every right in `needed`. A missing `fd_read` or
    /// `fd_write` is `badf` (what the host, and wasmtime, say for a descriptor not open for
    /// reading or writing); any other missing right is `notcapable`.
    pub(crate) fn require(&self, needed: u64) -> Result<(), Errno> {
        let missing = needed & !self.base;
        if missing == 0 {
            Ok(())
        } else if missing & (rights::FD_READ | rights::FD_WRITE) != 0 {
            Err(Errno::Badf)
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// The host descriptor behind this one.
    pub(crate) fn host_fd(&self) -> RawFd {
        match &self.kind {
            Kind::Stdio(stdio) => stdio.host_fd,
            Kind::File(file) => file.file.as_raw_fd(),
            Kind::Dir(dir) => dir.dir.as_raw_fd(),
            Kind::Listener(socket) | Kind::Stream(socket) => socket.socket.as_raw_fd(),
        }
    }
}

/// Guest descriptor numbers and the descriptors behind them.
///
/// Indexed by number (every host call looks a descriptor up, so lookup is a bounds check);
/// every number below the length is either in use or in `free`.
#[derive(Debug)]
pub(crate) struct FdTable {
    used: Vec<Option<Descriptor>>,
    free: BTreeSet<u32>,
}

impl FdTable {
    /// A table with guest descriptors 0, 1 and 2 on the host descriptors `stdio`, with the
    /// rights wasmtime reports for them.
    pub(crate) fn with_stdio(stdio: [RawFd; 3]) -> FdTable {
        let streams = [StdioStream::Stdin, StdioStream::Stdout, StdioStream::Stderr];
        let used = streams
            .into_iter()
            .zip(stdio)
            .map(|(stream, host_fd)| {
                let rights = match stream {
                    StdioStream::Stdin => rights::FD_READ,
                    StdioStream::Stdout | StdioStream::Stderr => rights::FD_WRITE,
                };
                let kind = Kind::Stdio(Stdio { stream, host_fd });
                Some(Descriptor::new(kind, rights, rights))
            })
            .collect();
        FdTable {
            used,
            free: BTreeSet::new(),
        }
    }

    /// Adds `descriptor` and returns its number.
    /// The descriptors in use, by number.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Descriptor)> {
        self.used
            .iter()
            .enumerate()
            .filter_map(|(n, d)| Some((n as u32, d.as_ref()?)))
    }

    pub(crate) fn push(&mut self, descriptor: Descriptor) -> Result<u32, Errno> {
        let fd = match self.free.pop_last() {
            Some(fd) => fd,
            // Every number below the length is in use (freed ones are in `free`).
            None => u32::try_from(self.used.len()).map_err(|_| Errno::Mfile)?,
        };
        if fd as usize == self.used.len() {
            self.used.push(Some(descriptor));
        } else {
            self.used[fd as usize] = Some(descriptor);
        }
        Ok(fd)
    }

    /// The descriptor numbered `fd`.
    pub(crate) fn get(&self, fd: u32) -> Result<&Descriptor, Errno> {
        self.used
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::Badf)
    }

    /// The descriptor numbered `fd`, to change.
    pub(crate) fn get_mut(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.used
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::Badf)
    }

    /// Takes the descriptor numbered `fd` out of the table; the number can be given out again.
    pub(crate) fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        let descriptor = self
            .used
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::Badf)?;
        self.free.insert(fd);
        Ok(descriptor)
    }

    /// Moves descriptor `from` to number `to`, closing what `to` was; both must be open.
    /// Returns the descriptor that was at `to` (the caller drops it, closing it).
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> Result<Option<Descriptor>, Errno> {
        if self.get(to).is_err() || self.get(from).is_err() {
            return Err(Errno::Badf);
        }
        if from == to {
            return Ok(None);
        }
        let moved = self.remove(from)?;
        Ok(self.used[to as usize].replace(moved))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_fd::test_fds::pipe;

    fn file_descriptor() -> Descriptor {
        let (reader, _writer) = pipe();
        let file = File::from_std(std::fs::File::from(reader));
        Descriptor::new(
            Kind::File(FileDescriptor {
                file,
                nonblock: false,
                sync: 0,
            }),
            rights::FD_READ,
            0,
        )
    }

    #[test]
    fn numbers_are_reused_like_wasmtime() {
        let mut table = FdTable::with_stdio([0, 1, 2]);
        assert_eq!(table.push(file_descriptor()), Ok(3));
        assert_eq!(table.push(file_descriptor()), Ok(4));
        assert!(table.remove(1).is_ok());
        assert!(table.remove(3).is_ok());
        assert_eq!(table.remove(3).err(), Some(Errno::Badf));
        // The highest freed number first.
        assert_eq!(table.push(file_descriptor()), Ok(3));
        assert_eq!(table.push(file_descriptor()), Ok(1));
        assert_eq!(table.get(5).err(), Some(Errno::Badf));
    }

    #[test]
    fn renumber_moves_and_frees() {
        let mut table = FdTable::with_stdio([0, 1, 2]);
        assert_eq!(table.push(file_descriptor()), Ok(3));
        assert_eq!(table.renumber(3, 9).err(), Some(Errno::Badf));
        assert_eq!(table.renumber(9, 0).err(), Some(Errno::Badf));
        let closed = table.renumber(3, 0).unwrap();
        assert!(matches!(closed.map(|d| d.kind), Some(Kind::Stdio(_))));
        assert!(matches!(table.get(0).map(|d| &d.kind), Ok(Kind::File(_))));
        assert_eq!(table.get(3).err(), Some(Errno::Badf));
        assert_eq!(table.push(file_descriptor()), Ok(3));
        assert!(table.renumber(1, 1).unwrap().is_none());
    }

    #[test]
    fn stdio_is_0_1_2_with_wasmtimes_rights() {
        let table = FdTable::with_stdio([10, 11, 12]);
        for (fd, stream, right) in [
            (0, StdioStream::Stdin, rights::FD_READ),
            (1, StdioStream::Stdout, rights::FD_WRITE),
            (2, StdioStream::Stderr, rights::FD_WRITE),
        ] {
            let descriptor = table.get(fd).unwrap();
            match &descriptor.kind {
                Kind::Stdio(stdio) => {
                    assert_eq!(stdio.stream, stream);
                    assert_eq!(stdio.host_fd, 10 + fd as RawFd);
                }
                other => panic!("fd {fd}: {other:?}"),
            }
            assert_eq!((descriptor.base, descriptor.inheriting), (right, right));
        }
    }

    #[test]
    fn missing_rights() {
        let descriptor = file_descriptor();
        assert_eq!(descriptor.require(rights::FD_READ), Ok(()));
        assert_eq!(descriptor.require(rights::FD_WRITE), Err(Errno::Badf));
        assert_eq!(descriptor.require(rights::FD_SEEK), Err(Errno::Notcapable));
    }
}
