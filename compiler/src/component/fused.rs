//! Fused adapters: the glue of a call from one component instance into a function another
//! one lifted, generated as a core wasm module (with wasm-encoder) that the normal pipeline
//! compiles with the rest of the program.
//!
//! The module's one export, [`EXPORT`], has the lowering's core signature. It reads the
//! caller's values (its flat parameters, or its memory when they were spilled) and writes
//! them as the callee expects them (flat, or into memory the callee's `realloc` gives), calls
//! the callee, carries the results back the same way and calls `post-return`. Values move
//! from one representation to the other type by type, with the canonical ABI's checks inline
//! (alignment, bounds, discriminants, `char`s, booleans, NaNs, undefined flag bits); lists of
//! plain integers are one `memory.copy`. What needs the component instances' state goes
//! through runtime intrinsics the module imports ([`AdapterOp`]): entering and leaving the
//! callee, the may-leave flags, moving handles between handle tables, strings (validated and
//! transcoded between the two encodings) and raising a trap with the canonical message.

use wasi_aot_abi::canon::{
    align_to, alignment, cases, discriminant_size, fields, flag_words, flatten, flatten_all,
    payload_offset, size, CanonTrap, Flat, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
};
use wasi_aot_abi::metadata::{AdapterOp, CType, ComponentFuncType};
use wasm_encoder::{
    BlockType, CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    ImportSection, Instruction as I, MemArg, MemArgTarget, MemoryType, Module, TypeSection,
    ValType,
};

/// The name of the adapter function the module exports.
pub const EXPORT: &str = "adapter";

/// What one side of the call has among its canonical options.
#[derive(Clone, Copy, Debug)]
pub struct SideOptions {
    /// A `memory` option.
    pub memory: bool,
    /// A `realloc` option.
    pub realloc: bool,
}

/// What to generate an adapter for.
#[derive(Clone, Copy, Debug)]
pub struct Spec<'a> {
    /// The function's component-level type.
    pub ty: &'a ComponentFuncType,
    /// The caller's (the lowering's) options.
    pub caller: SideOptions,
    /// The callee's (the lifting's) options.
    pub callee: SideOptions,
    /// Whether the lifting has a `post-return`.
    pub post_return: bool,
}

/// What an import of the generated module must be bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Import {
    /// The lifted core function.
    CalleeFunc,
    /// The lifting's `post-return`.
    PostReturn,
    /// The lowering's memory.
    CallerMemory,
    /// The lifting's memory.
    CalleeMemory,
    /// The lowering's `realloc`.
    CallerRealloc,
    /// The lifting's `realloc`.
    CalleeRealloc,
    /// A runtime intrinsic.
    Intrinsic(AdapterOp),
}

/// A generated adapter module.
#[derive(Debug)]
pub struct Adapter {
    /// The core wasm module.
    pub wasm: Vec<u8>,
    /// Its imports, in order: (module, field, what it is).
    pub imports: Vec<(String, String, Import)>,
}

/// The core signature of a lowering of `ty`: (params, results).
pub fn lowered_sig(ty: &ComponentFuncType) -> (Vec<Flat>, Vec<Flat>) {
    let mut params = flatten_all(&ty.params);
    if params.len() > MAX_FLAT_PARAMS {
        params = vec![Flat::I32];
    }
    let mut results = flatten_all(ty.result.iter());
    if results.len() > MAX_FLAT_RESULTS {
        params.push(Flat::I32);
        results.clear();
    }
    (params, results)
}

/// The core signature of a lifting of `ty`: (params, results).
pub fn lifted_sig(ty: &ComponentFuncType) -> (Vec<Flat>, Vec<Flat>) {
    let mut params = flatten_all(&ty.params);
    if params.len() > MAX_FLAT_PARAMS {
        params = vec![Flat::I32];
    }
    let mut results = flatten_all(ty.result.iter());
    if results.len() > MAX_FLAT_RESULTS {
        results = vec![Flat::I32];
    }
    (params, results)
}

fn val_type(f: Flat) -> ValType {
    match f {
        Flat::I32 => ValType::I32,
        Flat::I64 => ValType::I64,
        Flat::F32 => ValType::F32,
        Flat::F64 => ValType::F64,
    }
}

fn val_types(flats: &[Flat]) -> Vec<ValType> {
    flats.iter().copied().map(val_type).collect()
}

