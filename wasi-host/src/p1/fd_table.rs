//! The guest's file-descriptor numbers and what each one refers to.
//!
//! Numbers are given out as wasmtime's P1 does, so a guest that prints its descriptors sees the
//! same values under both: the most recently freed number with the highest value first, else
//! one past the highest in use. Preopened directories will be another [`Descriptor`] kind,
//! numbered from 3 when the context is built; every `match` on the kinds is exhaustive so each
//! function has to decide what a new kind means.

use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::error::Errno;

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

/// What a guest descriptor refers to.
#[derive(Debug)]
pub(crate) enum Descriptor {
    /// Standard input (read-only) or output or error (write-only), as in wasmtime.
    Stdio(Stdio),
    /// A host descriptor the context owns and closes when the guest does (handed in with
    /// [`crate::WasiCtx::insert_host_fd`]; later also files the guest opens).
    Host(OwnedFd),
}

impl Descriptor {
    /// The host descriptor behind this one.
    pub(crate) fn host_fd(&self) -> RawFd {
        match self {
            Descriptor::Stdio(stdio) => stdio.host_fd,
            Descriptor::Host(owned) => owned.as_raw_fd(),
        }
    }
}

/// Guest descriptor numbers and the descriptors behind them.
#[derive(Debug)]
pub(crate) struct FdTable {
    used: BTreeMap<u32, Descriptor>,
    free: BTreeSet<u32>,
}

impl FdTable {
    /// A table with guest descriptors 0, 1 and 2 on the host descriptors `stdio`.
    pub(crate) fn with_stdio(stdio: [RawFd; 3]) -> FdTable {
        let streams = [StdioStream::Stdin, StdioStream::Stdout, StdioStream::Stderr];
        let used = (0..)
            .zip(streams.into_iter().zip(stdio))
            .map(|(fd, (stream, host_fd))| (fd, Descriptor::Stdio(Stdio { stream, host_fd })))
            .collect();
        FdTable {
            used,
            free: BTreeSet::new(),
        }
    }

    /// Adds `descriptor` and returns its number.
    pub(crate) fn push(&mut self, descriptor: Descriptor) -> Result<u32, Errno> {
        let fd = match self.free.pop_last() {
            Some(fd) => fd,
            None => match self.used.last_key_value() {
                None => 0,
                // Every number below the highest is in use (freed ones are in `free`), so a
                // full table is one whose highest number is `u32::MAX`.
                Some((&highest, _)) => highest.checked_add(1).ok_or(Errno::Mfile)?,
            },
        };
        self.used.insert(fd, descriptor);
        Ok(fd)
    }

    /// The descriptor numbered `fd`.
    pub(crate) fn get(&self, fd: u32) -> Result<&Descriptor, Errno> {
        self.used.get(&fd).ok_or(Errno::Badf)
    }

    /// Takes the descriptor numbered `fd` out of the table; the number can be given out again.
    pub(crate) fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        let descriptor = self.used.remove(&fd).ok_or(Errno::Badf)?;
        self.free.insert(fd);
        Ok(descriptor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_fd::test_fds::pipe;

    #[test]
    fn numbers_are_reused_like_wasmtime() {
        let mut table = FdTable::with_stdio([0, 1, 2]);
        let (a, b) = pipe();
        let (c, d) = pipe();
        assert_eq!(table.push(Descriptor::Host(a)), Ok(3));
        assert_eq!(table.push(Descriptor::Host(b)), Ok(4));
        assert!(table.remove(1).is_ok());
        assert!(table.remove(3).is_ok());
        assert_eq!(table.remove(3).err(), Some(Errno::Badf));
        // The highest freed number first.
        assert_eq!(table.push(Descriptor::Host(c)), Ok(3));
        assert_eq!(table.push(Descriptor::Host(d)), Ok(1));
        assert_eq!(table.get(5).err(), Some(Errno::Badf));
    }

    #[test]
    fn stdio_is_0_1_2() {
        let table = FdTable::with_stdio([10, 11, 12]);
        for (fd, stream) in [
            (0, StdioStream::Stdin),
            (1, StdioStream::Stdout),
            (2, StdioStream::Stderr),
        ] {
            match table.get(fd) {
                Ok(Descriptor::Stdio(stdio)) => {
                    assert_eq!(stdio.stream, stream);
                    assert_eq!(stdio.host_fd, 10 + fd as RawFd);
                }
                other => panic!("fd {fd}: {other:?}"),
            }
        }
    }
}
