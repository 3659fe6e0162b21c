//! The process entry point of every built executable.
//!
//! `main` checks the program, installs the trap handlers, sets the guest stack limit, and
//! then runs the program: a WASI command (instantiate, call `_start`, exit with its
//! status) or, for the spec harness, a script read from stdin.

use crate::instance::{self, Extern, Instance};
use crate::trap::{self, Unwound};
use crate::{harness, host, program};
use std::ffi::CStr;
use std::sync::OnceLock;
use wasi_aot_abi::metadata::{ProgramKind, WasiPolicy};
use wasi_aot_host::p2::http::TlsTrust;
use wasi_aot_host::p2::sockets::policy::NetPolicy;
use wasi_aot_host::{HostTrap, WasiCtx};

/// Exit status of a trapped guest, as wasmtime uses on Unix.
const TRAP_STATUS: i32 = 134;
/// Guest stack when the process stack is unlimited.
const DEFAULT_STACK: usize = 8 << 20;
/// The smallest stack limit the runtime runs with when the hard limit allows: room for
/// `STACK_RESERVE` and some guest frames.
const MIN_STACK: usize = 1 << 20;

pub(crate) fn die(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(TRAP_STATUS)
}

/// Sets the lowest stack address at which compiled code may still call the runtime, and
/// bounds the stack. Compiled code mostly runs without checks until it faults on the
/// kernel's guard below the stack (at the top of the stack minus `RLIMIT_STACK`); the
/// limit keeps `STACK_RESERVE` above that for runtime code.
fn set_stack_limit() {
    let here = 0u8;
    let sp = &here as *const u8 as usize;
    // The file name of the executable is the highest string the kernel puts on the stack.
    // SAFETY: getauxval has no preconditions; AT_EXECFN, when present, points at a
    // NUL-terminated string on the stack.
    let top = unsafe {
        let execfn = libc::getauxval(libc::AT_EXECFN) as usize;
        if execfn > sp {
            execfn + libc::strlen(execfn as *const libc::c_char) + 1
        } else {
            sp
        }
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we pass.
    let size = unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_STACK, &mut rl) != 0 {
            DEFAULT_STACK
        } else if rl.rlim_cur == libc::RLIM_INFINITY {
            // Unbounded, runaway recursion would only stop when memory runs out.
            rl.rlim_cur = DEFAULT_STACK as libc::rlim_t;
            libc::setrlimit(libc::RLIMIT_STACK, &rl);
            DEFAULT_STACK
        } else if (rl.rlim_cur as usize) < MIN_STACK && rl.rlim_max as usize >= MIN_STACK {
            // Too small to keep the runtime's reserve: raise it, as the hard limit allows.
            let current = rl.rlim_cur as usize;
            rl.rlim_cur = MIN_STACK as libc::rlim_t;
            if libc::setrlimit(libc::RLIMIT_STACK, &rl) == 0 {
                MIN_STACK
            } else {
                current
            }
        } else {
            rl.rlim_cur as usize
        }
    };
    let bottom = top.next_multiple_of(4096).saturating_sub(size);
    let limit = (bottom + wasi_aot_abi::STACK_RESERVE).min(sp.saturating_sub(64 * 1024));
    instance::set_stack_limit(limit);
}

/// The C entry point (not exported in the crate's own unit-test binary, where libtest
/// provides `main`).
///
/// # Safety
/// Called by the C runtime with the process arguments.
#[cfg_attr(not(test), unsafe(no_mangle))]
pub unsafe extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    let program = match program::load() {
        Ok(p) => p,
        Err(e) => die(&e),
    };
    trap::signals::install();
    // A guest writing to a closed pipe gets EPIPE, as under wasmtime, instead of dying.
    // SAFETY: setting a signal disposition.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    set_stack_limit();
    let args: Vec<Vec<u8>> = (0..argc as usize)
        // SAFETY: the C runtime passes `argc` valid C strings.
        .map(|i| unsafe { CStr::from_ptr(*argv.add(i)) }.to_bytes().to_vec())
        .collect();
    match program.meta.kind {
        ProgramKind::Script => harness::run(),
        ProgramKind::Command => run_command(program, args),
        ProgramKind::Component => run_component(program, args),
        ProgramKind::HttpProxy => crate::serve::run(program, guest_args(args)),
        ProgramKind::ComponentScript => {
            install_context(program, args);
            crate::component::script::run(program)
        }
    }
}

