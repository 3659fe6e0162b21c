//! The WASI 0.2 host functions component trampolines call: one `extern "C"` symbol per entry
//! of `wasi_aot_abi::for_each_wasi_p2_function!`, forwarding to `wasi_aot_host::p2`.
//!
//! Each builds the call's [`P2Call`] from the trampoline's context: the lowering's memory, its
//! component instance and string encoding, and a `realloc` that calls the guest. While the
//! guest's `realloc` runs its instance may not call out (the canonical ABI's may-leave rule):
//! a host call from there traps.

use crate::component::{check_may_leave, context, set_may_leave, TrampolineContext};
use crate::host::{header_memory, status, with_context};
use crate::{instance, trap};
use wasi_aot_host::p2::P2Call;
use wasi_aot_host::{GuestMemory, HostError, HostTrap};

/// Component instance `instance` runs its `realloc` for the host: it may not leave until
/// [`leave_realloc`].
pub fn enter_realloc(instance: u32) {
    set_may_leave(instance, false);
}

/// Ends an [`enter_realloc`].
pub fn leave_realloc(instance: u32) {
    set_may_leave(instance, true);
}

fn realloc_guest(cx: &TrampolineContext, args: [u32; 4]) -> Result<(u32, GuestMemory), HostError> {
    enter_realloc(cx.instance);
    let values = args.map(|a| a as u128);
    // SAFETY: a `realloc` option has type `(i32, i32, i32, i32) -> i32`, checked by the
    // validator.
    let result = unsafe { instance::invoke(cx.realloc, &values) };
    leave_realloc(cx.instance);
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
    // SAFETY: compiled trampolines pass their context.
    let context = unsafe { context(cx) };
    if let Err(e) = check_may_leave(context.instance) {
        return status(Err(e));
    }
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
