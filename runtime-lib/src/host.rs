//! The WASI host functions compiled code calls directly: one `extern "C"` symbol per entry of
//! `wasi_aot_abi::for_each_wasi_p1_function!`, forwarding to `wasi_aot_host::p1`.
//!
//! The guest memory is the one the instance header names (`VmHeader::wasi_memory`). A
//! host trap (exit, bad pointer) is recorded and reported as a negative status, which
//! compiled code turns into a trap.

use crate::trap;
use std::cell::Cell;
use wasi_aot_abi::vmctx::{VmHeader, VmMemory};
use wasi_aot_host::{GuestMemory, HostError, HostTrap, WasiCtx};

thread_local! {
    /// The context of the guest running on this thread, for the rest of the process. A
    /// plain pointer, not a `RefCell`: host calls are the only users, and a host function
    /// never calls back into the guest, so they never overlap (and the access is one
    /// load, with no lazy-initialisation or borrow-flag checks on the host-call path).
    static CTX: Cell<*mut WasiCtx> = const { Cell::new(std::ptr::null_mut()) };
}

/// Installs the WASI context used by host calls on this thread, for the rest of the process.
pub fn set_context(ctx: WasiCtx) {
    CTX.with(|c| c.set(Box::into_raw(Box::new(ctx))));
}

fn host_call(
    vmctx: *mut u8,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory) -> Result<(), HostError>,
) -> i32 {
    // SAFETY: compiled code passes its own vmctx, whose header was set at instantiation.
    let memory: *mut VmMemory = unsafe { (*(vmctx as *mut VmHeader)).wasi_memory };
    let mut guest = if memory.is_null() {
        // SAFETY: an empty memory: every access fails its bounds check.
        unsafe { GuestMemory::new(std::ptr::NonNull::dangling().as_ptr(), 0) }
    } else {
        // SAFETY: the record describes the accessible part of a live memory.
        unsafe { GuestMemory::new((*memory).base, (*memory).length as usize) }
    };
    // SAFETY: the pointer is null or the leaked context of this thread, and no other
    // reference to it is live (host calls do not overlap; see `CTX`).
    let result = match unsafe { CTX.with(Cell::get).as_mut() } {
        Some(ctx) => f(ctx, &mut guest),
        None => Err(HostError::Trap(HostTrap::Exit(70))),
    };
    match result {
        Ok(()) => 0,
        Err(HostError::Guest(errno)) => errno.raw() as i32,
        Err(HostError::Trap(t)) => {
            trap::set_host_trap(t);
            -1
        }
    }
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
