//! Serving a `wasi:http/proxy` component: the HTTP server of `wasi-aot-host` takes the
//! requests, and every request runs on a fresh instance of the component, on a guest
//! thread of this pool, as `wasmtime serve` runs each on a fresh store.
//!
//! A guest thread has what compiled code needs of a thread (an alternate signal stack and
//! its own stack limit) and runs one request at a time: a new WASI context, the plan
//! instantiated, `incoming-handler.handle` called with the request's handles, then the
//! instance and the context freed. Threads are started as concurrent requests need them, up
//! to [`MAX_GUEST_THREADS`], and kept for the next requests; a request that finds them all
//! busy waits its turn. A trap is reported on stderr and the request gets 500 (the server's
//! answer to a dropped outparam); the thread goes on with the next one.

use crate::program::Program;
use crate::{component, entry, host, instance, trap};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use wasi_aot_abi::metadata::ComponentExport;
use wasi_aot_host::p2::http::request::IncomingRequest;
use wasi_aot_host::p2::http::response::ResponseOutparam;
use wasi_aot_host::p2::http::server::{self, Handler, Limits};
use wasi_aot_host::resources::HostObject;
use wasi_aot_host::{HostTrap, WasiCtx};

/// The environment variable that overrides the address baked in with `--listen`.
pub const LISTEN_ENV: &str = "WASI_AOT_LISTEN";
/// The most guest threads: the most requests that run at once (more wait).
const MAX_GUEST_THREADS: usize = 1024;
/// Each guest thread's stack: the guest's stack limit is set inside it.
const GUEST_STACK: usize = 8 << 20;

/// One request for a guest.
struct Job {
    request: IncomingRequest,
    out: ResponseOutparam,
}

/// The requests waiting for a guest thread, and the threads.
#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    /// Threads started.
    threads: usize,
}