/// Generates the adapter module of `spec`.
pub fn generate(spec: &Spec<'_>) -> Adapter {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    let mut bound = Vec::new();
    let mut type_count = 0u32;
    let mut func_count = 0u32;
    let mut add_type = |types: &mut TypeSection, params: &[ValType], results: &[ValType]| {
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
        type_count += 1;
        type_count - 1
    };
    let mut import_func = |imports: &mut ImportSection,
                           bound: &mut Vec<(String, String, Import)>,
                           ty: u32,
                           module: &str,
                           field: &str,
                           what: Import| {
        imports.import(module, field, EntityType::Function(ty));
        bound.push((module.to_string(), field.to_string(), what));
        func_count += 1;
        func_count - 1
    };

    let (callee_params, callee_results) = lifted_sig(spec.ty);
    let t = add_type(
        &mut types,
        &val_types(&callee_params),
        &val_types(&callee_results),
    );
    let callee = import_func(
        &mut imports,
        &mut bound,
        t,
        "callee",
        "func",
        Import::CalleeFunc,
    );
    let post_return = spec.post_return.then(|| {
        let t = add_type(&mut types, &val_types(&callee_results), &[]);
        import_func(
            &mut imports,
            &mut bound,
            t,
            "callee",
            "post-return",
            Import::PostReturn,
        )
    });
    let realloc_ty = add_type(&mut types, &[ValType::I32; 4], &[ValType::I32]);
    let caller_realloc = spec.caller.realloc.then(|| {
        import_func(
            &mut imports,
            &mut bound,
            realloc_ty,
            "caller",
            "realloc",
            Import::CallerRealloc,
        )
    });
    let callee_realloc = spec.callee.realloc.then(|| {
        import_func(
            &mut imports,
            &mut bound,
            realloc_ty,
            "callee",
            "realloc",
            Import::CalleeRealloc,
        )
    });
    // Only the intrinsics the body calls are imported: a first generation finds them.
    let used = {
        let mut probe = Gen::new(
            spec,
            [Some(0); AdapterOp::ALL.len()],
            [SideIndices::PROBE; 2],
        );
        probe.body(
            spec,
            &lowered_sig(spec.ty).0,
            0,
            spec.post_return.then_some(0),
        );
        probe.used
    };
    let mut intrinsics = [None; AdapterOp::ALL.len()];
    for (i, op) in AdapterOp::ALL.iter().enumerate() {
        if !used[i] {
            continue;
        }
        let (params, results) = intrinsic_sig(*op);
        let t = add_type(&mut types, params, results);
        intrinsics[i] = Some(import_func(
            &mut imports,
            &mut bound,
            t,
            "intrinsic",
            op.name(),
            Import::Intrinsic(*op),
        ));
    }
    let memory_type = MemoryType {
        minimum: 0,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    };
    let mut memory_count = 0;
    let mut import_memory = |imports: &mut ImportSection,
                             bound: &mut Vec<(String, String, Import)>,
                             module: &str,
                             what: Import| {
        imports.import(module, "memory", memory_type);
        bound.push((module.to_string(), "memory".to_string(), what));
        memory_count += 1;
        memory_count - 1
    };
    let caller_memory = spec
        .caller
        .memory
        .then(|| import_memory(&mut imports, &mut bound, "caller", Import::CallerMemory));
    let callee_memory = spec
        .callee
        .memory
        .then(|| import_memory(&mut imports, &mut bound, "callee", Import::CalleeMemory));

    let (caller_params, caller_results) = lowered_sig(spec.ty);
    let adapter_ty = add_type(
        &mut types,
        &val_types(&caller_params),
        &val_types(&caller_results),
    );
    let sides = [
        SideIndices {
            memory: caller_memory,
            realloc: caller_realloc,
        },
        SideIndices {
            memory: callee_memory,
            realloc: callee_realloc,
        },
    ];
    let mut gen = Gen::new(spec, intrinsics, sides);
    gen.body(spec, &caller_params, callee, post_return);

    let mut functions = FunctionSection::new();
    functions.function(adapter_ty);
    let mut exports = ExportSection::new();
    exports.export(EXPORT, ExportKind::Func, func_count);
    let mut code = CodeSection::new();
    let mut f = Function::new_with_locals_types(gen.locals.iter().copied());
    for inst in &gen.insts {
        f.instruction(inst);
    }
    f.instruction(&I::End);
    code.function(&f);

    module.section(&types);
    module.section(&imports);
    module.section(&functions);
    module.section(&exports);
    module.section(&code);
    Adapter {
        wasm: module.finish(),
        imports: bound,
    }
}

/// The core signature of an intrinsic (see [`AdapterOp`]).
pub fn intrinsic_sig(op: AdapterOp) -> (&'static [ValType], &'static [ValType]) {
    use ValType::{I32, I64};
    match op {
        AdapterOp::Enter => (&[], &[I32]),
        AdapterOp::Exit | AdapterOp::CalleeMayLeave | AdapterOp::CallerMayLeave => (&[I32], &[]),
        AdapterOp::Trap => (&[I32], &[]),
        AdapterOp::OwnIn | AdapterOp::OwnOut => (&[I32, I32], &[I32]),
        AdapterOp::BorrowIn => (&[I32, I32, I32], &[I32]),
        AdapterOp::StringIn | AdapterOp::StringOut => (&[I32, I32], &[I64]),
    }
}

/// Which way values are going.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    /// Parameters: from the caller to the callee.
    Params,
    /// Results: from the callee to the caller.
    Results,
}

/// A side's memory and `realloc`, as indices in the generated module.
#[derive(Clone, Copy, Debug)]
struct SideIndices {
    memory: Option<u32>,
    realloc: Option<u32>,
}

impl SideIndices {
    /// Placeholders for the generation that only finds the intrinsics used.
    const PROBE: SideIndices = SideIndices {
        memory: Some(0),
        realloc: Some(0),
    };
}

/// Where a value is: flattened in locals (each with its slot's type, which may be wider
/// than the value's when variant cases share it), or in a memory at `addr + offset`.
#[derive(Clone, Debug)]
enum Loc {
    Stack(Vec<(u32, Flat)>),
    Memory { memory: u32, addr: u32, offset: u32 },
}

