//! Traps: entering compiled code with a resume point, the record of the last trap, and its
//! report.
//!
//! A trap is a fault (or an explicit `ud2`) in compiled code. The signal handler
//! ([`signals`]) finds the trap code for the faulting instruction in the compiler's trap
//! table, records it here with a frame-pointer backtrace, and resumes at the most recent
//! [`call`]. Host functions that must stop the guest (`proc_exit`, a bad pointer) record
//! their reason with [`set_host_trap`] and return a negative status; compiled code then
//! raises [`Trap::Host`].

pub mod signals;

use crate::program;
use std::cell::Cell;
use wasi_aot_abi::Trap;
use wasi_aot_host::HostTrap;

unsafe extern "C" {
    fn wasi_aot_catch(
        trampoline: unsafe extern "C" fn(*const u8, *mut u8, *mut u128),
        code: *const u8,
        vmctx: *mut u8,
        values: *mut u128,
    ) -> i32;
    fn wasi_aot_catching() -> i32;
    fn wasi_aot_resume() -> !;
}

/// Most frames recorded in a backtrace.
pub const MAX_FRAMES: usize = 64;

/// What the signal handler recorded about the last trap.
#[derive(Clone, Copy)]
pub struct TrapRecord {
    /// The trap.
    pub trap: Trap,
    /// Program counters, innermost first.
    pub pcs: [usize; MAX_FRAMES],
    /// Number of valid entries in `pcs`.
    pub len: usize,
}

thread_local! {
    static LAST_TRAP: Cell<Option<TrapRecord>> = const { Cell::new(None) };
    static HOST_TRAP: Cell<Option<HostTrap>> = const { Cell::new(None) };
    /// How guest code the host called back (`realloc`, a destructor) stopped, while the host
    /// call that called it reports [`HostTrap::Nested`].
    static NESTED: std::cell::RefCell<Option<Unwound>> = const { std::cell::RefCell::new(None) };
}

/// Takes what [`set_nested`] recorded.
pub fn take_nested() -> Option<Unwound> {
    NESTED.with(|n| n.borrow_mut().take())
}

/// Records how guest code called from a host function stopped; the host function then fails
/// with [`HostTrap::Nested`], and the entry point reports `unwound` instead.
pub fn set_nested(unwound: Unwound) {
    NESTED.with(|n| *n.borrow_mut() = Some(unwound));
}

/// Why a call into compiled code did not return normally.
#[derive(Clone, Debug)]
pub enum Unwound {
    /// A wasm trap, with its backtrace.
    Trap(Trap, Vec<usize>),
    /// A host function stopped the guest.
    Host(HostTrap, Vec<usize>),
    /// A wasm exception reached the entry point uncaught.
    Exception,
}

impl Unwound {
    /// The message for `error: wasm trap: ...` (not meaningful for exits).
    pub fn message(&self) -> String {
        match self {
            Unwound::Trap(trap, _) => trap.message().to_string(),
            Unwound::Host(t, _) => t.message(),
            Unwound::Exception => "uncaught exception".into(),
        }
    }

    /// The backtrace.
    pub fn pcs(&self) -> &[usize] {
        match self {
            Unwound::Trap(_, pcs) | Unwound::Host(_, pcs) => pcs,
            Unwound::Exception => &[],
        }
    }
}

/// Records the reason a host function is about to report a trap.
pub fn set_host_trap(trap: HostTrap) {
    HOST_TRAP.with(|t| t.set(Some(trap)));
}

/// Called by the signal handler: records the trap and resumes at the innermost [`call`].
///
/// # Safety
/// Only from the signal handler, when [`catching`] is true and the fault is in compiled code.
pub unsafe fn resume(record: TrapRecord) -> ! {
    LAST_TRAP.with(|t| t.set(Some(record)));
    // SAFETY: a catch frame exists (checked by the caller) and only compiled wasm frames,
    // which hold no Rust state, lie between it and the fault.
    unsafe { wasi_aot_resume() }
}

/// Whether a [`call`] is active on this thread.
pub fn catching() -> bool {
    // SAFETY: reads a thread-local pointer.
    unsafe { wasi_aot_catching() != 0 }
}

/// Calls compiled code through an array-call trampoline, catching traps.
///
/// # Safety
/// `trampoline` must be the array-call trampoline for the callee's signature, `code` and
/// `vmctx` a function of that signature and its instance, and `values` large enough for
/// its parameters and results.
pub unsafe fn call(
    trampoline: *const u8,
    code: *const u8,
    vmctx: *mut u8,
    values: &mut [u128],
) -> Result<(), Unwound> {
    // SAFETY: the caller guarantees `trampoline` has this signature.
    let trampoline: unsafe extern "C" fn(*const u8, *mut u8, *mut u128) =
        unsafe { std::mem::transmute(trampoline) };
    // SAFETY: see the function's contract.
    let status = unsafe { wasi_aot_catch(trampoline, code, vmctx, values.as_mut_ptr()) };
    if status == 0 {
        return Ok(());
    }
    let record = LAST_TRAP
        .with(|t| t.take())
        .expect("the signal handler records a trap before resuming");
    let pcs = record.pcs[..record.len].to_vec();
    if record.trap == Trap::Host {
        if let Some(host) = HOST_TRAP.with(|t| t.take()) {
            if host == HostTrap::Nested {
                if let Some(nested) = NESTED.with(|n| n.borrow_mut().take()) {
                    return Err(nested);
                }
            }
            return Err(Unwound::Host(host, pcs));
        }
    }
    Err(Unwound::Trap(record.trap, pcs))
}

/// Formats a wasm backtrace, one frame per line.
pub fn format_backtrace(pcs: &[usize]) -> String {
    let program = program::get();
    let mut out = String::new();
    for (i, name) in pcs
        .iter()
        .filter_map(|pc| program.frame_name(*pc))
        .enumerate()
    {
        out.push_str(&format!("  {i:>3}: {name}\n"));
    }
    out
}
