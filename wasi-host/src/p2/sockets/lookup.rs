//! `wasi:sockets/ip-name-lookup`: resolving a host name without blocking the guest.
//!
//! `resolve-addresses` answers an IP address literal at once. For a name it starts the
//! system resolver (`getaddrinfo`) on a thread of its own and returns a stream whose pollable
//! is the read end of a pipe the thread writes to when it is done, so the guest can wait for
//! the answer alongside its sockets and timers. The policy decides which names may be
//! resolved; a denied name is `access-denied`.

use std::collections::VecDeque;
use std::ffi::CString;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

use crate::error::HostError;
use crate::p2::call::P2Call;
use crate::p2::poll::Pollable;
use crate::p2::sockets::addr::{from_raw, unmap};
use crate::p2::sockets::network::{check_network, ErrorCode};
use crate::resources::{HostKind, HostObject};

type Answer = Result<Vec<IpAddr>, ErrorCode>;

/// A `resolve-address-stream`.
#[derive(Debug)]
pub struct ResolveAddressStream {
    /// The name, for the policy to learn the addresses it resolved to.
    name: String,
    state: Lookup,
}

#[derive(Debug)]
enum Lookup {
    /// The resolver thread is working; it fills `answer` and then writes to the pipe.
    Pending {
        answer: Arc<Mutex<Option<Answer>>>,
        done: OwnedFd,
    },
    /// The addresses not yet returned.
    Ready(VecDeque<IpAddr>),
    /// The lookup failed: the error, once.
    Failed(Option<ErrorCode>),
}

