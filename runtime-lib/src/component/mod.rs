//! Running a component: instantiate its core instances from the plan in the metadata, give
//! every trampoline its context, then call `wasi:cli/run` (or, for the test harness, the
//! exports a script names: `script.rs`).
//!
//! A trampoline's context ([`TrampolineContext`]) starts with a `VmHeader`, so compiled code
//! treats it as the vmctx of the function it calls (the stack limit is read from it, and host
//! functions find the lowering's memory in it as P1 host functions find an instance's). The
//! rest records the canonical options and the component instance, for the host side
//! (`host_p2`), the resource built-ins below and the calls between components
//! (`adapter.rs`, over the dynamic canonical ABI of `canon.rs`).
//!
//! Each component instance has two flags, as the canonical ABI defines them: whether it may
//! leave (call an import or a built-in; not from its `realloc` or `post-return`) and whether
//! it is on the call stack (it may not be entered again).

pub mod adapter;
pub mod canon;
mod links;
pub mod script;

use crate::instance::{self, Extern, Instance};
use crate::program::Program;
use crate::trap::Unwound;
use std::cell::{Cell, RefCell};
use wasi_aot_abi::metadata::{self as md, CoreDef, StringEncoding, TrampolineKind};
use wasi_aot_abi::vmctx::{VmFuncRef, VmHeader, VmMemory};
use wasi_aot_host::resources::{HostKind, ResourceType};
use wasi_aot_host::{HostError, HostTrap};

/// The context of one trampoline: a vmctx header, then what its host side needs.
#[repr(C)]
pub struct TrampolineContext {
    /// Read by compiled code: the stack limit, and the lowering's memory.
    pub header: VmHeader,
    /// What the trampoline calls.
    pub kind: &'static TrampolineKind,
    /// The component instance whose handle table it uses.
    pub instance: u32,
    /// The lowering's string encoding.
    pub encoding: StringEncoding,
    /// The lowering's `realloc` (null if none).
    pub realloc: *const VmFuncRef,
    /// For a resource built-in, the handle type.
    pub resource: Option<ResourceType>,
    /// For `resource.drop` of a guest resource, its destructor (null if none).
    pub dtor: *const VmFuncRef,
    /// For an adapter: the callee's core function, memory, `realloc` and `post-return`.
    pub callee: Callee,
}

/// The resolved side of an adapter's callee.
pub struct Callee {
    /// The lifted core function.
    pub func: *const VmFuncRef,
    /// Its memory (null if none).
    pub memory: *mut VmMemory,
    /// Its `realloc` (null if none).
    pub realloc: *const VmFuncRef,
    /// Its `post-return` (null if none).
    pub post_return: *const VmFuncRef,
}

/// The instance runs a `realloc` or `post-return` for someone else: it may not call out.
const MAY_NOT_LEAVE: u8 = 1;
/// The instance is on the call stack: it may not be entered again.
const ENTERED: u8 = 2;

thread_local! {
    /// The instantiated plan.
    static STATE: RefCell<Option<&'static State>> = const { RefCell::new(None) };
    /// The plan being instantiated or run: set before the first core instance starts, as
    /// start functions may already call across components.
    static COMPONENT: RefCell<Option<&'static md::Component>> = const { RefCell::new(None) };
    /// The per-component-instance flags of the component running on this thread, one byte
    /// each: [`MAY_NOT_LEAVE`] and [`ENTERED`] (zero is the state at rest). Every host call
    /// checks them: a plain `Cell` is the cheapest way there is. Allocated once per thread
    /// and reset for each instantiation.
    static FLAGS: Cell<&'static [Cell<u8>]> = const { Cell::new(&[]) };
}

/// A running component: its instances and trampolines.
pub struct State {
    /// The program's plan.
    pub component: &'static md::Component,
    /// Core instances.
    pub instances: Vec<&'static Instance>,
    /// Trampolines' funcrefs.
    pub funcrefs: Vec<*const VmFuncRef>,
}

/// The flags of component instance `instance` (one the plan has).
#[inline]
fn flags(instance: u32) -> Option<&'static Cell<u8>> {
    FLAGS.with(Cell::get).get(instance as usize)
}