fn guest_env(program: &program::Program) -> Vec<Vec<u8>> {
    let policy = &program.meta.wasi;
    let mut env: Vec<Vec<u8>> = Vec::new();
    if policy.inherit_env {
        for (k, v) in std::env::vars_os() {
            use std::os::unix::ffi::OsStrExt;
            let mut pair = k.as_bytes().to_vec();
            pair.push(b'=');
            pair.extend_from_slice(v.as_bytes());
            env.push(pair);
        }
    }
    env.extend(policy.env.iter().map(|e| e.as_bytes().to_vec()));
    env
}

/// The guest's WASI context: argv, environment, then the preopens of the baked-in policy, in
/// descriptor order (directories from 3 on, then listening sockets). A preopen that cannot be
/// opened stops the program before it starts.
pub(crate) fn guest_ctx(program: &program::Program, args: Vec<Vec<u8>>) -> Result<WasiCtx, String> {
    let policy = &program.meta.wasi;
    let mut ctx = WasiCtx::new(args, guest_env(program));
    for (host, guest) in &policy.dirs {
        ctx.preopen_dir(std::path::Path::new(host), guest)
            .map_err(|e| {
                format!("cannot open directory `{host}` (for --dir {host}::{guest}): {e}")
            })?;
    }
    for addr in &policy.tcp_listen {
        let parsed: std::net::SocketAddr = addr
            .parse()
            .map_err(|e| format!("bad --tcp-listen address `{addr}`: {e}"))?;
        ctx.preopen_tcp_listener(parsed)
            .map_err(|e| format!("cannot listen on `{addr}` (--tcp-listen): {e}"))?;
    }
    let net = if policy.allow_net {
        NetPolicy::allow_all()
    } else {
        NetPolicy::from_rules(
            &policy.tcp_connect,
            &policy.tcp_listen_rules,
            &policy.udp,
            policy.name_lookup,
        )?
    };
    ctx.set_network_policy(net);
    ctx.set_tls_trust(tls_trust(policy)?);
    Ok(ctx)
}

/// The roots https requests trust, built once: a server makes a context per request.
fn tls_trust(policy: &WasiPolicy) -> Result<TlsTrust, String> {
    static TRUST: OnceLock<Result<TlsTrust, String>> = OnceLock::new();
    TRUST
        .get_or_init(|| TlsTrust::with_extra_roots(&policy.tls_roots))
        .clone()
}

/// The guest's argv: the executable's name first, not the path it was started by.
fn guest_args(mut args: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    if let Some(argv0) = args.first_mut() {
        if let Some(slash) = argv0.iter().rposition(|b| *b == b'/') {
            argv0.drain(..=slash);
        }
    }
    args
}

/// Sets up the guest's WASI context: argv, environment and preopens.
fn install_context(program: &program::Program, args: Vec<Vec<u8>>) {
    let ctx = match guest_ctx(program, guest_args(args)) {
        Ok(ctx) => ctx,
        Err(message) => die(&message),
    };
    host::set_context(ctx);
}

fn run_component(program: &'static program::Program, args: Vec<Vec<u8>>) -> i32 {
    install_context(program, args);
    match crate::component::run(program) {
        Ok(status) => status,
        Err(u) => report(u),
    }
}

fn run_command(program: &program::Program, args: Vec<Vec<u8>>) -> i32 {
    install_context(program, args);
    let last = program.meta.modules.len() - 1;
    let instance = match Instance::new(last, &|_, _| None) {
        Ok(i) => i,
        Err(instance::InstantiateError::Trap(u)) => return report(u),
        Err(e) => die(&format!("cannot start the program: {e:?}")),
    };
    let Some(Extern::Func(start)) = instance.export("_start") else {
        return 0;
    };
    // SAFETY: `_start` takes no parameters.
    match unsafe { instance::invoke(start, &[]) } {
        Ok(_) => 0,
        Err(u) => report(u),
    }
}

/// Reports how the guest stopped and returns the process exit status.
fn report(unwound: Unwound) -> i32 {
    if let Unwound::Host(HostTrap::Exit(code), _) = unwound {
        return code;
    }
    eprint!("{}", trap_report(&unwound));
    TRAP_STATUS
}

/// The report of a trap: `error: wasm trap: ...` and the backtrace.
pub(crate) fn trap_report(unwound: &Unwound) -> String {
    let mut report = format!("error: wasm trap: {}\n", unwound.message());
    if !unwound.pcs().is_empty() {
        report.push_str("wasm backtrace:\n");
        report.push_str(&trap::format_backtrace(unwound.pcs()));
    }
    report
}