impl Loc {
    /// How to read a value kept in memory as the small integer `prim`: as `prim` from
    /// memory, as the whole i32 from a flat slot (for booleans and discriminants, whose
    /// flat form is not wrapped).
    fn small(&self, prim: Prim) -> Prim {
        match self {
            Loc::Stack(_) => Prim::I32,
            Loc::Memory { .. } => prim,
        }
    }

    /// The locations of a record's fields.
    fn fields(&self, types: &[&CType]) -> Vec<Loc> {
        match self {
            Loc::Stack(slots) => {
                let mut rest = &slots[..];
                types
                    .iter()
                    .map(|t| {
                        let mut flat = Vec::new();
                        flatten(t, &mut flat);
                        let (mine, after) = rest.split_at(flat.len());
                        rest = after;
                        Loc::Stack(mine.to_vec())
                    })
                    .collect()
            }
            Loc::Memory {
                memory,
                addr,
                offset,
            } => {
                let mut at = 0;
                types
                    .iter()
                    .map(|t| {
                        at = align_to(at, alignment(t));
                        let loc = Loc::Memory {
                            memory: *memory,
                            addr: *addr,
                            offset: offset + at,
                        };
                        at += size(t);
                        loc
                    })
                    .collect()
            }
        }
    }

    /// The location of a variant's payload of type `payload` (`ty` is the variant).
    fn payload(&self, ty: &CType, payload: &CType) -> Loc {
        match self {
            Loc::Stack(slots) => {
                let mut flat = Vec::new();
                flatten(payload, &mut flat);
                Loc::Stack(slots[1..1 + flat.len()].to_vec())
            }
            Loc::Memory {
                memory,
                addr,
                offset,
            } => Loc::Memory {
                memory: *memory,
                addr: *addr,
                offset: offset + payload_offset(ty),
            },
        }
    }
}

fn mem_arg(memory: u32, offset: u32, align_log2: u32) -> MemArg {
    MemArg {
        offset: offset as u64,
        align: align_log2,
        target: MemArgTarget::Memory(memory),
        ordering: None,
    }
}

/// The function body being generated.
struct Gen {
    insts: Vec<I<'static>>,
    /// Locals past the parameters.
    locals: Vec<ValType>,
    params: u32,
    /// Function indices of the imported intrinsics.
    intrinsics: [Option<u32>; AdapterOp::ALL.len()],
    /// Which intrinsics the body calls.
    used: [bool; AdapterOp::ALL.len()],
    /// Caller, then callee.
    sides: [SideIndices; 2],
    direction: Direction,
    /// The local holding the call's borrow scope.
    scope: u32,
}

impl Gen {
    fn new(
        spec: &Spec<'_>,
        intrinsics: [Option<u32>; AdapterOp::ALL.len()],
        sides: [SideIndices; 2],
    ) -> Gen {
        Gen {
            insts: Vec::new(),
            locals: Vec::new(),
            params: lowered_sig(spec.ty).0.len() as u32,
            intrinsics,
            used: [false; AdapterOp::ALL.len()],
            sides,
            direction: Direction::Params,
            scope: 0,
        }
    }

    fn emit(&mut self, i: I<'static>) {
        self.insts.push(i);
    }

    fn local(&mut self, ty: ValType) -> u32 {
        self.locals.push(ty);
        self.params + self.locals.len() as u32 - 1
    }

    fn call_intrinsic(&mut self, op: AdapterOp) {
        let index = AdapterOp::ALL
            .iter()
            .position(|o| *o == op)
            .expect("listed");
        self.used[index] = true;
        let func = self.intrinsics[index].expect("the probe generation imported it");
        self.emit(I::Call(func));
    }

    fn trap(&mut self, trap: CanonTrap) {
        self.emit(I::I32Const(trap as i32));
        self.call_intrinsic(AdapterOp::Trap);
        self.emit(I::Unreachable);
    }

    /// Traps with `trap` if the i32 on the stack is not zero.
    fn trap_if(&mut self, trap: CanonTrap) {
        self.emit(I::If(BlockType::Empty));
        self.trap(trap);
        self.emit(I::End);
    }

    /// The side values come from and the side they go to.
    fn source_side(&self) -> SideIndices {
        match self.direction {
            Direction::Params => self.sides[0],
            Direction::Results => self.sides[1],
        }
    }

    fn dest_side(&self) -> SideIndices {
        match self.direction {
            Direction::Params => self.sides[1],
            Direction::Results => self.sides[0],
        }
    }

    /// Traps unless `addr` (a local) is aligned to `align` and `addr + len` (len an i64
    /// local, or a constant) lies within `memory`.
    fn check_range(&mut self, memory: u32, addr: u32, align: u32, len: Len, oob: CanonTrap) {
        if align > 1 {
            self.emit(I::LocalGet(addr));
            self.emit(I::I32Const(align as i32 - 1));
            self.emit(I::I32And);
            self.trap_if(CanonTrap::UnalignedPointer);
        }
        self.emit(I::LocalGet(addr));
        self.emit(I::I64ExtendI32U);
        match len {
            Len::Const(n) => self.emit(I::I64Const(n as i64)),
            Len::Local(l) => self.emit(I::LocalGet(l)),
        }
        self.emit(I::I64Add);
        self.emit(I::MemorySize(memory));
        self.emit(I::I64ExtendI32U);
        self.emit(I::I64Const(16));
        self.emit(I::I64Shl);
        self.emit(I::I64GtU);
        self.trap_if(oob);
    }

