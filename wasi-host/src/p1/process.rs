//! `proc_exit` and `sched_yield`: the guest's control over its own process.

use crate::ctx::WasiCtx;
use crate::error::{HostError, HostTrap};
use crate::memory::GuestMemory;

/// Ends the guest with exit status `code`.
///
/// Always fails with [`HostTrap::Exit`]: the runtime unwinds compiled code the way it does for
/// a trap and then exits the process with the status. (wasmtime refuses statuses outside
/// `0..126` with an error instead of exiting; that policy is the runtime's to apply.)
pub fn proc_exit(_ctx: &mut WasiCtx, _mem: &mut GuestMemory, code: i32) -> Result<(), HostError> {
    Err(HostTrap::Exit(code).into())
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
    fn sched_yield_succeeds() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(0);
        assert_eq!(sched_yield(&mut ctx, &mut memory.guest()), Ok(()));
    }
}