/// Every instance's flags at rest, for a plan of `count` component instances.
fn init_flags(count: u32) {
    FLAGS.with(|f| {
        if f.get().len() == count as usize {
            f.get().iter().for_each(|flag| flag.set(0));
        } else {
            f.set(Box::leak((0..count).map(|_| Cell::new(0)).collect()));
        }
    });
}

/// Fails unless component instance `instance` may call out (an import or a built-in).
#[inline]
pub fn check_may_leave(instance: u32) -> Result<(), HostError> {
    match flags(instance) {
        Some(f) if f.get() & MAY_NOT_LEAVE != 0 => {
            Err(HostTrap::canon("cannot leave component instance").into())
        }
        _ => Ok(()),
    }
}

/// Sets whether `instance` may call out; returns what it was.
pub fn set_may_leave(instance: u32, may_leave: bool) -> bool {
    let Some(f) = flags(instance) else {
        return true;
    };
    let before = f.get();
    f.set(if may_leave {
        before & !MAY_NOT_LEAVE
    } else {
        before | MAY_NOT_LEAVE
    });
    before & MAY_NOT_LEAVE == 0
}

/// Marks `instance` as on the call stack; fails if it already is.
pub fn enter(instance: u32) -> Result<(), HostError> {
    match flags(instance) {
        Some(f) if f.get() & ENTERED != 0 => {
            Err(HostTrap::canon("cannot enter component instance").into())
        }
        Some(f) => {
            f.set(f.get() | ENTERED);
            Ok(())
        }
        None => Ok(()),
    }
}

/// Every instance off the call stack and allowed to leave: the state after a trap has
/// unwound all calls.
pub fn reset_flags() {
    FLAGS.with(|f| f.get().iter().for_each(|flag| flag.set(0)));
}

/// Ends an [`enter`].
pub fn leave(instance: u32) {
    if let Some(f) = flags(instance) {
        f.set(f.get() & !ENTERED);
    }
}

/// The running component's plan (available during instantiation too).
pub fn component() -> &'static md::Component {
    COMPONENT.with(|c| c.borrow().expect("the component is being instantiated"))
}

/// The running component's state.
pub fn state() -> &'static State {
    STATE.with(|s| s.borrow().expect("the component is instantiated"))
}

