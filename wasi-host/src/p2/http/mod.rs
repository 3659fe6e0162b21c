//! `wasi:http`: the types of requests, responses, their headers and bodies, the client
//! (`outgoing-handler`) that sends requests with hyper, and the server that hands requests
//! to a proxy component's `incoming-handler`.
//!
//! Guest calls are synchronous; the network work is asynchronous, on a tokio runtime of its
//! own ([`runtime`]) started the first time a request goes out. The two meet in shared state
//! behind a mutex and a [`Signal`]: an eventfd the async side raises when something the
//! guest waits for has happened (a response came, body bytes arrived, a body has room), so
//! that each waits as a [`Pollable`] beside the guest's sockets and timers.
//!
//! One module per concern: [`fields`] (headers and trailers), [`error`] (`error-code`),
//! [`request`] and [`response`] (the message resources), [`body`] (body streams and
//! trailers), [`client`] (`outgoing-handler.handle`), [`tls`] (the roots https trusts),
//! [`server`] (serving a proxy).

pub mod body;
pub mod client;
pub mod error;
pub mod fields;
pub mod request;
pub mod response;
pub mod server;
pub mod tls;

// The host functions, where the host table names them (`http::fields_new`).
pub use body::{
    future_trailers_get, future_trailers_subscribe, incoming_body_finish, incoming_body_stream,
    outgoing_body_finish, outgoing_body_write,
};
pub use client::outgoing_handler_handle;
pub use error::http_error_code;
pub use fields::{
    fields_append, fields_clone, fields_delete, fields_entries, fields_from_list, fields_get,
    fields_has, fields_new, fields_set,
};
pub use request::*;
pub use response::*;
pub use tls::TlsTrust;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;

use crate::p2::poll::Pollable;

/// The tokio runtime the network side of `wasi:http` runs on, started on first use: a
/// worker thread per core (at least two), as a server's connections need.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores.max(2))
            .thread_name("wasi-aot-http")
            .enable_all()
            .build()
            .expect("the host can start threads for wasi:http")
    })
}

/// A level-triggered flag the async side raises and the guest waits on: an eventfd, which
/// is readable while raised.
#[derive(Debug)]
pub(crate) struct Signal {
    fd: OwnedFd,
}

impl Signal {
    pub(crate) fn new() -> Signal {
        // SAFETY: eventfd has no memory arguments; a negative result is checked.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        assert!(fd >= 0, "eventfd: {}", std::io::Error::last_os_error());
        // SAFETY: `fd` was just opened and is owned by nothing else.
        Signal {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }

    /// Raises the flag (idempotent).
    pub(crate) fn raise(&self) {
        let one = 1u64;
        // SAFETY: writes 8 bytes from a live u64 to the eventfd.
        unsafe { libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    /// Lowers the flag.
    pub(crate) fn lower(&self) {
        let mut value = 0u64;
        // SAFETY: reads 8 bytes into a live u64; a lowered eventfd just fails with EAGAIN.
        unsafe { libc::read(self.fd.as_raw_fd(), (&mut value as *mut u64).cast(), 8) };
    }

    /// Ready while raised.
    pub(crate) fn pollable(&self) -> Pollable {
        Pollable::Readable(self.fd.as_raw_fd())
    }
}
