//! Instantiation: resolve imports, allocate and fill the vmctx, create memories, tables and
//! globals, apply element and data segments, and run the start function — in the spec's
//! order, so that a trapping segment leaves earlier segments' effects visible.

use crate::memory::{image, Memory};
use crate::program::{self, Program};
use crate::table::Table;
use crate::trap::{self, Unwound};
use std::cell::Cell;
use wasi_aot_abi::metadata::{self as md, ConstExpr, ConstOp, ElemMode, ExternKind, ImportKind};
use wasi_aot_abi::vmctx::{
    VmException, VmFuncImport, VmFuncRef, VmGlobal, VmHeader, VmMemory, VmTable,
};
use wasi_aot_abi::{Trap, VmOffsets};

thread_local! {
    /// Lowest stack address compiled code on this thread may use; set when the thread
    /// starts running guests (the main thread's at start, each server worker's as it
    /// starts), and copied into every vmctx instantiated on the thread.
    static STACK_LIMIT: Cell<usize> = const { Cell::new(0) };
    /// The pending exception while one propagates through compiled code on this thread
    /// (null otherwise). Every vmctx header of the thread's instances points here; compiled
    /// code tests it after each call in programs that use exceptions. An instance only runs
    /// on the thread that created it.
    static PENDING_EXCEPTION: Cell<*mut VmException> = const { Cell::new(std::ptr::null_mut()) };
}

thread_local! {
    /// Whether an instance that fails to instantiate on this thread is freed at once. Not in
    /// the spec harness, where what its element segments wrote into other instances' tables
    /// stays callable; in a server, whose instances live for one request.
    static DISPOSABLE: Cell<bool> = const { Cell::new(false) };
}

/// Makes the instances this thread creates disposable (see `DISPOSABLE`).
pub fn set_disposable() {
    DISPOSABLE.with(|d| d.set(true));
}

/// Sets this thread's stack limit (see `STACK_LIMIT`).
pub fn set_stack_limit(limit: usize) {
    STACK_LIMIT.with(|l| l.set(limit));
}

/// This thread's stack limit.
pub fn stack_limit() -> usize {
    STACK_LIMIT.with(Cell::get)
}

/// Takes the pending exception, if any.
fn take_pending_exception() -> Option<*mut VmException> {
    let exn = PENDING_EXCEPTION.with(|p| p.replace(std::ptr::null_mut()));
    (!exn.is_null()).then_some(exn)
}

/// Makes `exn` the pending exception.
///
/// # Safety
/// `exn` must point to a live exception record (they are never freed).
pub unsafe fn set_pending_exception(exn: *mut VmException) {
    PENDING_EXCEPTION.with(|p| p.set(exn));
}

/// The identity of an exception tag: its address. It lives as long as the instance that
/// defines the tag: everything that can hold an exception of that tag (memories, tables,
/// globals of the same program's instances) is freed together with it, at the end of a
/// server's request, and a command's instances are never freed.
#[derive(Debug)]
pub struct TagIdentity {
    /// Canonical type id of the payload signature.
    pub type_id: u32,
}

/// A global as an external value.
#[derive(Clone, Copy, Debug)]
pub struct GlobalRef {
    /// Storage.
    pub vm: *mut VmGlobal,
    /// Type.
    pub ty: md::GlobalType,
}

/// An exported (or importable) entity.
#[derive(Clone, Copy, Debug)]
pub enum Extern {
    /// A function, by its funcref.
    Func(*const VmFuncRef),
    /// A memory.
    Memory(*mut Memory),
    /// A table.
    Table(*mut Table),
    /// A global.
    Global(GlobalRef),
    /// An exception tag.
    Tag(*const TagIdentity),
}

/// Why instantiation failed.
#[derive(Debug)]
pub enum InstantiateError {
    /// An import is missing or has the wrong type.
    Unlinkable(String),
    /// A segment or the start function trapped.
    Trap(Unwound),
    /// The host could not provide a resource.
    Resource(String),
}

