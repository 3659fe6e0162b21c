//! Running a component: instantiate its core instances from the plan in the metadata, give
//! every trampoline its context, then call `wasi:cli/run`.
//!
//! A trampoline's context ([`TrampolineContext`]) starts with a `VmHeader`, so compiled code
//! treats it as the vmctx of the function it calls (the stack limit is read from it, and host
//! functions find the lowering's memory in it as P1 host functions find an instance's). The
//! rest records the canonical options and the component instance, for the host side
//! (`host_p2`) and the resource built-ins below.

use crate::instance::{self, Extern, Instance, STACK_LIMIT};
use crate::program::Program;
use crate::trap::Unwound;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use wasi_aot_abi::metadata::{CoreDef, Resource, StringEncoding, TrampolineKind};
use wasi_aot_abi::vmctx::{VmFuncRef, VmHeader};
use wasi_aot_host::resources::{HostKind, ResourceType};
use wasi_aot_host::{HostError, HostTrap};

/// The context of one trampoline: a vmctx header, then what its host side needs.
#[repr(C)]
pub struct TrampolineContext {
    /// Read by compiled code: the stack limit, and the lowering's memory.
    pub header: VmHeader,
    /// The component instance whose handle table the trampoline uses.
    pub instance: u32,
    /// The lowering's string encoding.
    pub encoding: StringEncoding,
    /// The lowering's `realloc` (null if none).
    pub realloc: *const VmFuncRef,
    /// For a resource built-in, the handle type.
    pub resource: Option<ResourceType>,
    /// For a resource built-in of a guest resource, its destructor (null if none).
    pub dtor: *const VmFuncRef,
}

fn resource_type(resources: &[Resource], index: u32) -> ResourceType {
    match resources.get(index as usize) {
        Some(Resource::Host(h)) => ResourceType::Host(*h),
        _ => ResourceType::Guest(index),
    }
}

/// Instantiates the component and runs `wasi:cli/run`; returns the exit status.
pub fn run(program: &'static Program) -> Result<i32, Unwound> {
    let component = program
        .meta
        .component
        .as_ref()
        .expect("a component program carries its plan");
    let stack_limit = STACK_LIMIT.load(Ordering::Relaxed);
    let mut contexts: Vec<&'static mut TrampolineContext> = Vec::new();
    let mut funcrefs: Vec<*const VmFuncRef> = Vec::new();
    for t in &component.trampolines {
        let (encoding, resource) = match &t.kind {
            TrampolineKind::Lower { options, .. } => (options.string_encoding, None),
            TrampolineKind::ResourceNew { resource }
            | TrampolineKind::ResourceRep { resource }
            | TrampolineKind::ResourceDrop { resource } => (
                StringEncoding::Utf8,
                Some(resource_type(&component.resources, *resource)),
            ),
        };
        let context = Box::leak(Box::new(TrampolineContext {
            header: VmHeader {
                stack_limit,
                instance: std::ptr::null_mut(),
                wasi_memory: std::ptr::null_mut(),
                pending_exception: std::ptr::null_mut(),
            },
            instance: t.instance,
            encoding,
            realloc: std::ptr::null(),
            resource,
            dtor: std::ptr::null(),
        }));
        let funcref = Box::leak(Box::new(VmFuncRef {
            wasm_call: program.code(t.code),
            vmctx: (context as *mut TrampolineContext).cast(),
            type_id: t.type_id,
            reserved: 0,
        }));
        funcrefs.push(funcref);
        contexts.push(context);
    }

    let mut instances: Vec<&'static Instance> = Vec::new();
    let resolve = |instances: &[&'static Instance], def: &CoreDef| -> Option<Extern> {
        match def {
            CoreDef::Export { instance, name } => instances.get(*instance as usize)?.export(name),
            CoreDef::Trampoline(t) => Some(Extern::Func(*funcrefs.get(*t as usize)?)),
        }
    };
    let func = |instances: &[&'static Instance], def: &CoreDef| match resolve(instances, def) {
        Some(Extern::Func(f)) => f,
        _ => std::ptr::null(),
    };
    for (i, bindings) in component.instance_imports.iter().enumerate() {
        let module = &program.meta.modules[i];
        let mut imports: HashMap<(&str, &str), Extern> = HashMap::new();
        for (import, def) in module.imports.iter().zip(bindings) {
            if let Some(value) = resolve(&instances, def) {
                imports.insert((import.module.as_str(), import.field.as_str()), value);
            }
        }
        let instance = match Instance::new(i, &|m, f| imports.get(&(m, f)).copied()) {
            Ok(instance) => &*instance,
            Err(instance::InstantiateError::Trap(u)) => return Err(u),
            Err(e) => crate::entry::die(&format!(
                "cannot instantiate core instance {i} ({}): {e:?}",
                module.name
            )),
        };
        instances.push(instance);
        // What the trampolines' options name becomes available as its instance appears.
        for (t, context) in component.trampolines.iter().zip(contexts.iter_mut()) {
            if let TrampolineKind::Lower { options, .. } = &t.kind {
                if let Some((memory_instance, name)) = &options.memory {
                    if *memory_instance as usize == i {
                        if let Some(Extern::Memory(m)) = instance.export(name) {
                            // SAFETY: memories are never freed.
                            context.header.wasi_memory = unsafe { (*m).vm };
                        }
                    }
                }
                if let Some(realloc) = &options.realloc {
                    if context.realloc.is_null() {
                        context.realloc = func(&instances, realloc);
                    }
                }
            }
            if let TrampolineKind::ResourceDrop { resource } = &t.kind {
                if let Some(Resource::Guest {
                    dtor: Some(dtor), ..
                }) = component.resources.get(*resource as usize)
                {
                    if context.dtor.is_null() {
                        context.dtor = func(&instances, dtor);
                    }
                }
            }
        }
    }

    let Some(run) = &component.run else {
        return Ok(0);
    };
    let run_func = func(&instances, &run.func);
    if run_func.is_null() {
        crate::entry::die("the component's `wasi:cli/run` export does not resolve to a function");
    }
    // SAFETY: `run` has type `func() -> result`, which the compiler checked: no parameters.
    let results = unsafe { instance::invoke(run_func, &[]) }?;
    let status = results.first().copied().unwrap_or(0) as u32;
    if let Some(post) = &run.options.post_return {
        let post = func(&instances, post);
        if !post.is_null() {
            // SAFETY: a post-return function takes the lifted function's core results.
            unsafe { instance::invoke(post, &results) }?;
        }
    }
    match status {
        0 => Ok(0),
        1 => Ok(1),
        _ => Err(Unwound::Host(
            HostTrap::Canon("`wasi:cli/run` returned an invalid `result` discriminant"),
            Vec::new(),
        )),
    }
}

