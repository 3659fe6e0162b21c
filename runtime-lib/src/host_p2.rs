//! The WASI 0.2 host functions component trampolines call: one `extern "C"` symbol per entry
//! of `wasi_aot_abi::for_each_wasi_p2_function!`, forwarding to `wasi_aot_host::p2`.
//!
//! Each builds the call's [`P2Call`] from the trampoline's context: the lowering's memory, its
//! component instance and string encoding, and a `realloc` that calls the guest. While the
//! guest's `realloc` runs the guest may not call the host (the canonical ABI's may-leave
//! rule): a host call from there traps.

use crate::component::{context, TrampolineContext};
use crate::host::{header_memory, status, with_context};
use crate::{instance, trap};
use std::cell::Cell;
use wasi_aot_host::p2::P2Call;
use wasi_aot_host::{GuestMemory, HostError, HostTrap};

thread_local! {
    /// Whether guest code runs on behalf of a host call (its `realloc`), when it may not leave.
    static IN_REALLOC: Cell<bool> = const { Cell::new(false) };
}

fn realloc_guest(cx: &TrampolineContext, args: [u32; 4]) -> Result<(u32, GuestMemory), HostError> {
    IN_REALLOC.with(|r| r.set(true));
    let values = args.map(|a| a as u128);
    // SAFETY: a `realloc` option has type `(i32, i32, i32, i32) -> i32`, checked by the
    // validator.
    let result = unsafe { instance::invoke(cx.realloc, &values) };
    IN_REALLOC.with(|r| r.set(false));
    let results = result.map_err(|unwound| {
        trap::set_nested(unwound);
        HostError::Trap(HostTrap::Nested)
    })?;
    let ptr = results.first().copied().unwrap_or(0) as u32;
    let vmctx = (cx as *const TrampolineContext).cast_mut().cast();
    // SAFETY: the context's header names the lowering's (live) memory.
    Ok((ptr, unsafe { header_memory(vmctx) }))
}

/// Runs host function `f` for the trampoline context `cx`.
fn p2_call(cx: *mut u8, f: impl FnOnce(&mut P2Call<'_>) -> Result<(), HostError>) -> i32 {
    if IN_REALLOC.with(Cell::get) {
        return status(Err(HostError::Trap(HostTrap::Canon(
            "the guest called an import from its realloc, where it may not leave",
        ))));
    }
    // SAFETY: compiled trampolines pass their context.
    let context = unsafe { context(cx) };
    // SAFETY: the header names the lowering's memory, if it has one.
    let mem = unsafe { header_memory(cx) };
    let mut realloc = |old, size, align, new| realloc_guest(context, [old, size, align, new]);
    status(with_context(|ctx| {
        let mut call = P2Call {
            ctx,
            mem,
            instance: context.instance,
            encoding: context.encoding,
            realloc: (!context.realloc.is_null()).then_some(&mut realloc as _),
        };
        f(&mut call).map(|()| 0)
    }))
}

macro_rules! p2_host_function {
    ($module:ident::$func:ident ($($param:ident: $ty:ident),*) -> ()) => {
        #[doc = concat!("`wasi_aot_host::p2::", stringify!($module), "::", stringify!($func), "`.")]
        #[export_name = concat!("wasi_aot_host_p2_", stringify!($module), "_", stringify!($func))]
        ///
        /// # Safety
        /// Called by compiled trampolines, with their context.
        pub unsafe extern "C" fn $func(cx: *mut u8, $($param: $ty),*) -> i32 {
            super::p2_call(cx, |call| wasi_aot_host::p2::$module::$func(call, $($param),*))
        }
    };
    ($module:ident::$func:ident ($($param:ident: $ty:ident),*) -> $result:ident) => {
        #[doc = concat!("`wasi_aot_host::p2::", stringify!($module), "::", stringify!($func), "`.")]
        #[export_name = concat!("wasi_aot_host_p2_", stringify!($module), "_", stringify!($func))]
        ///
        /// # Safety
        /// Called by compiled trampolines, with their context and a slot for the result.
        pub unsafe extern "C" fn $func(cx: *mut u8, $($param: $ty,)* out: *mut $result) -> i32 {
            super::p2_call(cx, |call| {
                let value = wasi_aot_host::p2::$module::$func(call, $($param),*)?;
                // SAFETY: the trampoline passes a slot for the one result.
                unsafe { out.write(value) };
                Ok(())
            })
        }
    };
}

macro_rules! p2_host_functions {
    ($($module:ident::$func:ident = $iface:literal $name:literal ($($param:ident: $ty:ident),*) -> $result:tt;)*) => {
        $(p2_host_function!($module::$func ($($param: $ty),*) -> $result);)*
    };
}

/// WASI 0.2 host symbols.
pub mod p2 {
    wasi_aot_abi::for_each_wasi_p2_function!(p2_host_functions);
}