    /// Calls the realloc of the destination side for `size` bytes (an i32 on the stack
    /// after `align` is pushed by this function); leaves the new pointer in a local.
    fn realloc(&mut self, align: u32, size: Len) -> u32 {
        let realloc = self
            .dest_side()
            .realloc
            .expect("validation requires a realloc where values need memory");
        self.emit(I::I32Const(0));
        self.emit(I::I32Const(0));
        self.emit(I::I32Const(align as i32));
        match size {
            Len::Const(n) => self.emit(I::I32Const(n as i32)),
            Len::Local(l) => {
                self.emit(I::LocalGet(l));
                self.emit(I::I32WrapI64);
            }
        }
        self.emit(I::Call(realloc));
        let ptr = self.local(ValType::I32);
        self.emit(I::LocalSet(ptr));
        ptr
    }

    fn dest_memory(&self) -> u32 {
        self.dest_side()
            .memory
            .expect("validation requires a memory where values need one")
    }

    fn source_memory(&self) -> u32 {
        self.source_side()
            .memory
            .expect("validation requires a memory where values need one")
    }

    /// The whole adapter: enter, parameters, call, results, post-return, exit.
    fn body(
        &mut self,
        spec: &Spec<'_>,
        caller_params: &[Flat],
        callee: u32,
        post_return: Option<u32>,
    ) {
        let ty = spec.ty;
        self.scope = self.local(ValType::I32);
        self.call_intrinsic(AdapterOp::Enter);
        self.emit(I::LocalSet(self.scope));

        // Parameters.
        self.direction = Direction::Params;
        let params = CType::Tuple(ty.params.clone());
        let flat_params = flatten_all(&ty.params);
        let spilled = flat_params.len() > MAX_FLAT_PARAMS;
        let source = if spilled {
            let memory = self.source_memory();
            self.check_range(
                memory,
                0,
                alignment(&params),
                Len::Const(size(&params) as u64),
                CanonTrap::PointerOutOfBounds,
            );
            Loc::Memory {
                memory,
                addr: 0,
                offset: 0,
            }
        } else {
            Loc::Stack(
                (0..flat_params.len() as u32)
                    .zip(caller_params.iter().copied())
                    .collect(),
            )
        };
        let needs_realloc = spilled || ty.params.iter().any(needs_memory);
        if needs_realloc && spec.callee.realloc {
            self.emit(I::I32Const(0));
            self.call_intrinsic(AdapterOp::CalleeMayLeave);
        }
        let dest = if spilled {
            let memory = self.dest_memory();
            let ptr = self.realloc(alignment(&params), Len::Const(size(&params) as u64));
            self.check_range(
                memory,
                ptr,
                alignment(&params),
                Len::Const(size(&params) as u64),
                CanonTrap::PointerOutOfBounds,
            );
            Loc::Memory {
                memory,
                addr: ptr,
                offset: 0,
            }
        } else {
            self.stack_locals(&flat_params)
        };
        self.translate(&params, &source, &dest);
        if needs_realloc && spec.callee.realloc {
            self.emit(I::I32Const(1));
            self.call_intrinsic(AdapterOp::CalleeMayLeave);
        }

        // The call.
        self.push(&dest);
        self.emit(I::Call(callee));
        let flat_results = flatten_all(ty.result.iter());
        let results_spilled = flat_results.len() > MAX_FLAT_RESULTS;
        let raw: Vec<(u32, Flat)> = if results_spilled {
            vec![(self.local(ValType::I32), Flat::I32)]
        } else {
            flat_results
                .iter()
                .map(|f| (self.local(val_type(*f)), *f))
                .collect()
        };
        for (local, _) in raw.iter().rev() {
            self.emit(I::LocalSet(*local));
        }

        // Results.
        self.direction = Direction::Results;
        let mut result_local = None;
        if let Some(result) = &ty.result {
            let source = if results_spilled {
                let memory = self.source_memory();
                self.check_range(
                    memory,
                    raw[0].0,
                    alignment(result),
                    Len::Const(size(result) as u64),
                    CanonTrap::PointerOutOfBounds,
                );
                Loc::Memory {
                    memory,
                    addr: raw[0].0,
                    offset: 0,
                }
            } else {
                Loc::Stack(raw.clone())
            };
            let needs_realloc = needs_memory(result);
            if needs_realloc && spec.caller.realloc {
                self.emit(I::I32Const(0));
                self.call_intrinsic(AdapterOp::CallerMayLeave);
            }
            let dest = if results_spilled {
                let memory = self.dest_memory();
                let retptr = caller_params.len() as u32 - 1;
                self.check_range(
                    memory,
                    retptr,
                    alignment(result),
                    Len::Const(size(result) as u64),
                    CanonTrap::PointerOutOfBounds,
                );
                Loc::Memory {
                    memory,
                    addr: retptr,
                    offset: 0,
                }
            } else {
                let dest = self.stack_locals(&flat_results);
                if let Loc::Stack(slots) = &dest {
                    result_local = slots.first().map(|s| s.0);
                }
                dest
            };
            self.translate(result, &source, &dest);
            if needs_realloc && spec.caller.realloc {
                self.emit(I::I32Const(1));
                self.call_intrinsic(AdapterOp::CallerMayLeave);
            }
        }

        if let Some(post_return) = post_return {
            self.emit(I::I32Const(0));
            self.call_intrinsic(AdapterOp::CalleeMayLeave);
            for (local, _) in &raw {
                self.emit(I::LocalGet(*local));
            }
            self.emit(I::Call(post_return));
            self.emit(I::I32Const(1));
            self.call_intrinsic(AdapterOp::CalleeMayLeave);
        }
        self.emit(I::LocalGet(self.scope));
        self.call_intrinsic(AdapterOp::Exit);
        if let Some(local) = result_local {
            self.emit(I::LocalGet(local));
        }
    }