/// A live instance. Boxed, and freed only by [`Instance::destroy`] (a server's instances,
/// one per request): compiled code holds pointers into it.
pub struct Instance {
    /// Index of its module in the program.
    pub module_index: usize,
    /// Its module.
    pub module: &'static md::Module<'static>,
    /// The vmctx.
    pub vmctx: *mut u8,
    /// The vmctx layout.
    pub offsets: VmOffsets,
    /// Memories, imports first.
    pub memories: Vec<*mut Memory>,
    /// Tables, imports first.
    pub tables: Vec<*mut Table>,
    /// Globals, imports first.
    pub globals: Vec<GlobalRef>,
    /// Exception tags, imports first.
    pub tags: Vec<*const TagIdentity>,
    /// The identities of the tags it defines (their addresses are the tags).
    defined_tags: Box<[TagIdentity]>,
    /// Data segments still available to `memory.init` (dropped ones are empty).
    pub data: Vec<&'static [u8]>,
    /// Element segments still available to `table.init`, evaluated (dropped ones are empty).
    pub elems: Vec<Vec<u64>>,
}

/// Whether a limits pair `actual` satisfies an import's declared `wanted` limits.
fn limits_match(
    actual_min: u64,
    actual_max: Option<u64>,
    wanted_min: u64,
    wanted_max: Option<u64>,
) -> bool {
    actual_min >= wanted_min
        && match (actual_max, wanted_max) {
            (_, None) => true,
            (Some(a), Some(w)) => a <= w,
            (None, Some(_)) => false,
        }
}

impl Instance {
    /// The instance owning `vmctx`.
    ///
    /// # Safety
    /// `vmctx` must be the vmctx of a live instance.
    pub unsafe fn from_vmctx<'a>(vmctx: *mut u8) -> &'a mut Instance {
        // SAFETY: the header's instance pointer is set at instantiation.
        unsafe { &mut *((*(vmctx as *mut VmHeader)).instance as *mut Instance) }
    }

