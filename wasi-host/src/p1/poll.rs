//! `poll_oneoff`: waiting for clocks and descriptors, over `p2::poll`.
//!
//! Each subscription becomes one [`Pollable`]: a clock becomes a monotonic deadline (a
//! realtime deadline is converted with the current wall time, as in wasmtime; a relative
//! timeout on a CPU-time clock is waited as elapsed time and an absolute one is `inval`),
//! stdin, pipes and sockets wait
//! for the host descriptor, and regular files are always ready. One event is written per ready
//! subscription, in subscription order. A subscription on a descriptor that cannot be polled
//! (a directory, stdout for reading, ...) fails the whole call with `badf`, as in wasmtime.
//!
//! `nbytes` of a read event is what can be read without blocking: the rest of a regular file
//! (with `fd_readwrite_hangup` at its end), or what the host says a pipe or socket holds;
//! a write event reports 1, as wasmtime does.

use std::os::fd::RawFd;

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError, HostTrap};
use crate::host_fd::{self, HostFileType};
use crate::memory::GuestMemory;
use crate::p1::fd_table::{Descriptor, Kind, StdioStream};
use crate::p1::types::rights;
use crate::p2::clocks::Clock;
use crate::p2::poll::{poll, Pollable, Readiness};

const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;
const SUBCLOCKFLAGS_ABSTIME: u16 = 1;
const EVENTRWFLAGS_HANGUP: u16 = 1;

/// `eventtype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventType {
    Clock = 0,
    FdRead = 1,
    FdWrite = 2,
}

/// One decoded subscription and what it waits for.
struct Subscription {
    userdata: u64,
    kind: EventType,
    pollable: Pollable,
    /// For descriptor subscriptions, the host descriptor and whether it is a regular file.
    host_fd: Option<(RawFd, bool)>,
}

/// Waits for the `nsubscriptions` subscriptions at `in_` and writes an event for each ready
/// one to `out`, and their number to `nevents`.
pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    in_: i32,
    out: i32,
    nsubscriptions: i32,
    nevents: i32,
) -> Result<(), HostError> {
    let count = nsubscriptions as u32;
    if count == 0 {
        // Waiting for nothing would never return.
        return Err(Errno::Inval.into());
    }
    let (in_, out) = (in_ as u32, out as u32);
    let in_len = count
        .checked_mul(SUBSCRIPTION_SIZE)
        .ok_or(HostTrap::MemoryOutOfBounds)?;
    let out_len = count
        .checked_mul(EVENT_SIZE)
        .ok_or(HostTrap::MemoryOutOfBounds)?;
    mem.slice(in_, in_len)?;
    GuestMemory::check_aligned(in_, 8)?;
    mem.slice(out, out_len)?;
    GuestMemory::check_aligned(out, 8)?;

    let subscriptions = (0..count)
        .map(|index| subscription(ctx, mem, in_ + index * SUBSCRIPTION_SIZE))
        .collect::<Result<Vec<_>, HostError>>()?;
    let pollables: Vec<Pollable> = subscriptions.iter().map(|s| s.pollable).collect();
    let ready = poll(&pollables)?;

    let mut written = 0u32;
    for (subscription, readiness) in subscriptions.iter().zip(ready) {
        let Some(readiness) = readiness else { continue };
        let event = event(subscription, readiness);
        mem.write_record(out + written * EVENT_SIZE, 8, &event)?;
        written += 1;
    }
    mem.write_u32(nevents as u32, written)
}