    /// Fresh locals for flat values of `types`.
    fn stack_locals(&mut self, types: &[Flat]) -> Loc {
        Loc::Stack(
            types
                .iter()
                .map(|f| (self.local(val_type(*f)), *f))
                .collect(),
        )
    }

    /// Pushes the values at `loc` (flat locals, or the address of memory).
    fn push(&mut self, loc: &Loc) {
        match loc {
            Loc::Stack(slots) => {
                for (local, _) in slots {
                    self.emit(I::LocalGet(*local));
                }
            }
            Loc::Memory { addr, offset, .. } => {
                self.emit(I::LocalGet(*addr));
                if *offset != 0 {
                    self.emit(I::I32Const(*offset as i32));
                    self.emit(I::I32Add);
                }
            }
        }
    }

    /// Moves a value of type `ty` from `src` to `dst`.
    fn translate(&mut self, ty: &CType, src: &Loc, dst: &Loc) {
        match ty {
            CType::Bool => {
                // Any non-zero i32 (or byte) is true.
                self.load(src, src.small(Prim::U8));
                self.emit(I::I32Const(0));
                self.emit(I::I32Ne);
                self.store(dst, Prim::U8);
            }
            CType::S8 => self.copy_prim(src, dst, Prim::S8),
            CType::U8 => self.copy_prim(src, dst, Prim::U8),
            CType::S16 => self.copy_prim(src, dst, Prim::S16),
            CType::U16 => self.copy_prim(src, dst, Prim::U16),
            CType::S32 | CType::U32 => self.copy_prim(src, dst, Prim::I32),
            CType::S64 | CType::U64 => self.copy_prim(src, dst, Prim::I64),
            CType::F32 => {
                self.load(src, Prim::F32);
                let x = self.local(ValType::F32);
                self.emit(I::LocalTee(x));
                self.emit(I::F32Const(f32::from_bits(0x7fc0_0000).into()));
                self.emit(I::LocalGet(x));
                self.emit(I::LocalGet(x));
                self.emit(I::F32Eq);
                self.emit(I::Select);
                self.store(dst, Prim::F32);
            }
            CType::F64 => {
                self.load(src, Prim::F64);
                let x = self.local(ValType::F64);
                self.emit(I::LocalTee(x));
                self.emit(I::F64Const(f64::from_bits(0x7ff8_0000_0000_0000).into()));
                self.emit(I::LocalGet(x));
                self.emit(I::LocalGet(x));
                self.emit(I::F64Eq);
                self.emit(I::Select);
                self.store(dst, Prim::F64);
            }
            CType::Char => {
                self.load(src, Prim::I32);
                let c = self.local(ValType::I32);
                self.emit(I::LocalTee(c));
                self.emit(I::I32Const(0x11_0000));
                self.emit(I::I32GeU);
                self.emit(I::LocalGet(c));
                self.emit(I::I32Const(!0x7ff));
                self.emit(I::I32And);
                self.emit(I::I32Const(0xd800));
                self.emit(I::I32Eq);
                self.emit(I::I32Or);
                self.trap_if(CanonTrap::InvalidChar);
                self.emit(I::LocalGet(c));
                self.store(dst, Prim::I32);
            }
            CType::String => self.translate_string(src, dst),
            CType::List(element) => self.translate_list(element, src, dst),
            CType::FixedList(element, n) => {
                let types = vec![&**element; *n as usize];
                self.translate_fields(&types, src, dst);
            }
            CType::Record(_) | CType::Tuple(_) => self.translate_fields(&fields(ty), src, dst),
            CType::Flags(names) => self.translate_flags(ty, names.len(), src, dst),
            CType::Variant(_) | CType::Enum(_) | CType::Option(_) | CType::Result(..) => {
                self.translate_variant(ty, src, dst)
            }
            CType::Own(resource) => {
                self.load(src, Prim::I32);
                self.emit(I::I32Const(*resource as i32));
                self.call_intrinsic(match self.direction {
                    Direction::Params => AdapterOp::OwnIn,
                    Direction::Results => AdapterOp::OwnOut,
                });
                self.store(dst, Prim::I32);
            }
            CType::Borrow(resource) => {
                // Validation allows borrows only in parameters.
                self.load(src, Prim::I32);
                self.emit(I::I32Const(*resource as i32));
                self.emit(I::LocalGet(self.scope));
                self.call_intrinsic(AdapterOp::BorrowIn);
                self.store(dst, Prim::I32);
            }
        }
    }

    fn copy_prim(&mut self, src: &Loc, dst: &Loc, prim: Prim) {
        self.load(src, prim);
        self.store(dst, prim);
    }

    fn translate_fields(&mut self, types: &[&CType], src: &Loc, dst: &Loc) {
        let srcs = src.fields(types);
        let dsts = dst.fields(types);
        for ((t, s), d) in types.iter().zip(&srcs).zip(&dsts) {
            self.translate(t, s, d);
        }
    }

