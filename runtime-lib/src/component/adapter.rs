//! Calls from one component instance into a function another lifted: the values are lifted
//! from the caller's core values and memory and lowered into the callee's, by the dynamic
//! canonical ABI of `canon.rs`, and the results come back the same way.
//!
//! The compiled trampoline stores the caller's core arguments in an array of 64-bit slots and
//! calls [`adapter`], which leaves the core result (if any) in the first slot. Around the call
//! the callee instance is marked entered (a reentrant call traps), owned handles move between
//! the instances' tables, borrowed ones are lent for the call (a borrow the callee still holds
//! when it returns traps), and the callee's `post-return` runs where it may not leave.

use super::canon::{self, Cx, Failure, Side, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use super::{check_may_leave, component, context, enter, leave, set_may_leave, TrampolineContext};
use crate::host::{status, with_context};
use crate::{instance, trap};
use std::cell::Cell;
use wasi_aot_abi::metadata::{CType, TrampolineKind};
use wasi_aot_host::{HostError, HostTrap};

thread_local! {
    /// Numbers the calls borrows are passed into.
    static NEXT_SCOPE: Cell<u32> = const { Cell::new(1) };
}

/// A fresh borrow scope.
pub fn next_scope() -> u32 {
    NEXT_SCOPE.with(|n| {
        let scope = n.get();
        n.set(scope.wrapping_add(1).max(1));
        scope
    })
}

/// A failure as a host call reports it.
pub fn host_error(f: Failure) -> HostError {
    match f {
        Failure::Trap(t) => HostError::Trap(t),
        Failure::Unwound(u) => {
            trap::set_nested(u);
            HostError::Trap(HostTrap::Nested)
        }
    }
}

/// The call itself: `args` holds the caller's core arguments; returns its core results.
fn call(cx: &TrampolineContext, args: &[u64]) -> Result<Vec<u64>, HostError> {
    let TrampolineKind::Adapter {
        callee,
        callee_instance,
        ty,
        ..
    } = cx.kind
    else {
        unreachable!("adapter contexts belong to adapters")
    };
    check_may_leave(cx.instance)?;
    let resource_types = &component().resources;
    let caller = Side {
        memory: cx.header.wasi_memory,
        realloc: cx.realloc,
        encoding: cx.encoding,
        instance: cx.instance,
        fused: true,
    };
    let target = Side {
        memory: cx.callee.memory,
        realloc: cx.callee.realloc,
        encoding: callee.options.string_encoding,
        instance: *callee_instance,
        fused: true,
    };
    let results: Vec<CType> = ty.result.iter().cloned().collect();
    let param_slots = canon::flatten_all(&ty.params).len();
    let nargs = if param_slots > MAX_FLAT_PARAMS {
        1
    } else {
        param_slots
    };
    let retptr = (canon::flatten_all(&results).len() > MAX_FLAT_RESULTS)
        .then(|| args.get(nargs).copied().unwrap_or(0) as u32);
    let scope = next_scope();

    enter(*callee_instance)?;
    let outcome = (|| -> Result<Vec<u64>, HostError> {
        let (core_args, lent) = with_context(|wasi| {
            let mut cx = Cx {
                resource_types,
                resources: &mut wasi.resources,
                scope,
                lent: Vec::new(),
            };
            let vals = canon::lift_values(
                &mut cx,
                &caller,
                &ty.params,
                &args[..nargs],
                MAX_FLAT_PARAMS,
            )
            .map_err(host_error)?;
            let core =
                canon::lower_params(&mut cx, &target, &ty.params, &vals).map_err(host_error)?;
            Ok((core, cx.lent))
        })?;
        let core_args: Vec<u128> = core_args.into_iter().map(u128::from).collect();
        // SAFETY: the lowered arguments have the lifted function's core parameter types.
        let core_results = unsafe { instance::invoke(cx.callee.func, &core_args) }
            .map_err(|u| host_error(Failure::Unwound(u)))?;
        let flat_results: Vec<u64> = core_results.iter().map(|v| *v as u64).collect();
        let out = with_context(|wasi| {
            let mut cx = Cx {
                resource_types,
                resources: &mut wasi.resources,
                scope,
                lent: Vec::new(),
            };
            let vals =
                canon::lift_values(&mut cx, &target, &results, &flat_results, MAX_FLAT_RESULTS)
                    .map_err(host_error)?;
            canon::lower_results(&mut cx, &caller, &results, &vals, retptr).map_err(host_error)
        })?;
        if !cx.callee.post_return.is_null() {
            let before = set_may_leave(*callee_instance, false);
            // SAFETY: a post-return function takes the lifted function's core results.
            let post = unsafe { instance::invoke(cx.callee.post_return, &core_results) };
            set_may_leave(*callee_instance, before);
            post.map_err(|u| host_error(Failure::Unwound(u)))?;
        }
        with_context(|wasi| {
            for (instance, handle) in &lent {
                wasi.resources.table(*instance).unlend(*handle);
            }
            if wasi.resources.table(*callee_instance).borrows_in(scope) > 0 {
                return Err(
                    HostTrap::canon("borrow handles still remain at the end of the call").into(),
                );
            }
            Ok(())
        })?;
        Ok(out)
    })();
    leave(*callee_instance);
    outcome
}

/// The entry of every adapter trampoline: `values` holds the caller's core arguments (one
/// 64-bit slot each) and receives the core result.
///
/// # Safety
/// Called by compiled adapter trampolines, with their context and an array of at least as
/// many slots as the caller passes arguments, and one.
#[export_name = "wasi_aot_rt_component_adapter"]
pub unsafe extern "C" fn adapter(cx: *mut u8, values: *mut u64, count: u32) -> i32 {
    // SAFETY: compiled trampolines pass their context.
    let cx = unsafe { context(cx) };
    // SAFETY: the trampoline passes `count` slots.
    let slots = unsafe { std::slice::from_raw_parts_mut(values, count.max(1) as usize) };
    status(call(cx, slots).map(|results| {
        if let Some(first) = results.first() {
            slots[0] = *first;
        }
        0
    }))
}