    /// Instantiates module `module_index`, resolving each import with `resolve`, given its
    /// position among the module's imports.
    pub fn new(
        module_index: usize,
        resolve: &dyn Fn(usize, &md::Import) -> Option<Extern>,
    ) -> Result<&'static mut Instance, InstantiateError> {
        let program = program::get();
        let module = &program.meta.modules[module_index];
        let offsets = VmOffsets::new(module.counts);
        let layout = std::alloc::Layout::from_size_align(offsets.size() as usize, 16)
            .map_err(|e| InstantiateError::Resource(e.to_string()))?;
        // SAFETY: the layout has non-zero size (the header is 32 bytes).
        let vmctx = unsafe { std::alloc::alloc_zeroed(layout) };
        if vmctx.is_null() {
            return Err(InstantiateError::Resource(
                "out of memory for an instance".into(),
            ));
        }
        let instance = Box::leak(Box::new(Instance {
            module_index,
            module,
            vmctx,
            offsets,
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            tags: Vec::new(),
            defined_tags: Box::default(),
            data: module.data.iter().map(|d| d.bytes).collect(),
            elems: Vec::new(),
        }));
        // SAFETY: the header is at offset 0 of the freshly allocated vmctx.
        unsafe {
            let header = vmctx as *mut VmHeader;
            (*header).stack_limit = stack_limit();
            (*header).instance = (instance as *mut Instance).cast();
            (*header).pending_exception = PENDING_EXCEPTION.with(Cell::as_ptr);
        }
        match instance.initialize(program, resolve) {
            Ok(()) => Ok(instance),
            Err(e) => {
                if DISPOSABLE.with(Cell::get) {
                    // SAFETY: the instance never became reachable by anyone else.
                    unsafe { Instance::destroy(instance) };
                }
                Err(e)
            }
        }
    }

    /// Everything of instantiation after the vmctx exists, in the spec's order.
    fn initialize(
        &mut self,
        program: &Program,
        resolve: &dyn Fn(usize, &md::Import) -> Option<Extern>,
    ) -> Result<(), InstantiateError> {
        let mut funcs = self.link_imports(program, resolve)?;
        self.create_functions(program, &mut funcs);
        self.create_tags();
        self.create_globals()?;
        self.create_memories(program)?;
        self.create_tables()?;
        self.set_wasi_memory();
        self.apply_segments()?;
        if let Some(start) = self.module.start {
            let f = self.funcref(start);
            // SAFETY: `f` is this instance's funcref for its start function.
            unsafe { invoke(f, &[]) }.map_err(InstantiateError::Trap)?;
        }
        Ok(())
    }

    /// Frees the instance: its vmctx, the memories, tables and tags it defines, and itself.
    ///
    /// # Safety
    /// `instance` came from [`Instance::new`], and nothing uses it, its exports or its
    /// funcrefs afterwards.
    pub unsafe fn destroy(instance: *mut Instance) {
        // SAFETY: see the function's contract: the box is ours again.
        let instance = unsafe { Box::from_raw(instance) };
        let counts = instance.module.counts;
        let defined_memories = instance
            .memories
            .iter()
            .skip(counts.imported_memories as usize);
        let defined_tables = instance.tables.iter().skip(counts.imported_tables as usize);
        // SAFETY: the instance created these with `Box::into_raw`, and nothing uses them now.
        unsafe {
            defined_memories.for_each(|m| drop(Box::from_raw(*m)));
            defined_tables.for_each(|t| drop(Box::from_raw(*t)));
        }
        let layout = std::alloc::Layout::from_size_align(instance.offsets.size() as usize, 16)
            .expect("the layout it was allocated with");
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(instance.vmctx, layout) };
    }

    fn at<T>(&self, offset: u32) -> *mut T {
        // SAFETY: offsets come from this vmctx's own layout.
        unsafe { self.vmctx.add(offset as usize).cast() }
    }

    /// Resolves imports, filling import slots; returns the code and vmctx of every
    /// imported function.
    fn link_imports(
        &mut self,
        program: &Program,
        resolve: &dyn Fn(usize, &md::Import) -> Option<Extern>,
    ) -> Result<Vec<(*const u8, *mut u8)>, InstantiateError> {
        let module = self.module;
        let mut funcs = Vec::new();
        let mut func_slot = 0;
        for (n, import) in module.imports.iter().enumerate() {
            let unlinkable = |what: &str| {
                InstantiateError::Unlinkable(format!(
                    "{what}: `{}`.`{}`",
                    import.module, import.field
                ))
            };
            if let ImportKind::HostFunc { .. } = import.kind {
                let index = funcs.len();
                let code = module.func_code[index].map_or(std::ptr::null(), |c| program.code(c));
                funcs.push((code, self.vmctx));
                continue;
            }
            let Some(value) = resolve(n, import) else {
                return Err(unlinkable("unknown import"));
            };
            match (&import.kind, value) {
                (ImportKind::Func { type_id }, Extern::Func(f)) => {
                    // SAFETY: exported funcrefs live as long as their instance (forever).
                    let f = unsafe { &*f };
                    if f.type_id != *type_id {
                        return Err(unlinkable("incompatible import type"));
                    }
                    let slot: *mut VmFuncImport = self.at(self.offsets.func_import(func_slot));
                    // SAFETY: the slot is inside this vmctx.
                    unsafe {
                        slot.write(VmFuncImport {
                            wasm_call: f.wasm_call,
                            vmctx: f.vmctx,
                        })
                    };
                    func_slot += 1;
                    funcs.push((f.wasm_call, f.vmctx));
                }
                (ImportKind::Memory(ty), Extern::Memory(m)) => {
                    // SAFETY: memories are never freed.
                    let m = unsafe { &*m };
                    if ty.memory64 != m.ty.memory64
                        || !limits_match(m.pages(), m.ty.max, ty.min, ty.max)
                    {
                        return Err(unlinkable("incompatible import type"));
                    }
                    let slot: *mut *mut VmMemory =
                        self.at(self.offsets.memory_import(self.memories.len() as u32));
                    // SAFETY: the slot is inside this vmctx.
                    unsafe { slot.write(m.vm) };
                    self.memories.push(m as *const Memory as *mut Memory);
                }
                (ImportKind::Table(ty), Extern::Table(t)) => {
                    // SAFETY: tables are never freed.
                    let t = unsafe { &*t };
                    // Tables are invariant in their element type.
                    if ty.ref_type != t.ty.ref_type
                        || !limits_match(t.len() as u64, t.ty.max, ty.min, ty.max)
                    {
                        return Err(unlinkable("incompatible import type"));
                    }
                    let slot: *mut *mut VmTable =
                        self.at(self.offsets.table_import(self.tables.len() as u32));
                    // SAFETY: the slot is inside this vmctx.
                    unsafe { slot.write(t.vm) };
                    self.tables.push(t as *const Table as *mut Table);
                }
                (ImportKind::Global(ty), Extern::Global(g)) => {
                    // An immutable global may be of a subtype; a mutable one must match.
                    let refs_match = match (g.ty.ref_type, ty.ref_type) {
                        (Some(have), Some(want)) if ty.mutable => have == want,
                        (Some(have), Some(want)) => have.is_subtype_of(&want),
                        (have, want) => have == want,
                    };
                    if ty.ty != g.ty.ty || ty.mutable != g.ty.mutable || !refs_match {
                        return Err(unlinkable("incompatible import type"));
                    }
                    let slot: *mut *mut VmGlobal =
                        self.at(self.offsets.global_import(self.globals.len() as u32));
                    // SAFETY: the slot is inside this vmctx.
                    unsafe { slot.write(g.vm) };
                    self.globals.push(g);
                }
                (ImportKind::Tag { type_id }, Extern::Tag(t)) => {
                    // SAFETY: the exporting instance, and so its tags, are live.
                    if unsafe { (*t).type_id } != *type_id {
                        return Err(unlinkable("incompatible import type"));
                    }
                    self.tags.push(t);
                }
                _ => return Err(unlinkable("incompatible import type")),
            }
        }
        Ok(funcs)
    }

    /// Fills the funcref slots.
    fn create_functions(&mut self, program: &Program, funcs: &mut Vec<(*const u8, *mut u8)>) {
        let module = self.module;
        for f in funcs.len()..module.func_types.len() {
            let code = module.func_code[f].map_or(std::ptr::null(), |c| program.code(c));
            funcs.push((code, self.vmctx));
        }
        for (slot, f) in module.funcrefs.iter().enumerate() {
            let (wasm_call, vmctx) = funcs[*f as usize];
            let record: *mut VmFuncRef = self.at(self.offsets.funcref(slot as u32));
            // SAFETY: the slot is inside this vmctx.
            unsafe {
                record.write(VmFuncRef {
                    wasm_call,
                    vmctx,
                    type_id: module.func_types[*f as usize],
                    reserved: 0,
                })
            };
        }
    }

    /// Creates the defined tags and fills every tag slot.
    fn create_tags(&mut self) {
        self.defined_tags = self
            .module
            .tags
            .iter()
            .map(|type_id| TagIdentity { type_id: *type_id })
            .collect();
        self.tags
            .extend(self.defined_tags.iter().map(|t| t as *const TagIdentity));
        for (i, tag) in self.tags.iter().enumerate() {
            let slot: *mut *const TagIdentity = self.at(self.offsets.tag(i as u32));
            // SAFETY: the slot is inside this vmctx.
            unsafe { slot.write(*tag) };
        }
    }

    /// The funcref of escaping function `func`.
    pub fn funcref(&self, func: u32) -> *const VmFuncRef {
        // Slots are in ascending function order (the compiler numbers them so).
        let slot =
            self.module
                .funcrefs
                .binary_search(&func)
                .expect("only escaping functions are asked for their funcref") as u32;
        self.at(self.offsets.funcref(slot))
    }

    fn create_globals(&mut self) -> Result<(), InstantiateError> {
        for (i, global) in self.module.globals.iter().enumerate() {
            let value = self.eval(&global.init);
            let vm: *mut VmGlobal = self.at(self.offsets.global(i as u32));
            // SAFETY: the slot is inside this vmctx.
            unsafe {
                vm.write(VmGlobal {
                    bytes: value.to_le_bytes(),
                })
            };
            self.globals.push(GlobalRef { vm, ty: global.ty });
        }
        Ok(())
    }

    /// Creates the defined memories; a disposable instance's come from the thread's pool,
    /// holding their images.
    fn create_memories(&mut self, program: &Program) -> Result<(), InstantiateError> {
        let reservation = program.meta.strategy.reservation;
        let pooled = DISPOSABLE.with(Cell::get);
        for (i, ty) in self.module.memories.iter().enumerate() {
            let vm: *mut VmMemory = self.at(self.offsets.memory(i as u32));
            let key = (self.module_index, i);
            // SAFETY: `vm` is inside this vmctx, which outlives its memories; an instance
            // is destroyed on the thread that made it.
            let memory = unsafe {
                match pooled {
                    true => Memory::pooled(*ty, vm, reservation, key),
                    false => Memory::new(*ty, vm, reservation),
                }
            }
            .map_err(InstantiateError::Resource)?;
            self.memories.push(Box::into_raw(Box::new(memory)));
        }
        Ok(())
    }

    fn create_tables(&mut self) -> Result<(), InstantiateError> {
        for (i, table) in self.module.tables.iter().enumerate() {
            let init = table.init.as_ref().map_or(0, |e| self.eval(e) as u64);
            let vm: *mut VmTable = self.at(self.offsets.table(i as u32));
            // SAFETY: `vm` is inside this vmctx, which is never freed.
            let table =
                unsafe { Table::new(table.ty, vm, init) }.map_err(InstantiateError::Resource)?;
            self.tables.push(Box::into_raw(Box::new(table)));
        }
        Ok(())
    }

    /// Points the header at the memory WASI calls use: the `memory` export, else memory 0.
    fn set_wasi_memory(&mut self) {
        let exported = self
            .module
            .exports
            .iter()
            .find(|e| e.kind == ExternKind::Memory && e.name == "memory")
            .map(|e| e.index as usize);
        let index = exported.or((!self.memories.is_empty()).then_some(0));
        if let Some(index) = index {
            // SAFETY: memories are never freed; the header is at offset 0.
            unsafe { (*(self.vmctx as *mut VmHeader)).wasi_memory = (*self.memories[index]).vm };
        }
    }

    fn apply_segments(&mut self) -> Result<(), InstantiateError> {
        let trap = |t: Trap| InstantiateError::Trap(Unwound::Trap(t, Vec::new()));
        let module = self.module;
        for segment in &module.elems {
            let items: Vec<u64> = segment.items.iter().map(|e| self.eval(e) as u64).collect();
            match &segment.mode {
                ElemMode::Passive => self.elems.push(items),
                ElemMode::Declared => self.elems.push(Vec::new()),
                ElemMode::Active { table, offset } => {
                    let offset = self.eval(offset) as u32;
                    // SAFETY: tables are never freed.
                    let table = unsafe { &mut *self.tables[*table as usize] };
                    let dst = table
                        .range(offset, items.len() as u32)
                        .ok_or(trap(Trap::TableOutOfBounds))?;
                    dst.copy_from_slice(&items);
                    self.elems.push(Vec::new());
                }
            }
        }
        let imported = module.counts.imported_memories as usize;
        let pooled = DISPOSABLE.with(Cell::get);
        for (i, segment) in module.data.iter().enumerate() {
            let Some((memory, offset)) = &segment.active else {
                continue;
            };
            // A pooled memory with an image already holds the segment.
            let defined = (*memory as usize).checked_sub(imported);
            if pooled && defined.is_some_and(|d| image::covers(self.module_index, d)) {
                self.data[i] = &[];
                continue;
            }
            // SAFETY: memories are never freed.
            let memory = unsafe { &*self.memories[*memory as usize] };
            let offset = match memory.ty.memory64 {
                true => self.eval(offset) as u64,
                false => self.eval(offset) as u32 as u64,
            };
            let dst = memory
                .range(offset, segment.bytes.len() as u64)
                .ok_or(trap(Trap::MemoryOutOfBounds))?;
            // SAFETY: `dst` has room for the segment (checked above).
            unsafe {
                std::ptr::copy_nonoverlapping(segment.bytes.as_ptr(), dst, segment.bytes.len())
            };
            self.data[i] = &[];
        }
        Ok(())
    }

    /// Evaluates a constant expression to the bits of a 16-byte value slot.
    pub fn eval(&self, expr: &ConstExpr) -> u128 {
        // Nearly every expression is one constant or reference (a table holds thousands):
        // those need no stack.
        if let [op] = expr.ops[..] {
            return self.leaf(op).unwrap_or(0);
        }
        let mut stack: Vec<u128> = Vec::with_capacity(2);
        for op in &expr.ops {
            let v = match *op {
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = stack.pop().unwrap_or(0) as u32;
                    let a = stack.pop().unwrap_or(0) as u32;
                    (match op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }) as u128
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let b = stack.pop().unwrap_or(0) as u64;
                    let a = stack.pop().unwrap_or(0) as u64;
                    (match op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }) as u128
                }
                leaf => self.leaf(leaf).unwrap_or(0),
            };
            stack.push(v);
        }
        stack.pop().unwrap_or(0)
    }

    /// The value of an operator that takes no operands (`None` for the others).
    fn leaf(&self, op: ConstOp) -> Option<u128> {
        Some(match op {
            ConstOp::I32Const(v) => v as u32 as u128,
            ConstOp::I64Const(v) => v as u64 as u128,
            ConstOp::F32Const(v) => v as u128,
            ConstOp::F64Const(v) => v as u128,
            ConstOp::V128Const(v) => v,
            // SAFETY: global storage lives as long as its instance.
            ConstOp::GlobalGet(g) => {
                u128::from_le_bytes(unsafe { (*self.globals[g as usize].vm).bytes })
            }
            ConstOp::RefNull(_) => 0,
            ConstOp::RefFunc(f) => self.funcref(f) as usize as u128,
            ConstOp::I32Add
            | ConstOp::I32Sub
            | ConstOp::I32Mul
            | ConstOp::I64Add
            | ConstOp::I64Sub
            | ConstOp::I64Mul => return None,
        })
    }

    /// The export named `name`.
    pub fn export(&self, name: &str) -> Option<Extern> {
        let position = self.module.exports.iter().position(|e| e.name == name)?;
        Some(self.export_at(position))
    }

    /// Export number `position` of its module's export list.
    pub fn export_at(&self, position: usize) -> Extern {
        let e = &self.module.exports[position];
        let i = e.index as usize;
        match e.kind {
            ExternKind::Func => Extern::Func(self.funcref(e.index)),
            ExternKind::Memory => Extern::Memory(self.memories[i]),
            ExternKind::Table => Extern::Table(self.tables[i]),
            ExternKind::Global => Extern::Global(self.globals[i]),
            ExternKind::Tag => Extern::Tag(self.tags[i]),
        }
    }
}

