//! The WASI host functions compiled code calls directly: one `extern "C"` symbol per entry of
//! `wasi_aot_abi::for_each_wasi_p1_function!`, forwarding to `wasi_aot_host::p1`, and the
//! guest's WASI context they share with the WASI 0.2 functions (`host_p2`).
//!
//! The guest memory is the one the instance header names (`VmHeader::wasi_memory`). A
//! host trap (exit, bad pointer) is recorded and reported as a negative status, which
//! compiled code turns into a trap.

use crate::trap;
use std::cell::Cell;
use wasi_aot_abi::vmctx::{VmHeader, VmMemory};
use wasi_aot_host::{GuestMemory, HostError, HostTrap, WasiCtx};

thread_local! {
    /// The context of the guest running on this thread (for the rest of the process, or a
    /// server's for one request). A
    /// plain pointer, not a `RefCell`: host calls are the only users, and a host function
    /// never runs while another is active on the same context (a host function that calls
    /// back into the guest, as WASI 0.2's `realloc` does, releases it first, and the guest
    /// may not call the host from there), so the access is one load, with no
    /// lazy-initialisation or borrow-flag checks on the host-call path.
    static CTX: Cell<*mut WasiCtx> = const { Cell::new(std::ptr::null_mut()) };
}

/// Installs the WASI context used by host calls on this thread (until the next
/// [`clear_context`]).
pub fn set_context(ctx: WasiCtx) {
    clear_context();
    CTX.with(|c| c.set(Box::into_raw(Box::new(ctx))));
}

/// Drops this thread's WASI context, and with it every host object the guest still holds.
/// Never while a host call runs on the thread: only between a server's requests.
pub fn clear_context() {
    let ctx = CTX.with(|c| c.replace(std::ptr::null_mut()));
    if !ctx.is_null() {
        // SAFETY: `set_context` leaked it, and no host call runs (see the contract).
        drop(unsafe { Box::from_raw(ctx) });
    }
}

/// Runs `f` on this thread's WASI context (a trap with status 70 if there is none).
pub(crate) fn with_context<R>(
    f: impl FnOnce(&mut WasiCtx) -> Result<R, HostError>,
) -> Result<R, HostError> {
    // SAFETY: the pointer is null or the leaked context of this thread, and no other
    // reference to it is live (see `CTX`).
    match unsafe { CTX.with(Cell::get).as_mut() } {
        Some(ctx) => f(ctx),
        None => Err(HostError::Trap(HostTrap::Exit(70))),
    }
}

/// The memory the header at `vmctx` names (an empty memory if none).
///
/// # Safety
/// `vmctx` must start with a `VmHeader` whose memory record, if any, is live.
pub(crate) unsafe fn header_memory(vmctx: *mut u8) -> GuestMemory {
    // SAFETY: see the function's contract.
    let memory: *mut VmMemory = unsafe { (*(vmctx as *mut VmHeader)).wasi_memory };
    if memory.is_null() {
        // SAFETY: an empty memory: every access fails its bounds check.
        unsafe { GuestMemory::new(std::ptr::NonNull::dangling().as_ptr(), 0) }
    } else {
        // SAFETY: the record describes the accessible part of a live memory.
        unsafe { GuestMemory::new((*memory).base, (*memory).length as usize) }
    }
}

/// The status compiled code receives for `result`: 0, an errno, or -1 after recording a trap.
pub(crate) fn status(result: Result<i32, HostError>) -> i32 {
    match result {
        Ok(value) => value,
        Err(HostError::Guest(errno)) => errno.raw() as i32,
        Err(HostError::Trap(t)) => {
            trap::set_host_trap(t);
            -1
        }
    }
}

fn host_call(
    vmctx: *mut u8,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory) -> Result<(), HostError>,
) -> i32 {
    // SAFETY: compiled code passes its own vmctx, whose header was set at instantiation.
    let mut guest = unsafe { header_memory(vmctx) };
    status(with_context(|ctx| f(ctx, &mut guest).map(|()| 0)))
}

macro_rules! host_functions {
    ($($name:ident($($param:ident: $ty:ident),*) -> $result:ident;)*) => {$(
        #[doc = concat!("`wasi_snapshot_preview1.", stringify!($name), "`.")]
        #[export_name = concat!("wasi_aot_host_p1_", stringify!($name))]
        pub extern "C" fn $name(vmctx: *mut u8, $($param: $ty),*) -> i32 {
            host_call(vmctx, |ctx, mem| wasi_aot_host::p1::$name(ctx, mem, $($param),*))
        }
    )*};
}

/// Preview 1 host symbols.
pub mod p1 {
    use super::host_call;
    wasi_aot_abi::for_each_wasi_p1_function!(host_functions);
}