/// The context compiled code passed.
///
/// # Safety
/// `cx` must be the vmctx a trampoline received: a leaked [`TrampolineContext`].
pub(crate) unsafe fn context<'a>(cx: *mut u8) -> &'a TrampolineContext {
    // SAFETY: see the function's contract.
    unsafe { &*(cx as *const TrampolineContext) }
}

fn builtin_type(cx: &TrampolineContext) -> Result<ResourceType, HostError> {
    cx.resource.ok_or(HostError::Trap(HostTrap::Canon(
        "a resource built-in without a type",
    )))
}

/// `resource.new`: a new owned handle of a guest resource with representation `rep`.
///
/// # Safety
/// Called by compiled trampolines: `cx` is the trampoline's context, `out` a result slot.
#[export_name = "wasi_aot_rt_component_resource_new"]
pub unsafe extern "C" fn resource_new(cx: *mut u8, rep: i32, out: *mut i32) -> i32 {
    // SAFETY: compiled trampolines pass their context.
    let cx = unsafe { context(cx) };
    crate::host::status(crate::host::with_context(|ctx| {
        let ty = builtin_type(cx)?;
        let handle = ctx.resources.table(cx.instance).new_own(ty, rep as u32)?;
        // SAFETY: the trampoline passes a slot for the result.
        unsafe { out.write(handle as i32) };
        Ok(0)
    }))
}

/// `resource.rep`: the representation behind a handle of a guest resource.
///
/// # Safety
/// Called by compiled trampolines: `cx` is the trampoline's context, `out` a result slot.
#[export_name = "wasi_aot_rt_component_resource_rep"]
pub unsafe extern "C" fn resource_rep(cx: *mut u8, handle: i32, out: *mut i32) -> i32 {
    // SAFETY: compiled trampolines pass their context.
    let cx = unsafe { context(cx) };
    crate::host::status(crate::host::with_context(|ctx| {
        let ty = builtin_type(cx)?;
        let rep = ctx.resources.table(cx.instance).rep(handle as u32, ty)?;
        // SAFETY: the trampoline passes a slot for the result.
        unsafe { out.write(rep as i32) };
        Ok(0)
    }))
}

/// `resource.drop`: ends a handle; an owned one's resource goes (a host object is dropped, a
/// guest resource's destructor runs).
///
/// # Safety
/// Called by compiled trampolines: `cx` is the trampoline's context.
#[export_name = "wasi_aot_rt_component_resource_drop"]
pub unsafe extern "C" fn resource_drop(cx: *mut u8, handle: i32) -> i32 {
    // SAFETY: compiled trampolines pass their context.
    let cx = unsafe { context(cx) };
    let dropped = crate::host::with_context(|ctx| {
        let ty = builtin_type(cx)?;
        match ty {
            ResourceType::Host(h) => {
                let kind = HostKind::ALL[h as usize];
                ctx.resources.drop_host(cx.instance, handle as u32, kind)?;
                Ok(None)
            }
            ResourceType::Guest(_) => {
                let dropped = ctx.resources.table(cx.instance).remove(handle as u32, ty)?;
                Ok(dropped.owned.then_some(dropped.rep))
            }
        }
    });
    let result = dropped.and_then(|rep| {
        // The destructor runs with the context released: it may call the host.
        if let (Some(rep), false) = (rep, cx.dtor.is_null()) {
            // SAFETY: a destructor has type `(i32) -> ()`.
            unsafe { instance::invoke(cx.dtor, &[rep as u128]) }.map_err(|unwound| {
                crate::trap::set_nested(unwound);
                HostError::Trap(HostTrap::Nested)
            })?;
        }
        Ok(0)
    });
    crate::host::status(result)
}
