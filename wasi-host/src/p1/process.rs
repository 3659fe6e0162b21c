//! `proc_exit`, `proc_raise` and `sched_yield`: the guest's control over its own process.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError, HostTrap};
use crate::memory::GuestMemory;
use crate::p1::types::invalid;

/// Ends the guest with exit status `code`.
///
/// Always fails with [`HostTrap::Exit`]: the runtime unwinds compiled code the way it does for
/// a trap and then exits the process with the status. (wasmtime refuses statuses outside
/// `0..126` with an error instead of exiting; that policy is the runtime's to apply.)
pub fn proc_exit(_ctx: &mut WasiCtx, _mem: &mut GuestMemory, code: i32) -> Result<(), HostError> {
    Err(HostTrap::Exit(code).into())
}

/// Sends signal `sig` to the process, as P1 defines it (wasmtime answers `notsup`).
///
/// The guest has no signal handlers, so the signal takes its default action: most signals
/// end the process (the exit status shows the signal, as for any native program), `chld`,
/// `cont`, `urg` and `winch` are ignored, and the stop signals stop the process until it is
/// continued. The host's own dispositions (the runtime ignores `SIGPIPE` and catches the
/// fault signals for traps) are reset to the default first, and the signal is unblocked.
/// Signal 0 (`none`) checks nothing and succeeds.
pub fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut GuestMemory, sig: i32) -> Result<(), HostError> {
    let host = host_signal(sig)?;
    let Some(host) = host else {
        return Ok(());
    };
    // SAFETY: resetting a disposition to the default and unblocking one signal have no memory
    // effects beyond the signal state; `mask` is a valid `sigset_t` for the calls that fill it.
    unsafe {
        libc::signal(host, libc::SIG_DFL);
        let mut mask: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut mask);
        libc::sigaddset(&mut mask, host);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &mask, std::ptr::null_mut());
        if libc::raise(host) != 0 {
            return Err(Errno::last_host_error().into());
        }
    }
    Ok(())
}

/// The host signal for witx `signal` `sig` (`None` for `none`).
fn host_signal(sig: i32) -> Result<Option<libc::c_int>, HostError> {
    const SIGNALS: [libc::c_int; 30] = [
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGQUIT,
        libc::SIGILL,
        libc::SIGTRAP,
        libc::SIGABRT,
        libc::SIGBUS,
        libc::SIGFPE,
        libc::SIGKILL,
        libc::SIGUSR1,
        libc::SIGSEGV,
        libc::SIGUSR2,
        libc::SIGPIPE,
        libc::SIGALRM,
        libc::SIGTERM,
        libc::SIGCHLD,
        libc::SIGCONT,
        libc::SIGSTOP,
        libc::SIGTSTP,
        libc::SIGTTIN,
        libc::SIGTTOU,
        libc::SIGURG,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGWINCH,
        libc::SIGPOLL,
        libc::SIGPWR,
        libc::SIGSYS,
    ];
    match sig {
        0 => Ok(None),
        1..=30 => Ok(Some(SIGNALS[sig as usize - 1])),
        _ => Err(invalid("signal")),
    }
}

/// Lets other host threads run.
pub fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMemory) -> Result<(), HostError> {
    // SAFETY: `sched_yield` has no arguments and no memory effects; it cannot fail on Linux,
    // and a failure elsewhere would change nothing the guest could observe.
    unsafe { libc::sched_yield() };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;

    #[test]
    fn proc_exit_carries_the_status() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(0);
        for code in [0, 1, 125, -1] {
            assert_eq!(
                proc_exit(&mut ctx, &mut memory.guest(), code),
                Err(HostError::Trap(HostTrap::Exit(code)))
            );
        }
    }

    #[test]
    fn signal_numbers_follow_witx() {
        assert_eq!(host_signal(0), Ok(None));
        assert_eq!(host_signal(1), Ok(Some(libc::SIGHUP)));
        assert_eq!(host_signal(15), Ok(Some(libc::SIGTERM)));
        assert_eq!(host_signal(27), Ok(Some(libc::SIGWINCH)));
        assert_eq!(host_signal(30), Ok(Some(libc::SIGSYS)));
        assert_eq!(host_signal(31), Err(invalid("signal")));
        assert_eq!(host_signal(-1), Err(invalid("signal")));
    }

    #[test]
    fn ignored_signals_return() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(0);
        // `winch` (27) is ignored by default; `none` (0) does nothing.
        assert_eq!(proc_raise(&mut ctx, &mut memory.guest(), 27), Ok(()));
        assert_eq!(proc_raise(&mut ctx, &mut memory.guest(), 0), Ok(()));
        assert_eq!(
            proc_raise(&mut ctx, &mut memory.guest(), 99),
            Err(invalid("signal"))
        );
    }

    #[test]
    fn sched_yield_succeeds() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(0);
        assert_eq!(sched_yield(&mut ctx, &mut memory.guest()), Ok(()));
    }
}
