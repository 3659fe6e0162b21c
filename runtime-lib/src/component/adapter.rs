//! The runtime intrinsics of fused adapters (`compiler/src/component/fused.rs`): the parts
//! of a call from one component instance into another that need the instances' state.
//!
//! The adapter itself is compiled wasm: it moves the values, checks them, calls `realloc`,
//! the callee and `post-return`. It calls these (through trampolines whose context knows
//! both sides) to enter and leave the callee (a reentrant call traps), to set the may-leave
//! flags, to move owned handles between the instances' tables and lend borrowed ones for the
//! call (a borrow the callee still holds when it returns traps), to copy strings between
//! encodings (decoding checks them), and to raise the canonical ABI's traps by code.
//!
//! The compiled trampoline stores the intrinsic's core arguments in an array of 64-bit slots
//! and calls [`adapter_intrinsic`], which leaves the result (if any) in the first slot.

use super::canon::{self, Failure, Side};
use super::{check_may_leave, component, context, enter, leave, set_may_leave, TrampolineContext};
use crate::host::{status, with_context};
use crate::trap;
use std::cell::{Cell, RefCell};
use wasi_aot_abi::canon::CanonTrap;
use wasi_aot_abi::metadata::{AdapterOp, TrampolineKind};
use wasi_aot_host::{HostError, HostTrap};

thread_local! {
    /// Numbers the calls borrows are passed into.
    static NEXT_SCOPE: Cell<u32> = const { Cell::new(1) };
    /// The calls in progress, innermost last.
    static CALLS: RefCell<Vec<Call>> = const { RefCell::new(Vec::new()) };
}

/// A call in progress between two component instances.
struct Call {
    /// Its borrow scope.
    scope: u32,
    /// The owned handles (instance, handle) it lent, to end at its return.
    lent: Vec<(u32, u32)>,
}

/// A fresh borrow scope.
pub fn next_scope() -> u32 {
    NEXT_SCOPE.with(|n| {
        let scope = n.get();
        n.set(scope.wrapping_add(1).max(1));
        scope
    })
}

/// Forgets the calls in progress: after a trap has unwound them all.
pub fn forget_calls() {
    CALLS.with(|c| c.borrow_mut().clear());
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

/// Runs intrinsic `op` with its core arguments in `args`; returns its result.
fn run(cx: &TrampolineContext, args: &[u64]) -> Result<u64, HostError> {
    let TrampolineKind::Adapter {
        op,
        callee,
        callee_instance,
        ..
    } = cx.kind
    else {
        unreachable!("adapter contexts belong to adapters")
    };
    let callee_instance = *callee_instance;
    let arg = |i: usize| args.get(i).copied().unwrap_or(0) as u32;
    let resource = |r: u32| canon::resource_type(&component().resources, r);
    Ok(match op {
        AdapterOp::Enter => {
            check_may_leave(cx.instance)?;
            enter(callee_instance)?;
            let scope = next_scope();
            CALLS.with(|c| {
                c.borrow_mut().push(Call {
                    scope,
                    lent: Vec::new(),
                })
            });
            scope as u64
        }
        AdapterOp::Exit => {
            let scope = arg(0);
            let lent = CALLS.with(|c| {
                let mut calls = c.borrow_mut();
                let at = calls.iter().rposition(|c| c.scope == scope);
                at.map(|i| calls.remove(i).lent).unwrap_or_default()
            });
            with_context(|wasi| {
                for (instance, handle) in &lent {
                    wasi.resources.table(*instance).unlend(*handle);
                }
                if wasi.resources.table(callee_instance).borrows_in(scope) > 0 {
                    return Err(HostTrap::canon(
                        "borrow handles still remain at the end of the call",
                    )
                    .into());
                }
                Ok(())
            })?;
            leave(callee_instance);
            0
        }
        AdapterOp::CalleeMayLeave => {
            set_may_leave(callee_instance, arg(0) != 0);
            0
        }
        AdapterOp::CallerMayLeave => {
            set_may_leave(cx.instance, arg(0) != 0);
            0
        }
        AdapterOp::Trap => {
            let trap = CanonTrap::ALL.get(arg(0) as usize).copied();
            let message = trap.map_or("unknown canonical ABI trap", CanonTrap::message);
            return Err(HostTrap::canon(message).into());
        }
        AdapterOp::OwnIn | AdapterOp::OwnOut => {
            let (from, to) = if *op == AdapterOp::OwnIn {
                (cx.instance, callee_instance)
            } else {
                (callee_instance, cx.instance)
            };
            let rt = resource(arg(1));
            with_context(|wasi| {
                let rep = wasi.resources.table(from).take_own(arg(0), rt)?;
                Ok(wasi.resources.table(to).new_own(rt, rep)?)
            })? as u64
        }
        AdapterOp::BorrowIn => {
            let (handle, rt, scope) = (arg(0), resource(arg(1)), arg(2));
            with_context(|wasi| {
                let table = wasi.resources.table(cx.instance);
                let rep = table.lend(handle, rt)?;
                if table.is_own(handle) {
                    CALLS.with(|c| {
                        let mut calls = c.borrow_mut();
                        if let Some(call) = calls.iter_mut().rev().find(|c| c.scope == scope) {
                            call.lent.push((cx.instance, handle));
                        }
                    });
                }
                // The resource's own component gets the representation itself.
                let defining = canon::defining_instance(&component().resources, rt);
                Ok(if defining == Some(callee_instance) {
                    rep
                } else {
                    wasi.resources
                        .table(callee_instance)
                        .new_borrow(rt, rep, scope)?
                })
            })? as u64
        }
        AdapterOp::StringIn | AdapterOp::StringOut => {
            let caller = Side {
                memory: cx.header.wasi_memory,
                realloc: cx.realloc,
                encoding: cx.encoding,
                instance: cx.instance,
                fused: true,
            };
            let callee = Side {
                memory: cx.callee.memory,
                realloc: cx.callee.realloc,
                encoding: callee.options.string_encoding,
                instance: callee_instance,
                fused: true,
            };
            let (from, to) = if *op == AdapterOp::StringIn {
                (caller, callee)
            } else {
                (callee, caller)
            };
            let copied = canon::load_string_from_range(&from, arg(0), arg(1))
                .and_then(|s| canon::store_string(&to, &s));
            let (ptr, len) = copied.map_err(host_error)?;
            ptr as u64 | (len as u64) << 32
        }
    })
}

/// The entry of every adapter intrinsic's trampoline: `values` holds its core arguments (one
/// 64-bit slot each) and receives its result.
///
/// # Safety
/// Called by compiled intrinsic trampolines, with their context and an array of at least as
/// many slots as the intrinsic takes arguments, and one.
#[export_name = "wasi_aot_rt_component_adapter"]
pub unsafe extern "C" fn adapter_intrinsic(cx: *mut u8, values: *mut u64, count: u32) -> i32 {
    // SAFETY: compiled trampolines pass their context.
    let cx = unsafe { context(cx) };
    // SAFETY: the trampoline passes `count` slots.
    let slots = unsafe { std::slice::from_raw_parts_mut(values, count.max(1) as usize) };
    status(run(cx, slots).map(|result| {
        slots[0] = result;
        0
    }))
}