    fn translate_flags(&mut self, ty: &CType, count: usize, src: &Loc, dst: &Loc) {
        let prim = match count {
            0 => return,
            1..=8 => Prim::U8,
            9..=16 => Prim::U16,
            _ => Prim::I32,
        };
        let words = flag_words(ty);
        for w in 0..words {
            let (s, d) = (word(src, w), word(dst, w));
            self.load(&s, prim);
            let defined = count as u32 - 32 * w;
            if defined < 32 {
                self.emit(I::I32Const(((1u32 << defined) - 1) as i32));
                self.emit(I::I32And);
            }
            self.store(&d, prim);
        }
    }

    fn translate_variant(&mut self, ty: &CType, src: &Loc, dst: &Loc) {
        let cases = cases(ty).expect("variant-like");
        let n = cases.len() as u32;
        let prim = match discriminant_size(cases.len()) {
            1 => Prim::U8,
            2 => Prim::U16,
            _ => Prim::I32,
        };
        let first = |loc: &Loc| match loc {
            Loc::Stack(slots) => Loc::Stack(slots[..1].to_vec()),
            memory => memory.clone(),
        };
        // A flat discriminant is checked whole, not wrapped to its memory width.
        let source = first(src);
        self.load(&source, source.small(prim));
        let disc = self.local(ValType::I32);
        self.emit(I::LocalTee(disc));
        self.emit(I::I32Const(n as i32));
        self.emit(I::I32GeU);
        self.trap_if(CanonTrap::InvalidDiscriminant);
        self.emit(I::LocalGet(disc));
        self.store(&first(dst), prim);
        if cases.iter().all(Option::is_none) {
            return;
        }
        // block $end (block $case(n-1) ... (block $case0 (br_table ...)) case 0 ...) ...)
        for _ in 0..=n {
            self.emit(I::Block(BlockType::Empty));
        }
        self.emit(I::LocalGet(disc));
        self.emit(I::BrTable((0..n).collect::<Vec<_>>().into(), 0));
        for (i, case) in cases.iter().enumerate() {
            self.emit(I::End);
            if let Some(payload) = case {
                self.translate(
                    payload,
                    &src.payload(ty, payload),
                    &dst.payload(ty, payload),
                );
            }
            self.emit(I::Br(n - 1 - i as u32));
        }
        self.emit(I::End);
    }

    fn translate_string(&mut self, src: &Loc, dst: &Loc) {
        let [s_ptr, s_len] = pair(src);
        self.load(&s_ptr, Prim::I32);
        self.load(&s_len, Prim::I32);
        self.call_intrinsic(match self.direction {
            Direction::Params => AdapterOp::StringIn,
            Direction::Results => AdapterOp::StringOut,
        });
        let both = self.local(ValType::I64);
        self.emit(I::LocalSet(both));
        let [d_ptr, d_len] = pair(dst);
        self.store_from(&d_ptr, Prim::I32, |g| {
            g.emit(I::LocalGet(both));
            g.emit(I::I32WrapI64);
        });
        self.store_from(&d_len, Prim::I32, |g| {
            g.emit(I::LocalGet(both));
            g.emit(I::I64Const(32));
            g.emit(I::I64ShrU);
            g.emit(I::I32WrapI64);
        });
    }

    fn translate_list(&mut self, element: &CType, src: &Loc, dst: &Loc) {
        let (elem_size, align) = (size(element), alignment(element));
        let [s_ptr, s_len] = pair(src);
        let sp = self.local(ValType::I32);
        let n = self.local(ValType::I32);
        let bytes = self.local(ValType::I64);
        self.load(&s_ptr, Prim::I32);
        self.emit(I::LocalSet(sp));
        self.load(&s_len, Prim::I32);
        self.emit(I::LocalSet(n));
        self.emit(I::LocalGet(n));
        self.emit(I::I64ExtendI32U);
        self.emit(I::I64Const(elem_size as i64));
        self.emit(I::I64Mul);
        self.emit(I::LocalSet(bytes));
        let source_memory = self.source_memory();
        self.check_range(
            source_memory,
            sp,
            align,
            Len::Local(bytes),
            CanonTrap::ListOutOfBounds,
        );
        let dest_memory = self.dest_memory();
        let dp = self.realloc(align, Len::Local(bytes));
        self.check_range(
            dest_memory,
            dp,
            align,
            Len::Local(bytes),
            CanonTrap::ListOutOfBounds,
        );
        if is_plain(element) {
            self.emit(I::LocalGet(dp));
            self.emit(I::LocalGet(sp));
            self.emit(I::LocalGet(bytes));
            self.emit(I::I32WrapI64);
            self.emit(I::MemoryCopy {
                src_mem: source_memory,
                dst_mem: dest_memory,
            });
        } else if elem_size > 0 {
            let (cur_s, cur_d, i) = (
                self.local(ValType::I32),
                self.local(ValType::I32),
                self.local(ValType::I32),
            );
            self.emit(I::LocalGet(sp));
            self.emit(I::LocalSet(cur_s));
            self.emit(I::LocalGet(dp));
            self.emit(I::LocalSet(cur_d));
            // This loop may itself run in a loop (a list of lists): start the count afresh.
            self.emit(I::I32Const(0));
            self.emit(I::LocalSet(i));
            self.emit(I::Block(BlockType::Empty));
            self.emit(I::Loop(BlockType::Empty));
            self.emit(I::LocalGet(i));
            self.emit(I::LocalGet(n));
            self.emit(I::I32GeU);
            self.emit(I::BrIf(1));
            let s = Loc::Memory {
                memory: source_memory,
                addr: cur_s,
                offset: 0,
            };
            let d = Loc::Memory {
                memory: dest_memory,
                addr: cur_d,
                offset: 0,
            };
            self.translate(element, &s, &d);
            for (local, step) in [(cur_s, elem_size as i32), (cur_d, elem_size as i32), (i, 1)] {
                self.emit(I::LocalGet(local));
                self.emit(I::I32Const(step));
                self.emit(I::I32Add);
                self.emit(I::LocalSet(local));
            }
            self.emit(I::Br(0));
            self.emit(I::End);
            self.emit(I::End);
        }
        let [d_ptr, d_len] = pair(dst);
        self.store_from(&d_ptr, Prim::I32, |g| g.emit(I::LocalGet(dp)));
        self.store_from(&d_len, Prim::I32, |g| g.emit(I::LocalGet(n)));
    }