/// Resolves a core definition against the instances so far.
fn resolve(
    instances: &[&'static Instance],
    funcrefs: &[*const VmFuncRef],
    def: &CoreDef,
) -> Option<Extern> {
    match def {
        CoreDef::Export { instance, name } => instances.get(*instance as usize)?.export(name),
        CoreDef::Trampoline(t) => Some(Extern::Func(*funcrefs.get(*t as usize)?)),
    }
}

fn resolve_func(
    instances: &[&'static Instance],
    funcrefs: &[*const VmFuncRef],
    def: &CoreDef,
) -> *const VmFuncRef {
    match resolve(instances, funcrefs, def) {
        Some(Extern::Func(f)) => f,
        _ => std::ptr::null(),
    }
}

fn resolve_memory(
    instances: &[&'static Instance],
    memory: &Option<(u32, String)>,
) -> *mut VmMemory {
    match memory {
        Some((i, name)) => match instances
            .get(*i as usize)
            .and_then(|inst| inst.export(name))
        {
            // SAFETY: memories are never freed.
            Some(Extern::Memory(m)) => unsafe { (*m).vm },
            _ => std::ptr::null_mut(),
        },
        None => std::ptr::null_mut(),
    }
}

/// A raw pointer, which [`fill`] sets once.
trait Pointer: Copy {
    fn is_null(self) -> bool;
}

impl<T> Pointer for *const T {
    fn is_null(self) -> bool {
        <*const T>::is_null(self)
    }
}

impl<T> Pointer for *mut T {
    fn is_null(self) -> bool {
        <*mut T>::is_null(self)
    }
}

/// Sets a still-null pointer to what `get` resolves, if it resolves yet.
fn fill<P: Pointer>(slot: &mut P, get: impl FnOnce() -> Option<P>) {
    if slot.is_null() {
        if let Some(p) = get() {
            *slot = p;
        }
    }
}

/// Instantiates the component's plan.
pub fn instantiate(program: &'static Program) -> Result<&'static State, Unwound> {
    let component = program
        .meta
        .component
        .as_ref()
        .expect("a component program carries its plan");
    COMPONENT.with(|c| *c.borrow_mut() = Some(component));
    init_flags(component.component_instances);
    let stack_limit = instance::stack_limit();
    let mut contexts: Vec<&'static mut TrampolineContext> = Vec::new();
    let mut funcrefs: Vec<*const VmFuncRef> = Vec::new();
    for t in &component.trampolines {
        let (encoding, resource) = match &t.kind {
            TrampolineKind::Lower { options, .. } | TrampolineKind::Adapter { options, .. } => {
                (options.string_encoding, None)
            }
            TrampolineKind::ResourceNew { resource }
            | TrampolineKind::ResourceRep { resource }
            | TrampolineKind::ResourceDrop { resource } => (
                StringEncoding::Utf8,
                Some(canon::resource_type(&component.resources, *resource)),
            ),
        };
        let context = Box::leak(Box::new(TrampolineContext {
            header: VmHeader {
                stack_limit,
                instance: std::ptr::null_mut(),
                wasi_memory: std::ptr::null_mut(),
                pending_exception: std::ptr::null_mut(),
            },
            kind: &t.kind,
            instance: t.instance,
            encoding,
            realloc: std::ptr::null(),
            resource,
            dtor: std::ptr::null(),
            callee: Callee {
                func: std::ptr::null(),
                memory: std::ptr::null_mut(),
                realloc: std::ptr::null(),
                post_return: std::ptr::null(),
            },
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

    let links = links::links(program, component);
    let mut instances: Vec<&'static Instance> = Vec::new();
    for (i, bindings) in links.imports.iter().enumerate() {
        let module = &program.meta.modules[i];
        let resolve = |n: usize, _: &md::Import| bindings.get(n)?.resolve(&instances, &funcrefs);
        let instance = match Instance::new(i, &resolve) {
            Ok(instance) => &*instance,
            Err(instance::InstantiateError::Trap(u)) => {
                // SAFETY: nothing runs any more that could use them.
                unsafe { free(&instances, &funcrefs) };
                return Err(u);
            }
            Err(e) => crate::entry::die(&format!(
                "cannot instantiate core instance {i} ({}): {e:?}",
                module.name
            )),
        };
        instances.push(instance);
        // What the trampolines' options name becomes available as its instance appears.
        let func = |def: links::Def| match def.resolve(&instances, &funcrefs) {
            Some(Extern::Func(f)) => Some(f),
            _ => None,
        };
        let memory = |def: links::Def| match def.resolve(&instances, &funcrefs) {
            // SAFETY: the instance is live, and so its memories.
            Some(Extern::Memory(m)) => Some(unsafe { (*m).vm }),
            _ => None,
        };
        for (l, context) in links.trampolines.iter().zip(contexts.iter_mut()) {
            fill(&mut context.header.wasi_memory, || memory(l.memory));
            fill(&mut context.realloc, || func(l.realloc));
            fill(&mut context.dtor, || func(l.dtor));
            let c = &mut context.callee;
            fill(&mut c.func, || func(l.callee_func));
            fill(&mut c.memory, || memory(l.callee_memory));
            fill(&mut c.realloc, || func(l.callee_realloc));
            fill(&mut c.post_return, || func(l.callee_post_return));
        }
    }
    let state: &'static State = Box::leak(Box::new(State {
        component,
        instances,
        funcrefs,
    }));
    STATE.with(|s| *s.borrow_mut() = Some(state));
    Ok(state)
}

/// Frees an instantiated component: its core instances and trampolines (a server's, after
/// the request it was made for).
///
/// # Safety
/// `state` came from [`instantiate`] on this thread, and nothing uses it, its instances or
/// its trampolines afterwards.
pub unsafe fn destroy(state: &'static State) {
    STATE.with(|s| *s.borrow_mut() = None);
    COMPONENT.with(|c| *c.borrow_mut() = None);
    // SAFETY: `instantiate` leaked the box; see the function's contract.
    let state = unsafe { Box::from_raw((state as *const State).cast_mut()) };
    // SAFETY: as above.
    unsafe { free(&state.instances, &state.funcrefs) };
}

/// Frees core instances and trampolines, the later ones first.
///
/// # Safety
/// They came from [`instantiate`], and nothing uses them afterwards.
unsafe fn free(instances: &[&'static Instance], funcrefs: &[*const VmFuncRef]) {
    for instance in instances.iter().rev() {
        // SAFETY: see the function's contract.
        unsafe { Instance::destroy((*instance as *const Instance).cast_mut()) };
    }
    for funcref in funcrefs {
        // SAFETY: `instantiate` leaked each funcref and the context it points at.
        unsafe {
            let funcref = Box::from_raw(funcref.cast_mut());
            drop(Box::from_raw(funcref.vmctx.cast::<TrampolineContext>()));
        }
    }
}

/// A lifted function, resolved.
pub struct Lifted {
    /// The core function.
    pub func: *const VmFuncRef,
    /// Its canonical options' side.
    pub side: canon::Side,
    /// `post-return` (null if none).
    pub post_return: *const VmFuncRef,
}

/// Resolves a lift of the running component (in component instance `instance`).
pub fn lifted(state: &State, lift: &md::Lift, instance: u32) -> Lifted {
    Lifted {
        func: resolve_func(&state.instances, &state.funcrefs, &lift.func),
        side: canon::Side {
            memory: resolve_memory(&state.instances, &lift.options.memory),
            realloc: lift.options.realloc.as_ref().map_or(std::ptr::null(), |r| {
                resolve_func(&state.instances, &state.funcrefs, r)
            }),
            encoding: lift.options.string_encoding,
            instance,
            fused: false,
        },
        post_return: lift
            .options
            .post_return
            .as_ref()
            .map_or(std::ptr::null(), |p| {
                resolve_func(&state.instances, &state.funcrefs, p)
            }),
    }
}

/// Instantiates the component and runs `wasi:cli/run`; returns the exit status.
pub fn run(program: &'static Program) -> Result<i32, Unwound> {
    let state = instantiate(program)?;
    let Some(run) = &state.component.run else {
        return Ok(0);
    };
    let run_func = resolve_func(&state.instances, &state.funcrefs, &run.func);
    if run_func.is_null() {
        crate::entry::die("the component's `wasi:cli/run` export does not resolve to a function");
    }
    // SAFETY: `run` has type `func() -> result`, which the compiler checked: no parameters.
    let results = unsafe { instance::invoke(run_func, &[]) }?;
    let status = results.first().copied().unwrap_or(0) as u32;
    if let Some(post) = &run.options.post_return {
        let post = resolve_func(&state.instances, &state.funcrefs, post);
        if !post.is_null() {
            // SAFETY: a post-return function takes the lifted function's core results.
            unsafe { instance::invoke(post, &results) }?;
        }
    }
    match status {
        0 => Ok(0),
        1 => Ok(1),
        _ => Err(Unwound::Host(
            HostTrap::canon("`wasi:cli/run` returned an invalid `result` discriminant"),
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
    cx.resource
        .ok_or_else(|| HostError::Trap(HostTrap::canon("a resource built-in without a type")))
}

/// `resource.new`: a new owned handle of a guest resource with representation `rep`.
///
/// # Safety
/// Called by compiled trampolines: `cx` is the trampoline's context, `out` a result slot.
#[export_name = "wasi_aot_rt_component_resource_new"]
pub unsafe extern "C" fn resource_new(cx: *mut u8, rep: i32, out: *mut i32) -> i32 {
    // SAFETY: compiled trampolines pass their context.
    let cx = unsafe { context(cx) };
    crate::host::status(check_may_leave(cx.instance).and_then(|()| {
        crate::host::with_context(|ctx| {
            let ty = builtin_type(cx)?;
            let handle = ctx.resources.table(cx.instance).new_own(ty, rep as u32)?;
            // SAFETY: the trampoline passes a slot for the result.
            unsafe { out.write(handle as i32) };
            Ok(0)
        })
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
    // No may-leave check: reading a representation touches nothing outside the instance,
    // so it is allowed in post-return too (as in wasmtime and the reference tests).
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
    let dropped = check_may_leave(cx.instance).and_then(|()| {
        crate::host::with_context(|ctx| {
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
        })
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