/// Decodes the subscription at `at`.
fn subscription(ctx: &WasiCtx, mem: &GuestMemory, at: u32) -> Result<Subscription, HostError> {
    let userdata = mem.read_u64(at)?;
    let tag = mem.read_u8(at + 8)?;
    let (kind, pollable, host_fd) = match tag {
        0 => {
            let id = mem.read_u32(at + 16)?;
            let timeout = mem.read_u64(at + 24)?;
            let clock_flags = mem.read_u16(at + 40)?;
            if clock_flags & !SUBCLOCKFLAGS_ABSTIME != 0 {
                return Err(Errno::Inval.into());
            }
            let deadline = deadline(id, timeout, clock_flags & SUBCLOCKFLAGS_ABSTIME != 0)?;
            (EventType::Clock, Pollable::Deadline(deadline), None)
        }
        1 | 2 => {
            let write = tag == 2;
            let descriptor = ctx.fds.get(mem.read_u32(at + 16)?)?;
            let (pollable, regular) = descriptor_pollable(descriptor, write)?;
            let kind = if write {
                EventType::FdWrite
            } else {
                EventType::FdRead
            };
            (kind, pollable, Some((descriptor.host_fd(), regular)))
        }
        _ => return Err(Errno::Inval.into()),
    };
    Ok(Subscription {
        userdata,
        kind,
        pollable,
        host_fd,
    })
}

/// The monotonic deadline of a clock subscription. A relative timeout on a CPU-time clock
/// is waited as elapsed time (as wasmtime does for a lone one); an absolute one cannot be.
fn deadline(id: u32, timeout: u64, absolute: bool) -> Result<u64, Errno> {
    let now = Clock::Monotonic.now()?;
    match (id, absolute) {
        (1, true) => Ok(timeout),
        (0..=3, false) => Ok(now.saturating_add(timeout)),
        (0, true) => {
            let wall = Clock::Wall.now()?;
            Ok(now.saturating_add(timeout.saturating_sub(wall)))
        }
        _ => Err(Errno::Inval),
    }
}

/// What a read (or write) subscription on `descriptor` waits for, and whether the descriptor
/// is a regular file.
fn descriptor_pollable(descriptor: &Descriptor, write: bool) -> Result<(Pollable, bool), Errno> {
    let host_fd = descriptor.host_fd();
    let wait = if write {
        Pollable::Writable(host_fd)
    } else {
        Pollable::Readable(host_fd)
    };
    match &descriptor.kind {
        Kind::Stdio(stdio) => {
            let readable = stdio.stream == StdioStream::Stdin;
            if readable == write {
                return Err(Errno::Badf);
            }
            Ok((wait, false))
        }
        Kind::File(_) => {
            descriptor.require(rights::POLL_FD_READWRITE)?;
            if host_fd::file_type(host_fd)? == HostFileType::RegularFile {
                Ok((Pollable::Ready, true))
            } else {
                Ok((wait, false))
            }
        }
        Kind::Stream(_) => {
            descriptor.require(rights::POLL_FD_READWRITE)?;
            Ok((wait, false))
        }
        Kind::Listener(_) if !write => {
            descriptor.require(rights::POLL_FD_READWRITE)?;
            Ok((wait, false))
        }
        Kind::Listener(_) | Kind::Dir(_) => Err(Errno::Badf),
    }
}

/// The 32-byte `event` for a ready subscription.
fn event(subscription: &Subscription, readiness: Readiness) -> [u8; EVENT_SIZE as usize] {
    let mut error = if readiness.error {
        Errno::Io
    } else {
        Errno::Success
    };
    let (mut nbytes, mut flags) = (0u64, 0u16);
    if let Some((host_fd, regular)) = subscription.host_fd {
        if readiness.hangup {
            flags |= EVENTRWFLAGS_HANGUP;
        }
        nbytes = match (subscription.kind, regular) {
            (EventType::FdRead, true) => match remaining_in_file(host_fd) {
                Ok(0) => {
                    flags |= EVENTRWFLAGS_HANGUP;
                    0
                }
                Ok(n) => n,
                Err(errno) => {
                    error = errno;
                    0
                }
            },
            (EventType::FdRead, false) => host_fd::bytes_readable(host_fd).unwrap_or(1),
            _ => 1,
        };
    }
    let mut bytes = [0; EVENT_SIZE as usize];
    bytes[0..8].copy_from_slice(&subscription.userdata.to_le_bytes());
    bytes[8..10].copy_from_slice(&error.raw().to_le_bytes());
    bytes[10] = subscription.kind as u8;
    bytes[16..24].copy_from_slice(&nbytes.to_le_bytes());
    bytes[24..26].copy_from_slice(&flags.to_le_bytes());
    bytes
}