impl ResolveAddressStream {
    fn start(name: String) -> Result<ResolveAddressStream, ErrorCode> {
        let (read, write) = pipe()?;
        let answer = Arc::new(Mutex::new(None));
        let slot = answer.clone();
        let query = name.clone();
        std::thread::Builder::new()
            .name("wasi-aot-resolver".into())
            .spawn(move || {
                let result = getaddrinfo(&query);
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                // SAFETY: writes one byte from a live buffer to the pipe this thread owns.
                unsafe { libc::write(write.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
            })
            .map_err(|_| ErrorCode::OutOfMemory)?;
        Ok(ResolveAddressStream {
            name,
            state: Lookup::Pending { answer, done: read },
        })
    }

    /// The answer, if it has come.
    fn poll(&mut self) -> Option<Answer> {
        let Lookup::Pending { answer, .. } = &self.state else {
            return None;
        };
        let taken = answer.lock().unwrap_or_else(|e| e.into_inner()).take();
        taken
    }

    fn pollable(&self) -> Pollable {
        match &self.state {
            Lookup::Pending { done, .. } => Pollable::Readable(done.as_raw_fd()),
            _ => Pollable::Ready,
        }
    }
}

fn pipe() -> Result<(OwnedFd, OwnedFd), ErrorCode> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe2` returns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(ErrorCode::NewSocketLimit);
    }
    use std::os::fd::FromRawFd;
    // SAFETY: `pipe2` just opened both descriptors, and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The addresses of `name`, in the resolver's order without repeats, IPv4-mapped ones as
/// IPv4.
fn getaddrinfo(name: &str) -> Answer {
    let host = CString::new(name).map_err(|_| ErrorCode::InvalidArgument)?;
    // SAFETY: zeroed hints are valid (every field 0 or null), then two fields are set.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_UNSPEC;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut list: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `host` is NUL-terminated, `hints` lives for the call and `list` receives a
    // list we free below.
    let status = unsafe { libc::getaddrinfo(host.as_ptr(), std::ptr::null(), &hints, &mut list) };
    if status != 0 {
        return Err(match status {
            libc::EAI_NONAME | libc::EAI_NODATA => ErrorCode::NameUnresolvable,
            libc::EAI_AGAIN => ErrorCode::TemporaryResolverFailure,
            libc::EAI_MEMORY => ErrorCode::OutOfMemory,
            _ => ErrorCode::PermanentResolverFailure,
        });
    }
    let mut addrs = Vec::new();
    let mut at = list;
    while !at.is_null() {
        // SAFETY: `at` is a node of the list getaddrinfo returned, not yet freed.
        let node = unsafe { &*at };
        // SAFETY: `ai_addr` holds `ai_addrlen` bytes of a socket address.
        if let Some(sa) = unsafe { from_raw(node.ai_addr, node.ai_addrlen) } {
            let ip = unmap(sa.ip());
            if !addrs.contains(&ip) {
                addrs.push(ip);
            }
        }
        at = node.ai_next;
    }
    // SAFETY: `list` came from getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(list) };
    Ok(addrs)
}

/// The name as a resolver query: an IP address literal (IPv6 in brackets), or a DNS name,
/// lower case without a trailing dot.
enum Query {
    Literal(IpAddr),
    Name(String),
}

fn parse_name(name: &str) -> Result<Query, ErrorCode> {
    // An IPv6 literal needs its brackets, as in a URL's host (and wasmtime).
    let literal = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6),
        None => name.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4),
    };
    if let Some(ip) = literal {
        return Ok(Query::Literal(unmap(ip)));
    }
    if !wasi_aot_abi::net_policy::is_dns_name(name) {
        return Err(ErrorCode::InvalidArgument);
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    Ok(Query::Name(name.to_ascii_lowercase()))
}

/// `resolve-addresses`: starts resolving `name`.
pub fn resolve_addresses(
    call: &mut P2Call<'_>,
    network: i32,
    name: i32,
    name_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    check_network(call, network)?;
    let name = call.load_string(name, name_len)?;
    let stream = match parse_name(&name) {
        Err(code) => Err(code),
        Ok(Query::Literal(ip)) => Ok(ResolveAddressStream {
            name,
            state: Lookup::Ready(VecDeque::from([ip])),
        }),
        Ok(Query::Name(name)) if !call.ctx.net.allows_lookup(&name) => Err(ErrorCode::AccessDenied),
        Ok(Query::Name(name)) => ResolveAddressStream::start(name),
    };
    let result = match stream {
        Ok(stream) => Ok(call.new_own(HostObject::ResolveAddressStream(stream))?),
        Err(code) => Err(code),
    };
    call.store_result(ret, result)
}

fn stream<'c>(
    call: &'c mut P2Call<'_>,
    this: i32,
) -> Result<&'c mut ResolveAddressStream, HostError> {
    match call.object(this as u32, HostKind::ResolveAddressStream)? {
        HostObject::ResolveAddressStream(stream) => Ok(stream),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `[method]resolve-address-stream.resolve-next-address`: the next address, `none` after
/// the last, `would-block` while the resolver is still working.
pub fn resolve_address_stream_resolve_next_address(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let s = stream(call, this)?;
    if let Some(answer) = s.poll() {
        let name = s.name.clone();
        s.state = match &answer {
            Ok(addrs) => Lookup::Ready(addrs.iter().copied().collect()),
            Err(code) => Lookup::Failed(Some(*code)),
        };
        if let Ok(addrs) = &answer {
            call.ctx.net.note_resolved(&name, addrs);
        }
    }
    let s = stream(call, this)?;
    let result = match &mut s.state {
        Lookup::Pending { .. } => Err(ErrorCode::WouldBlock),
        Lookup::Ready(addrs) => Ok(addrs.pop_front()),
        Lookup::Failed(code) => match code.take() {
            Some(code) => Err(code),
            None => Ok(None),
        },
    };
    call.store_result(ret, result)
}

/// `[method]resolve-address-stream.subscribe`: ready when the answer is in.
pub fn resolve_address_stream_subscribe(
    call: &mut P2Call<'_>,
    this: i32,
) -> Result<i32, HostError> {
    let pollable = stream(call, this)?.pollable();
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_literals_parse() {
        assert!(matches!(parse_name("127.0.0.1"), Ok(Query::Literal(_))));
        assert!(matches!(parse_name("[::1]"), Ok(Query::Literal(_))));
        assert!(matches!(parse_name("::1"), Err(ErrorCode::InvalidArgument)));
        assert!(matches!(parse_name("LocalHost."), Ok(Query::Name(n)) if n == "localhost"));
        assert!(matches!(parse_name(""), Err(ErrorCode::InvalidArgument)));
        assert!(matches!(parse_name("a b"), Err(ErrorCode::InvalidArgument)));
        assert!(matches!(
            parse_name("x:80"),
            Err(ErrorCode::InvalidArgument)
        ));
    }

    #[test]
    fn localhost_resolves_on_a_thread() {
        let mut stream = ResolveAddressStream::start("localhost".into()).unwrap();
        crate::p2::poll::poll(&[stream.pollable()]).unwrap();
        let addrs = stream.poll().unwrap().unwrap();
        assert!(addrs.iter().all(|a| a.is_loopback()), "{addrs:?}");
        assert!(!addrs.is_empty());
        // Without a network the resolver may only say it failed for now.
        assert!(matches!(
            getaddrinfo("no-such-host.invalid"),
            Err(ErrorCode::NameUnresolvable | ErrorCode::TemporaryResolverFailure)
        ));
    }
}