    /// Pushes the primitive at `loc` as its core type (an i32 for the small integers,
    /// zero- or sign-extended as the type says).
    fn load(&mut self, loc: &Loc, prim: Prim) {
        match loc {
            Loc::Stack(slots) => {
                let (local, slot) = slots[0];
                self.emit(I::LocalGet(local));
                self.coerce_from_slot(slot, prim.flat());
                match prim {
                    Prim::U8 => {
                        self.emit(I::I32Const(0xff));
                        self.emit(I::I32And);
                    }
                    Prim::S8 => self.emit(I::I32Extend8S),
                    Prim::U16 => {
                        self.emit(I::I32Const(0xffff));
                        self.emit(I::I32And);
                    }
                    Prim::S16 => self.emit(I::I32Extend16S),
                    _ => {}
                }
            }
            Loc::Memory {
                memory,
                addr,
                offset,
            } => {
                self.emit(I::LocalGet(*addr));
                let m = |log2| mem_arg(*memory, *offset, log2);
                self.emit(match prim {
                    Prim::U8 => I::I32Load8U(m(0)),
                    Prim::S8 => I::I32Load8S(m(0)),
                    Prim::U16 => I::I32Load16U(m(1)),
                    Prim::S16 => I::I32Load16S(m(1)),
                    Prim::I32 => I::I32Load(m(2)),
                    Prim::I64 => I::I64Load(m(3)),
                    Prim::F32 => I::F32Load(m(2)),
                    Prim::F64 => I::F64Load(m(3)),
                });
            }
        }
    }

    /// Stores the primitive on the stack to `loc`.
    fn store(&mut self, loc: &Loc, prim: Prim) {
        match loc {
            Loc::Stack(slots) => {
                let (local, slot) = slots[0];
                self.coerce_to_slot(prim.flat(), slot);
                self.emit(I::LocalSet(local));
            }
            Loc::Memory { .. } => {
                // The address goes under the value: keep the value in a local.
                let value = self.local(val_type(prim.flat()));
                self.emit(I::LocalSet(value));
                self.store_from(loc, prim, |g| g.emit(I::LocalGet(value)));
            }
        }
    }

    /// Stores the primitive `push` pushes to `loc`.
    fn store_from(&mut self, loc: &Loc, prim: Prim, push: impl FnOnce(&mut Gen)) {
        match loc {
            Loc::Stack(_) => {
                push(self);
                self.store(loc, prim);
            }
            Loc::Memory {
                memory,
                addr,
                offset,
            } => {
                self.emit(I::LocalGet(*addr));
                push(self);
                let m = |log2| mem_arg(*memory, *offset, log2);
                self.emit(match prim {
                    Prim::U8 | Prim::S8 => I::I32Store8(m(0)),
                    Prim::U16 | Prim::S16 => I::I32Store16(m(1)),
                    Prim::I32 => I::I32Store(m(2)),
                    Prim::I64 => I::I64Store(m(3)),
                    Prim::F32 => I::F32Store(m(2)),
                    Prim::F64 => I::F64Store(m(3)),
                });
            }
        }
    }

    /// Converts a value read from a slot of type `slot` to type `want` (a case's payload
    /// in a slot the cases share).
    fn coerce_from_slot(&mut self, slot: Flat, want: Flat) {
        match (slot, want) {
            (Flat::I64, Flat::I32) => self.emit(I::I32WrapI64),
            (Flat::I32, Flat::F32) => self.emit(I::F32ReinterpretI32),
            (Flat::I64, Flat::F32) => {
                self.emit(I::I32WrapI64);
                self.emit(I::F32ReinterpretI32);
            }
            (Flat::I64, Flat::F64) => self.emit(I::F64ReinterpretI64),
            _ => {}
        }
    }

    /// Converts a value of type `have` for a slot of type `slot`.
    fn coerce_to_slot(&mut self, have: Flat, slot: Flat) {
        match (have, slot) {
            (Flat::I32, Flat::I64) => self.emit(I::I64ExtendI32U),
            (Flat::F32, Flat::I32) => self.emit(I::I32ReinterpretF32),
            (Flat::F32, Flat::I64) => {
                self.emit(I::I32ReinterpretF32);
                self.emit(I::I64ExtendI32U);
            }
            (Flat::F64, Flat::I64) => self.emit(I::I64ReinterpretF64),
            _ => {}
        }
    }
}