/// The guest threads and what each request needs.
struct Pool {
    program: &'static Program,
    /// The `wasi:http/incoming-handler` `handle` export.
    handler: &'static ComponentExport,
    /// The WASI context every request's guest starts from: built (its preopens opened)
    /// once, copied per request.
    template: WasiCtx,
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// Serves the proxy component `program` until SIGTERM or SIGINT; returns the exit status.
pub fn run(program: &'static Program, args: Vec<Vec<u8>>) -> i32 {
    let addr = listen_address(program).unwrap_or_else(|m| entry::die(&m));
    let handler = program
        .meta
        .component
        .as_ref()
        .and_then(|c| c.exports.iter().find(|e| is_handler(&e.name)))
        .unwrap_or_else(|| {
            entry::die("the component exports no `wasi:http/incoming-handler` `handle`")
        });
    // What cannot work for any request (a preopen that cannot be opened) stops the server
    // before it listens.
    let template = entry::guest_ctx(program, args).unwrap_or_else(|m| entry::die(&m));
    let pool = Arc::new(Pool {
        program,
        handler,
        template,
        queue: Mutex::default(),
        ready: Condvar::new(),
    });
    let handler: Handler = Arc::new(move |request, out| pool.dispatch(Job { request, out }));
    let served = server::serve(addr, Limits::default(), handler, |local| {
        eprintln!("Serving HTTP on http://{local}/");
    });
    match served {
        Ok(()) => 0,
        Err(e) => entry::die(&format!("cannot serve HTTP on {addr}: {e}")),
    }
}

/// `WASI_AOT_LISTEN` if set, else the address the executable was built with.
fn listen_address(program: &Program) -> Result<SocketAddr, String> {
    if let Ok(value) = std::env::var(LISTEN_ENV) {
        return value
            .parse()
            .map_err(|_| format!("bad {LISTEN_ENV} `{value}`: expected IP:PORT"));
    }
    let baked = program.meta.wasi.listen.as_deref().unwrap_or("");
    baked
        .parse()
        .map_err(|_| format!("bad listening address `{baked}` in the executable"))
}

/// Whether `name` is the export path of `wasi:http/incoming-handler@0.2.x` `handle`.
fn is_handler(name: &str) -> bool {
    name.rsplit_once('/').is_some_and(|(interface, func)| {
        func == "handle"
            && wasi_aot_abi::wasi_p2::split_version(interface).0 == "wasi:http/incoming-handler"
    })
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pool {
    /// Queues `job` for a guest thread, starting one if every thread is busy.
    fn dispatch(self: &Arc<Self>, job: Job) {
        let mut queue = lock(&self.queue);
        queue.jobs.push_back(job);
        if queue.jobs.len() > queue.idle && queue.threads < MAX_GUEST_THREADS {
            let pool = self.clone();
            let started = std::thread::Builder::new()
                .name("wasi-aot-guest".into())
                .stack_size(GUEST_STACK)
                .spawn(move || pool.guest_thread());
            match started {
                Ok(_) => queue.threads += 1,
                // The queued job waits for a thread that finishes.
                Err(e) => eprintln!("wasi-aot: cannot start a guest thread: {e}"),
            }
        } else {
            self.ready.notify_one();
        }
    }

    /// A guest thread: runs queued requests, one at a time, for the rest of the process.
    fn guest_thread(&self) {
        trap::signals::install();
        set_thread_stack_limit();
        instance::set_disposable();
        loop {
            let job = {
                let mut queue = lock(&self.queue);
                queue.idle += 1;
                let job = loop {
                    match queue.jobs.pop_front() {
                        Some(job) => break job,
                        None => queue = self.ready.wait(queue).unwrap_or_else(|e| e.into_inner()),
                    }
                };
                queue.idle -= 1;
                job
            };
            self.run(job);
        }
    }

    /// Runs one request on a fresh instance, and frees it after.
    fn run(&self, job: Job) {
        match self.template.fresh_copy() {
            Ok(ctx) => host::set_context(ctx),
            // Dropping the job answers 500.
            Err(e) => return eprintln!("error: cannot set up the request's WASI context: {e}"),
        }
        match component::instantiate(self.program) {
            Ok(state) => {
                self.handle(state, job);
                // SAFETY: the call is over; nothing refers to the instance any more.
                unsafe { component::destroy(state) };
            }
            Err(unwound) => eprint!("{}", entry::trap_report(&unwound)),
        }
        component::reset_flags();
        // Drops what the guest still held, the outparam too if it never set it.
        host::clear_context();
    }

    /// Calls `handle` with the request's handles, then its `post-return`.
    fn handle(&self, state: &component::State, job: Job) {
        let instance = self.handler.instance;
        let handles = host::with_context(|ctx| {
            let request = ctx
                .resources
                .new_own(instance, HostObject::IncomingRequest(job.request))?;
            let out = ctx
                .resources
                .new_own(instance, HostObject::ResponseOutparam(job.out))?;
            Ok((request, out))
        });
        let Ok((request, out)) = handles else {
            return eprintln!("error: cannot give the guest the request's handles");
        };
        let lifted = component::lifted(state, &self.handler.lift, instance);
        // SAFETY: the compiler checked `handle`'s type: two handles in, nothing out.
        let called = unsafe { instance::invoke(lifted.func, &[request as u128, out as u128]) };
        let called = called.and_then(|results| match lifted.post_return.is_null() {
            true => Ok(Vec::new()),
            // SAFETY: a post-return function takes the lifted function's core results.
            false => unsafe { instance::invoke(lifted.post_return, &results) },
        });
        match called {
            Ok(_) => {}
            Err(trap::Unwound::Host(HostTrap::Exit(code), _)) => {
                eprintln!("error: the guest exited with status {code} while handling a request")
            }
            Err(unwound) => eprint!("{}", entry::trap_report(&unwound)),
        }
    }
}

/// Sets the stack limit of this (spawned) thread: `STACK_RESERVE` above its guard page.
fn set_thread_stack_limit() {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread; the getters read it,
    // and it is destroyed after.
    let (low, guard) = unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            entry::die("cannot read a guest thread's stack bounds");
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size = 0usize;
        let mut guard = 0usize;
        libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_getguardsize(&attr, &mut guard);
        libc::pthread_attr_destroy(&mut attr);
        (addr as usize, guard)
    };
    instance::set_stack_limit(low + guard + wasi_aot_abi::STACK_RESERVE);
}