/// The bytes between the file offset and the end of the regular file `fd`.
fn remaining_in_file(fd: RawFd) -> Result<u64, Errno> {
    let position = host_fd::seek(fd, 0, libc::SEEK_CUR)?;
    let end = host_fd::file_size(fd)?;
    Ok(end.saturating_sub(position))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_fd::test_fds::pipe;
    use crate::memory::TestMemory;
    use std::io::Write;

    fn clock_subscription(memory: &mut TestMemory, at: usize, userdata: u64, timeout: u64) {
        memory.set_bytes(at, &userdata.to_le_bytes());
        memory.set_bytes(at + 8, &[0]);
        memory.set_u32(at + 16, 1);
        memory.set_bytes(at + 24, &timeout.to_le_bytes());
    }

    fn fd_subscription(memory: &mut TestMemory, at: usize, userdata: u64, tag: u8, fd: u32) {
        memory.set_bytes(at, &userdata.to_le_bytes());
        memory.set_bytes(at + 8, &[tag]);
        memory.set_u32(at + 16, fd);
    }

    #[test]
    fn clock_and_pipe_subscriptions() {
        let (reader, writer) = pipe();
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let fd = ctx.insert_host_fd(reader).unwrap();
        let mut memory = TestMemory::new(1024);
        clock_subscription(&mut memory, 0, 7, 1_000_000);
        fd_subscription(&mut memory, 48, 8, 1, fd);
        poll_oneoff(&mut ctx, &mut memory.guest(), 0, 256, 2, 512).unwrap();
        // Only the clock fired.
        assert_eq!(memory.u32_at(512), 1);
        assert_eq!(memory.u64_at(256), 7);
        assert_eq!(memory.bytes()[266], EventType::Clock as u8);

        std::fs::File::from(writer).write_all(b"abc").unwrap();
        clock_subscription(&mut memory, 0, 7, 60_000_000_000);
        poll_oneoff(&mut ctx, &mut memory.guest(), 0, 256, 2, 512).unwrap();
        assert_eq!(memory.u32_at(512), 1);
        assert_eq!(memory.u64_at(256), 8);
        assert_eq!(memory.bytes()[266], EventType::FdRead as u8);
        assert_eq!(memory.u64_at(256 + 16), 3);
        // The write end is closed: a hangup.
        assert_eq!(memory.bytes()[256 + 24] & 1, 1);
    }

    #[test]
    fn bad_subscriptions() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(1024);
        assert_eq!(
            poll_oneoff(&mut ctx, &mut memory.guest(), 0, 256, 0, 512),
            Err(Errno::Inval.into())
        );
        fd_subscription(&mut memory, 0, 1, 1, 9);
        assert_eq!(
            poll_oneoff(&mut ctx, &mut memory.guest(), 0, 256, 1, 512),
            Err(Errno::Badf.into())
        );
        // Reading stdout.
        fd_subscription(&mut memory, 0, 1, 1, 1);
        assert_eq!(
            poll_oneoff(&mut ctx, &mut memory.guest(), 0, 256, 1, 512),
            Err(Errno::Badf.into())
        );
        // An absolute deadline on the process CPU-time clock.
        clock_subscription(&mut memory, 0, 1, 1);
        memory.set_u32(16, 2);
        memory.set_bytes(40, &[1]);
        assert_eq!(
            poll_oneoff(&mut ctx, &mut memory.guest(), 0, 256, 1, 512),
            Err(Errno::Inval.into())
        );
        assert_eq!(
            poll_oneoff(&mut ctx, &mut memory.guest(), 0, 1000, 1, 512),
            Err(HostTrap::MemoryOutOfBounds.into())
        );
    }
}
