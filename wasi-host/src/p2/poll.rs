//! `wasi:io/poll`: waiting until one of several things is ready.
//!
//! A [`Pollable`] is a monotonic-clock deadline, a host descriptor becoming readable or
//! writable, or something that is always ready (a regular file). [`poll`] blocks in one
//! `ppoll` until at least one is ready and reports all that are, so a guest that subscribes to
//! a timeout and a descriptor together gets whichever comes first.

use std::os::fd::RawFd;

use crate::error::{last_host_errno, Errno, HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::clocks::Clock;
use crate::resources::{HostKind, HostObject};

/// Something to wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pollable {
    /// Ready once the monotonic clock reaches this many nanoseconds.
    Deadline(u64),
    /// Ready when the descriptor can be read without blocking (or is at end of stream).
    Readable(RawFd),
    /// Ready when the descriptor can be written without blocking.
    Writable(RawFd),
    /// Always ready.
    Ready,
}

/// How a ready descriptor is ready.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    /// The peer hung up (`POLLHUP`).
    pub hangup: bool,
    /// The descriptor is in an error state or not open (`POLLERR`, `POLLNVAL`).
    pub error: bool,
}

/// Waits until at least one of `list` is ready and returns, in order, the readiness of each
/// (`None` for those not ready). An empty list, which could never become ready, is `inval`.
pub fn poll(list: &[Pollable]) -> Result<Vec<Option<Readiness>>, Errno> {
    if list.is_empty() {
        return Err(Errno::Inval);
    }
    let mut fds: Vec<libc::pollfd> = list
        .iter()
        .filter_map(|p| match *p {
            Pollable::Readable(fd) => Some((fd, libc::POLLIN)),
            Pollable::Writable(fd) => Some((fd, libc::POLLOUT)),
            Pollable::Deadline(_) | Pollable::Ready => None,
        })
        .map(|(fd, events)| libc::pollfd {
            fd,
            events,
            revents: 0,
        })
        .collect();
    let earliest = list
        .iter()
        .filter_map(|p| match *p {
            Pollable::Deadline(at) => Some(at),
            Pollable::Ready => Some(0),
            _ => None,
        })
        .min();
    loop {
        let now = Clock::Monotonic.now()?;
        let timeout = earliest.map(|at| {
            let wait = at.saturating_sub(now);
            libc::timespec {
                tv_sec: libc::time_t::try_from(wait / 1_000_000_000).unwrap_or(libc::time_t::MAX),
                tv_nsec: (wait % 1_000_000_000) as libc::c_long,
            }
        });
        let timeout_ptr = timeout
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `fds` is a valid array of `fds.len()` pollfds, `timeout_ptr` is null or
        // points at a live `timespec`, and a null signal mask leaves the mask unchanged.
        let status = unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                timeout_ptr,
                std::ptr::null(),
            )
        };
        if status < 0 {
            match last_host_errno() {
                libc::EINTR => continue,
                code => return Err(Errno::from_host(code)),
            }
        }
        let now = Clock::Monotonic.now()?;
        let mut polled = fds.iter();
        let ready: Vec<Option<Readiness>> = list
            .iter()
            .map(|p| match *p {
                Pollable::Deadline(at) => (at <= now).then(Readiness::default),
                Pollable::Ready => Some(Readiness::default()),
                Pollable::Readable(_) | Pollable::Writable(_) => {
                    let revents = polled.next().map_or(0, |fd| fd.revents);
                    (revents != 0).then_some(Readiness {
                        hangup: revents & libc::POLLHUP != 0,
                        error: revents & (libc::POLLERR | libc::POLLNVAL) != 0,
                    })
                }
            })
            .collect();
        if ready.iter().any(Option::is_some) {
            return Ok(ready);
        }
    }
}

/// Whether `pollable` is ready now, without waiting.
pub fn is_ready(pollable: Pollable) -> bool {
    match pollable {
        Pollable::Ready => true,
        Pollable::Deadline(at) => Clock::Monotonic.now().is_ok_and(|now| now >= at),
        Pollable::Readable(fd) | Pollable::Writable(fd) => {
            let events = if matches!(pollable, Pollable::Readable(_)) {
                libc::POLLIN
            } else {
                libc::POLLOUT
            };
            let mut pfd = libc::pollfd {
                fd,
                events,
                revents: 0,
            };
            // SAFETY: one valid pollfd, no waiting.
            unsafe { libc::poll(&mut pfd, 1, 0) > 0 }
        }
    }
}

fn pollable(call: &mut P2Call<'_>, handle: u32) -> Result<Pollable, HostError> {
    match call.object(handle, HostKind::Pollable)? {
        HostObject::Pollable(p) => Ok(*p),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `wasi:io/poll` `poll`: waits until at least one pollable of the list is ready and returns
/// the indices of those that are. An empty list traps, as in wasmtime (it would wait
/// forever).
pub fn poll_list(call: &mut P2Call<'_>, list: i32, len: i32, ret: i32) -> Result<(), HostError> {
    let handles = call.load_u32_list(list, len)?;
    if handles.is_empty() {
        return Err(HostTrap::canon("wasi:io/poll poll of an empty list").into());
    }
    let pollables = handles
        .iter()
        .map(|h| pollable(call, *h))
        .collect::<Result<Vec<_>, _>>()?;
    let ready = poll(&pollables).map_err(HostError::Guest)?;
    let indices: Vec<u32> = (0..).zip(ready).filter_map(|(i, r)| r.map(|_| i)).collect();
    call.store_result(ret, indices)
}

/// `[method]pollable.ready`.
pub fn pollable_ready(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    Ok(is_ready(pollable(call, this as u32)?) as i32)
}

/// `[method]pollable.block`: waits until the pollable is ready.
pub fn pollable_block(call: &mut P2Call<'_>, this: i32) -> Result<(), HostError> {
    let p = pollable(call, this as u32)?;
    poll(&[p]).map_err(HostError::Guest)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_fd::test_fds::pipe;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    #[test]
    fn deadline_fires_and_readable_pipe_wins() {
        let now = Clock::Monotonic.now().unwrap();
        let ready = poll(&[Pollable::Deadline(now + 1_000_000)]).unwrap();
        assert_eq!(ready, [Some(Readiness::default())]);
        assert!(Clock::Monotonic.now().unwrap() >= now + 1_000_000);

        let (reader, writer) = pipe();
        let far = Pollable::Deadline(now + 60_000_000_000);
        let mut writer = std::fs::File::from(writer);
        writer.write_all(b"x").unwrap();
        let ready = poll(&[far, Pollable::Readable(reader.as_raw_fd())]).unwrap();
        assert_eq!(ready[0], None);
        assert_eq!(ready[1], Some(Readiness::default()));
        drop(writer);
        // The write end is closed: a hangup.
        let ready = poll(&[Pollable::Readable(reader.as_raw_fd())]).unwrap();
        assert!(ready[0].unwrap().hangup);
        assert_eq!(poll(&[]), Err(Errno::Inval));
    }
}