/// The signature of the function behind funcref `f`.
///
/// # Safety
/// `f` must point to a live funcref.
pub unsafe fn func_type(f: *const VmFuncRef) -> &'static md::FuncType {
    // SAFETY: see the function's contract.
    let type_id = unsafe { (*f).type_id };
    &program::get().meta.types[type_id as usize]
}

/// Calls the function `f` with `args` (16-byte slots), returning its results.
///
/// # Safety
/// `f` must be a valid funcref and `args` must match its parameter types.
pub unsafe fn invoke(f: *const VmFuncRef, args: &[u128]) -> Result<Vec<u128>, Unwound> {
    // SAFETY: the caller guarantees `f` is valid.
    let ty = unsafe { func_type(f) };
    let trampoline = ty
        .trampoline
        .expect("the compiler emits a trampoline for every exported or start function type");
    let mut values = vec![0u128; ty.params.len().max(ty.results.len()).max(1)];
    values[..args.len()].copy_from_slice(args);
    // SAFETY: the trampoline matches the function's type, and `values` is large enough.
    unsafe {
        trap::call(
            program::get().code(trampoline),
            (*f).wasm_call,
            (*f).vmctx,
            &mut values,
        )?
    };
    if take_pending_exception().is_some() {
        return Err(Unwound::Exception);
    }
    values.truncate(ty.results.len());
    Ok(values)
}