/// A length for a range check: a constant or an i64 local.
#[derive(Clone, Copy)]
enum Len {
    Const(u64),
    Local(u32),
}

/// The scalar shapes values are loaded and stored as.
#[derive(Clone, Copy, Debug)]
enum Prim {
    U8,
    S8,
    U16,
    S16,
    I32,
    I64,
    F32,
    F64,
}

impl Prim {
    fn flat(self) -> Flat {
        match self {
            Prim::I64 => Flat::I64,
            Prim::F32 => Flat::F32,
            Prim::F64 => Flat::F64,
            _ => Flat::I32,
        }
    }
}

/// The two halves (pointer, length) of a string or list at `loc`.
fn pair(loc: &Loc) -> [Loc; 2] {
    match loc {
        Loc::Stack(slots) => [Loc::Stack(vec![slots[0]]), Loc::Stack(vec![slots[1]])],
        Loc::Memory {
            memory,
            addr,
            offset,
        } => [0, 4].map(|at| Loc::Memory {
            memory: *memory,
            addr: *addr,
            offset: offset + at,
        }),
    }
}

/// Word `w` of a flags value at `loc`.
fn word(loc: &Loc, w: u32) -> Loc {
    match loc {
        Loc::Stack(slots) => Loc::Stack(vec![slots[w as usize]]),
        Loc::Memory {
            memory,
            addr,
            offset,
        } => Loc::Memory {
            memory: *memory,
            addr: *addr,
            offset: offset + 4 * w,
        },
    }
}

/// Whether moving a value of `ty` allocates memory on the receiving side.
fn needs_memory(ty: &CType) -> bool {
    match ty {
        CType::String | CType::List(_) => true,
        CType::FixedList(t, _) => needs_memory(t),
        CType::Record(_) | CType::Tuple(_) => fields(ty).into_iter().any(needs_memory),
        CType::Variant(_) | CType::Option(_) | CType::Result(..) => cases(ty)
            .expect("variant-like")
            .into_iter()
            .flatten()
            .any(needs_memory),
        _ => false,
    }
}

/// Whether a list of `ty` can be copied byte for byte: integers, and records and tuples of
/// them (padding bytes come along, which is harmless).
fn is_plain(ty: &CType) -> bool {
    match ty {
        CType::S8
        | CType::U8
        | CType::S16
        | CType::U16
        | CType::S32
        | CType::U32
        | CType::S64
        | CType::U64 => true,
        CType::FixedList(t, _) => is_plain(t),
        CType::Record(_) | CType::Tuple(_) => fields(ty).into_iter().all(is_plain),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(spec: &Spec<'_>) -> Adapter {
        let adapter = generate(spec);
        let mut features = wasmparser::WasmFeatures::WASM3;
        features.insert(wasmparser::WasmFeatures::MULTI_MEMORY);
        wasmparser::Validator::new_with_features(features)
            .validate_all(&adapter.wasm)
            .unwrap_or_else(|e| panic!("{spec:?}: invalid adapter: {e}"));
        adapter
    }

    fn both() -> SideOptions {
        SideOptions {
            memory: true,
            realloc: true,
        }
    }

    #[test]
    fn adapters_of_every_kind_of_type_validate() {
        let record = CType::Record(vec![
            ("a".into(), CType::U8),
            ("b".into(), CType::F64),
            ("c".into(), CType::String),
        ]);
        let variant = CType::Variant(vec![
            ("a".into(), None),
            ("b".into(), Some(CType::F32)),
            ("c".into(), Some(CType::U64)),
            ("d".into(), Some(CType::List(Box::new(CType::Char)))),
        ]);
        let types = vec![
            CType::Bool,
            CType::S8,
            CType::U16,
            CType::Char,
            CType::F32,
            CType::String,
            CType::List(Box::new(CType::U32)),
            CType::List(Box::new(record.clone())),
            record,
            variant.clone(),
            CType::Option(Box::new(variant)),
            CType::Result(Some(Box::new(CType::String)), None),
            CType::Enum(vec!["x".into(), "y".into()]),
            CType::Flags((0..40).map(|i| format!("f{i}")).collect()),
            CType::FixedList(Box::new(CType::S16), 3),
            CType::Own(0),
            CType::Borrow(0),
        ];
        for t in &types {
            let result = (!matches!(t, CType::Borrow(_))).then(|| t.clone());
            let ty = ComponentFuncType {
                params: vec![t.clone()],
                result,
            };
            validate(&Spec {
                ty: &ty,
                caller: both(),
                callee: both(),
                post_return: true,
            });
        }
        // Spilled parameters and results.
        let ty = ComponentFuncType {
            params: vec![CType::U64; 17],
            result: Some(CType::Tuple(vec![CType::U32, CType::F32])),
        };
        let adapter = validate(&Spec {
            ty: &ty,
            caller: both(),
            callee: both(),
            post_return: false,
        });
        assert!(adapter.imports.iter().any(|i| i.2 == Import::CalleeRealloc));
    }

    #[test]
    fn signatures_follow_the_flattening_limits() {
        let ty = ComponentFuncType {
            params: vec![CType::String],
            result: Some(CType::String),
        };
        assert_eq!(lowered_sig(&ty), (vec![Flat::I32; 3], vec![]));
        assert_eq!(lifted_sig(&ty), (vec![Flat::I32; 2], vec![Flat::I32]));
    }
}
