//! `FuncEnv`: every decision about how runtime data is laid out and reached.
//!
//! Translation (`translate/`) decides what the code does; this module decides how: vmctx
//! offsets (read from `wasi_aot_abi::VmOffsets`), memory bases, globals, tables, calls to
//! defined, imported and host functions, libcalls and trap codes. Nothing else in the
//! compiler computes an offset or names a symbol.

use crate::index::*;
use crate::module::{FuncSig, ModuleInfo};
use crate::static_table::{self, StaticTable};
use cranelift_codegen::ir::{
    self, condcodes::IntCC, types, AbiParam, ArgumentPurpose, ExtFuncData, ExternalName,
    InstBuilder, MemFlagsData, Signature, TrapCode, UserExternalName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_entity::EntityRef;
use cranelift_frontend::FunctionBuilder;
use std::collections::HashMap;
use wasi_aot_abi::libcalls::Libcall;
use wasi_aot_abi::vmctx::field;
use wasi_aot_abi::{Trap, ValType, VmOffsets};

/// The Cranelift type that holds a wasm value.
pub fn ir_type(ty: ValType) -> ir::Type {
    match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::FuncRef | ValType::ExternRef | ValType::ExnRef => types::I64,
    }
}

/// The trap code compiled code carries for `trap`.
pub fn trap_code(trap: Trap) -> TrapCode {
    match trap {
        Trap::StackExhausted => TrapCode::STACK_OVERFLOW,
        Trap::MemoryOutOfBounds => TrapCode::HEAP_OUT_OF_BOUNDS,
        Trap::IntegerOverflow => TrapCode::INTEGER_OVERFLOW,
        Trap::IntegerDivideByZero => TrapCode::INTEGER_DIVISION_BY_ZERO,
        Trap::InvalidConversion => TrapCode::BAD_CONVERSION_TO_INTEGER,
        other => TrapCode::user(other.code()).expect("abi trap codes are non-zero"),
    }
}

/// The inverse of [`trap_code`], for the trap table.
pub fn trap_from_code(code: TrapCode) -> Option<Trap> {
    Some(match code {
        TrapCode::STACK_OVERFLOW => Trap::StackExhausted,
        TrapCode::HEAP_OUT_OF_BOUNDS => Trap::MemoryOutOfBounds,
        TrapCode::INTEGER_OVERFLOW => Trap::IntegerOverflow,
        TrapCode::INTEGER_DIVISION_BY_ZERO => Trap::IntegerDivideByZero,
        TrapCode::BAD_CONVERSION_TO_INTEGER => Trap::InvalidConversion,
        other => return Trap::ALL.into_iter().find(|t| trap_code(*t) == other),
    })
}

/// The signature of a wasm function: callee vmctx first, then the wasm parameters.
pub fn wasm_signature(sig: &FuncSig) -> Signature {
    let mut s = Signature::new(CallConv::Tail);
    s.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    s.params
        .extend(sig.params.iter().map(|t| AbiParam::new(ir_type(*t))));
    s.returns
        .extend(sig.results.iter().map(|t| AbiParam::new(ir_type(*t))));
    s
}

/// The signature of a WASI host function (see `wasi_aot_abi::wasi`).
pub fn host_signature(sig: &FuncSig) -> Signature {
    let mut s = Signature::new(CallConv::SystemV);
    s.params.push(AbiParam::new(types::I64));
    s.params
        .extend(sig.params.iter().map(|t| AbiParam::new(ir_type(*t))));
    s.returns.push(AbiParam::new(types::I32));
    s
}

/// The signature of a WASI 0.2 host function or component built-in whose lowering has core
/// signature `sig` (see `wasi_aot_abi::wasi_p2`): the context, the parameters, a pointer to
/// the one result if there is one; an `i32` status.
pub fn p2_host_signature(sig: &FuncSig) -> Signature {
    let mut s = Signature::new(CallConv::SystemV);
    s.params.push(AbiParam::new(types::I64));
    s.params
        .extend(sig.params.iter().map(|t| AbiParam::new(ir_type(*t))));
    if !sig.results.is_empty() {
        s.params.push(AbiParam::new(types::I64));
    }
    s.returns.push(AbiParam::new(types::I32));
    s
}

/// The signature of the runtime's entry for calls between components:
/// `(context, slots, count) -> status`.
pub fn adapter_host_signature() -> Signature {
    let mut s = Signature::new(CallConv::SystemV);
    s.params.push(AbiParam::new(types::I64));
    s.params.push(AbiParam::new(types::I64));
    s.params.push(AbiParam::new(types::I32));
    s.returns.push(AbiParam::new(types::I32));
    s
}

/// The signature of a libcall.
pub fn libcall_signature(libcall: Libcall) -> Signature {
    let sig = libcall.signature();
    let mut s = Signature::new(CallConv::SystemV);
    s.params.push(AbiParam::new(types::I64));
    s.params
        .extend(sig.params.iter().map(|t| AbiParam::new(ir_type(*t))));
    s.returns
        .extend(sig.results.iter().map(|t| AbiParam::new(ir_type(*t))));
    s
}

/// How compiled code reaches a function.
#[derive(Clone, Copy, Debug)]
pub enum Callee {
    /// Defined in this module: a direct call to object function `id`.
    Defined {
        /// Object function id.
        id: u32,
    },
    /// A WASI host function, called directly.
    Host {
        /// Object function id of the host symbol.
        id: u32,
        /// Object function id of its wasm-ABI adapter, when the import escapes.
        adapter: Option<u32>,
    },
    /// Imported from another instance through vmctx slot `slot`.
    Import {
        /// Index among imported-function slots.
        slot: u32,
    },
}

/// What `memory.copy` or `memory.fill` writes (see `FuncEnv::memory_copy_or_fill`).
#[derive(Clone, Copy, Debug)]
pub enum BulkSource {
    /// Bytes from this address in the same memory.
    Copy(Value),
    /// This byte (an `i32`).
    Fill(Value),
}

/// Module-wide facts shared by every function's environment.
pub struct ModuleEnv<'m> {
    /// The module.
    pub info: &'m ModuleInfo<'m>,
    /// Its vmctx layout.
    pub offsets: VmOffsets,
    /// Canonical type id of every type index.
    pub type_ids: Vec<u32>,
    /// How each function is called.
    pub callees: Vec<Callee>,
    /// Funcref slot of each escaping function.
    pub funcref_slots: HashMap<FuncIndex, u32>,
    /// Object function ids of the libcalls.
    pub libcalls: HashMap<Libcall, u32>,
    /// Whether the program can throw exceptions, so calls must check for one.
    pub exceptions: bool,
    /// The tables whose contents are fixed (`crate::static_table`).
    pub static_tables: HashMap<TableIndex, StaticTable>,
}

impl ModuleEnv<'_> {
    fn memory_def(&self, memory: MemoryIndex) -> Option<u32> {
        let n = self.info.num_imported_memories as usize;
        (memory.index() >= n).then(|| (memory.index() - n) as u32)
    }
    fn table_def(&self, table: TableIndex) -> Option<u32> {
        let n = self.info.num_imported_tables as usize;
        (table.index() >= n).then(|| (table.index() - n) as u32)
    }
    fn global_def(&self, global: GlobalIndex) -> Option<u32> {
        let n = self.info.num_imported_globals as usize;
        (global.index() >= n).then(|| (global.index() - n) as u32)
    }
}

/// The environment of one function's translation.
pub struct FuncEnv<'a, 'm> {
    /// Module-wide facts.
    pub module: &'a ModuleEnv<'m>,
    vmctx: Option<Value>,
    /// Imported functions (and data objects referenced as functions, see `data_address`)
    /// by (namespace, index) of their names.
    func_refs: HashMap<(u32, u32), ir::FuncRef>,
    /// libc functions called directly.
    libc_refs: HashMap<ir::LibCall, ir::FuncRef>,
    sig_refs: HashMap<TypeIndex, ir::SigRef>,
}

/// Flags for loads of vmctx fields that never change after instantiation.
fn readonly() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

impl<'a, 'm> FuncEnv<'a, 'm> {
    /// Creates the environment for one function.
    pub fn new(module: &'a ModuleEnv<'m>) -> Self {
        FuncEnv {
            module,
            vmctx: None,
            func_refs: HashMap::new(),
            libc_refs: HashMap::new(),
            sig_refs: HashMap::new(),
        }
    }

    /// Records the function's vmctx parameter and installs the stack-limit check.
    pub fn set_vmctx(&mut self, builder: &mut FunctionBuilder<'_>, vmctx: Value) {
        self.vmctx = Some(vmctx);
        let base = builder
            .func
            .create_global_value(ir::GlobalValueData::VMContext);
        let flags = builder
            .func
            .dfg
            .mem_flags
            .insert(MemFlagsData::trusted())
            .expect("few distinct memory flags per function");
        let limit = builder.func.create_global_value(ir::GlobalValueData::Load {
            base,
            offset: (self.module.offsets.stack_limit() as i32).into(),
            global_type: types::I64,
            flags,
        });
        builder.func.stack_limit = Some(limit);
    }

    /// The function's vmctx.
    pub fn vmctx(&self) -> Value {
        self.vmctx.expect("set_vmctx is called in the prologue")
    }

    /// The signature of wasm type `ty`.
    pub fn sig(&self, ty: TypeIndex) -> &FuncSig {
        &self.module.info.types[ty]
    }

    /// Object function `id` (namespace 0), imported into the function once.
    fn import_func(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        id: u32,
        signature: impl FnOnce() -> Signature,
        colocated: bool,
    ) -> ir::FuncRef {
        self.import_name(builder, UserExternalName::new(0, id), signature, colocated)
    }

    /// The object symbol `name`, imported into the function once, as a function.
    fn import_name(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        name: UserExternalName,
        signature: impl FnOnce() -> Signature,
        colocated: bool,
    ) -> ir::FuncRef {
        let key = (name.namespace, name.index);
        if let Some(f) = self.func_refs.get(&key) {
            return *f;
        }
        let signature = builder.import_signature(signature());
        let name = builder.func.declare_imported_user_function(name);
        let f = builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated,
            patchable: false,
        });
        self.func_refs.insert(key, f);
        f
    }

    fn wasm_sig_ref(&mut self, builder: &mut FunctionBuilder<'_>, ty: TypeIndex) -> ir::SigRef {
        if let Some(s) = self.sig_refs.get(&ty) {
            return *s;
        }
        let s = builder.import_signature(wasm_signature(&self.module.info.types[ty]));
        self.sig_refs.insert(ty, s);
        s
    }

    // ---- memories ----

    fn memory_record(
        &self,
        builder: &mut FunctionBuilder<'_>,
        memory: MemoryIndex,
    ) -> (Value, i32) {
        let offsets = &self.module.offsets;
        let defined = self.module.memory_def(memory).map(|d| offsets.memory(d));
        self.record(builder, defined, || offsets.memory_import(memory.as_u32()))
    }

    /// Where a record lives: inline in this vmctx at `defined` for a defined entity, else
    /// behind the pointer in the import slot at `import` (loaded once, read-only).
    fn record(
        &self,
        builder: &mut FunctionBuilder<'_>,
        defined: Option<u32>,
        import: impl FnOnce() -> u32,
    ) -> (Value, i32) {
        let vmctx = self.vmctx();
        match defined {
            Some(offset) => (vmctx, offset as i32),
            None => {
                let ptr = builder
                    .ins()
                    .load(types::I64, readonly(), vmctx, import() as i32);
                (ptr, 0)
            }
        }
    }

    /// The current length in bytes of the memory whose record is at `record + at`.
    fn memory_length(
        &self,
        builder: &mut FunctionBuilder<'_>,
        (record, at): (Value, i32),
    ) -> Value {
        let offset = at + field::MEMORY_LENGTH as i32;
        builder
            .ins()
            .load(types::I64, MemFlagsData::trusted(), record, offset)
    }

    /// The base address of the memory whose record is at `record + at` (fixed: memories
    /// grow in place).
    fn memory_base(&self, builder: &mut FunctionBuilder<'_>, (record, at): (Value, i32)) -> Value {
        let offset = at + field::MEMORY_BASE as i32;
        builder.ins().load(types::I64, readonly(), record, offset)
    }

    /// Whether `memory` has 64-bit addresses.
    pub fn is_memory64(&self, memory: MemoryIndex) -> bool {
        self.module.info.memories[memory].memory64
    }

    /// The address of `index + offset` in `memory`, for an access of `size` bytes.
    ///
    /// A 32-bit memory needs no bounds check: with the guarded reservation any 32-bit index
    /// plus any 32-bit offset lands in the reservation, and the inaccessible part faults.
    /// A 64-bit index can reach beyond any reservation, so it is checked explicitly against
    /// the current length.
    pub fn heap_address(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        memory: MemoryIndex,
        index: Value,
        offset: u64,
        size: u32,
    ) -> (Value, i32) {
        let record = self.memory_record(builder, memory);
        let base = self.memory_base(builder, record);
        let index = if self.is_memory64(memory) {
            let oob = trap_code(Trap::MemoryOutOfBounds);
            let reach = builder
                .ins()
                .iconst(types::I64, offset.wrapping_add(size as u64) as i64);
            let end = if offset.checked_add(size as u64).is_some() {
                builder.ins().uadd_overflow_trap(index, reach, oob)
            } else {
                // Offset plus size alone exceed the address space: the access always
                // traps, but the block goes on (it must stay open for what follows).
                let always = builder.ins().iconst(types::I32, 1);
                builder.ins().trapnz(always, oob);
                reach
            };
            let len = self.memory_length(builder, record);
            let out = builder.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
            builder.ins().trapnz(out, oob);
            index
        } else {
            builder.ins().uextend(types::I64, index)
        };
        let mut addr = builder.ins().iadd(base, index);
        let static_offset = match i32::try_from(offset) {
            Ok(o) => o,
            Err(_) => {
                addr = builder.ins().iadd_imm_s(addr, offset as i64);
                0
            }
        };
        (addr, static_offset)
    }

    /// Flags for a linear-memory access.
    pub fn heap_flags(&self) -> MemFlagsData {
        MemFlagsData::new().with_endianness(ir::Endianness::Little)
    }

    /// `memory.size` in pages.
    pub fn memory_size(&mut self, builder: &mut FunctionBuilder<'_>, memory: MemoryIndex) -> Value {
        let record = self.memory_record(builder, memory);
        let len = self.memory_length(builder, record);
        let pages = builder.ins().ushr_imm_u(len, 16);
        if self.is_memory64(memory) {
            pages
        } else {
            builder.ins().ireduce(types::I32, pages)
        }
    }

    /// `memory.copy` within one memory, or `memory.fill` (`src` is then the byte value),
    /// inline: the bounds checks, then a direct call to libc's `memmove` or `memset`.
    /// (Through the runtime the same operation costs an instance lookup and a second set
    /// of checks, which dominates the small copies of C code built with bulk memory.)
    pub fn memory_copy_or_fill(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        memory: MemoryIndex,
        dst: Value,
        src: BulkSource,
        len: Value,
    ) {
        let oob = trap_code(Trap::MemoryOutOfBounds);
        let record = self.memory_record(builder, memory);
        let size = self.memory_length(builder, record);
        let mut ends = vec![dst];
        if let BulkSource::Copy(src) = src {
            ends.push(src);
        }
        for start in ends {
            let end = builder.ins().uadd_overflow_trap(start, len, oob);
            let out = builder.ins().icmp(IntCC::UnsignedGreaterThan, end, size);
            builder.ins().trapnz(out, oob);
        }
        let base = self.memory_base(builder, record);
        let dst = builder.ins().iadd(base, dst);
        let (libcall, value) = match src {
            BulkSource::Copy(src) => (ir::LibCall::Memmove, builder.ins().iadd(base, src)),
            BulkSource::Fill(byte) => (ir::LibCall::Memset, byte),
        };
        let f = self.libc_function(builder, libcall);
        builder.ins().call(f, &[dst, value, len]);
    }

    /// libc's `memmove` or `memset`, whose signatures agree: (pointer, pointer or `int`,
    /// size) to pointer.
    fn libc_function(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        libcall: ir::LibCall,
    ) -> ir::FuncRef {
        if let Some(f) = self.libc_refs.get(&libcall) {
            return *f;
        }
        let mut sig = Signature::new(CallConv::SystemV);
        let second = if libcall == ir::LibCall::Memset {
            types::I32
        } else {
            types::I64
        };
        sig.params = vec![
            AbiParam::new(types::I64),
            AbiParam::new(second),
            AbiParam::new(types::I64),
        ];
        sig.returns = vec![AbiParam::new(types::I64)];
        let signature = builder.import_signature(sig);
        let f = builder.import_function(ExtFuncData {
            name: ExternalName::LibCall(libcall),
            signature,
            colocated: false,
            patchable: false,
        });
        self.libc_refs.insert(libcall, f);
        f
    }

    // ---- globals ----

    fn global_location(
        &self,
        builder: &mut FunctionBuilder<'_>,
        global: GlobalIndex,
    ) -> (Value, i32) {
        let offsets = &self.module.offsets;
        let defined = self.module.global_def(global).map(|d| offsets.global(d));
        self.record(builder, defined, || offsets.global_import(global.as_u32()))
    }

    /// `global.get`.
    pub fn global_get(&mut self, builder: &mut FunctionBuilder<'_>, global: GlobalIndex) -> Value {
        let decl = &self.module.info.globals[global];
        let ty = ir_type(decl.ty);
        let mut flags = MemFlagsData::trusted();
        if !decl.mutable {
            flags = readonly();
        }
        let (base, at) = self.global_location(builder, global);
        builder.ins().load(ty, flags, base, at)
    }

    /// `global.set`.
    pub fn global_set(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        global: GlobalIndex,
        value: Value,
    ) {
        let (base, at) = self.global_location(builder, global);
        builder
            .ins()
            .store(MemFlagsData::trusted(), value, base, at);
    }

    // ---- tables ----

    fn table_record(&self, builder: &mut FunctionBuilder<'_>, table: TableIndex) -> (Value, i32) {
        let offsets = &self.module.offsets;
        let defined = self.module.table_def(table).map(|d| offsets.table(d));
        self.record(builder, defined, || offsets.table_import(table.as_u32()))
    }

    /// The address of element `index` of `table`, trapping with `trap` when out of bounds.
    fn table_element(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        table: TableIndex,
        index: Value,
        trap: Trap,
    ) -> Value {
        let (record, at) = self.table_record(builder, table);
        let len = builder.ins().load(
            types::I32,
            MemFlagsData::trusted(),
            record,
            at + field::TABLE_LENGTH as i32,
        );
        let oob = builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        builder.ins().trapnz(oob, trap_code(trap));
        let base = builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            record,
            at + field::TABLE_BASE as i32,
        );
        let index = builder.ins().uextend(types::I64, index);
        let scaled = builder
            .ins()
            .imul_imm_s(index, field::TABLE_ELEMENT_SIZE as i64);
        builder.ins().iadd(base, scaled)
    }

    /// `table.get`.
    pub fn table_get(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        table: TableIndex,
        index: Value,
    ) -> Value {
        let addr = self.table_element(builder, table, index, Trap::TableOutOfBounds);
        builder
            .ins()
            .load(types::I64, MemFlagsData::trusted(), addr, 0)
    }

    /// `table.set`.
    pub fn table_set(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        table: TableIndex,
        index: Value,
        value: Value,
    ) {
        let addr = self.table_element(builder, table, index, Trap::TableOutOfBounds);
        builder.ins().store(MemFlagsData::trusted(), value, addr, 0);
    }

    /// `table.size`.
    pub fn table_size(&mut self, builder: &mut FunctionBuilder<'_>, table: TableIndex) -> Value {
        let (record, at) = self.table_record(builder, table);
        builder.ins().load(
            types::I32,
            MemFlagsData::trusted(),
            record,
            at + field::TABLE_LENGTH as i32,
        )
    }

    /// `ref.func`: the address of the function's funcref slot.
    pub fn ref_func(&mut self, builder: &mut FunctionBuilder<'_>, func: FuncIndex) -> Value {
        let slot = self.module.funcref_slots[&func];
        let vmctx = self.vmctx();
        builder
            .ins()
            .iadd_imm_s(vmctx, self.module.offsets.funcref(slot) as i64)
    }

    // ---- calls ----

    /// A `call` of `func`, or with `tail` a `return_call` (which ends the block and
    /// returns no values).
    pub fn call(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        func: FuncIndex,
        args: &[Value],
        tail: bool,
    ) -> Vec<Value> {
        let ty = self.module.info.funcs[func];
        let vmctx = self.vmctx();
        match self.module.callees[func.index()] {
            Callee::Defined { id } => {
                let sig = self.module.info.types[ty].clone();
                let f = self.import_func(builder, id, || wasm_signature(&sig), true);
                let mut all = vec![vmctx];
                all.extend_from_slice(args);
                if tail {
                    builder.ins().return_call(f, &all);
                    return Vec::new();
                }
                let call = builder.ins().call(f, &all);
                builder.inst_results(call).to_vec()
            }
            Callee::Host { id, .. } => {
                // Host functions use the platform ABI, so a tail call is a call and return.
                let sig = self.module.info.types[ty].clone();
                let results = self.call_host(builder, id, &sig, args);
                if tail {
                    builder.ins().return_(&results);
                    return Vec::new();
                }
                results
            }
            Callee::Import { slot } => {
                let at = self.module.offsets.func_import(slot) as i32;
                let code = builder.ins().load(
                    types::I64,
                    readonly(),
                    vmctx,
                    at + field::IMPORT_WASM_CALL as i32,
                );
                let callee_vmctx = builder.ins().load(
                    types::I64,
                    readonly(),
                    vmctx,
                    at + field::IMPORT_VMCTX as i32,
                );
                self.call_code(builder, ty, code, callee_vmctx, args, tail)
            }
        }
    }

    /// Calls `code` (wasm ABI, type `ty`) with `callee_vmctx`.
    fn call_code(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        ty: TypeIndex,
        code: Value,
        callee_vmctx: Value,
        args: &[Value],
        tail: bool,
    ) -> Vec<Value> {
        let sig = self.wasm_sig_ref(builder, ty);
        let mut all = vec![callee_vmctx];
        all.extend_from_slice(args);
        if tail {
            builder.ins().return_call_indirect(sig, code, &all);
            return Vec::new();
        }
        let call = builder.ins().call_indirect(sig, code, &all);
        builder.inst_results(call).to_vec()
    }

    /// Calls host function `id` and raises [`Trap::Host`] when it reports a trap.
    pub fn call_host(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        id: u32,
        sig: &FuncSig,
        args: &[Value],
    ) -> Vec<Value> {
        let f = self.import_func(builder, id, || host_signature(sig), false);
        let mut all = vec![self.vmctx()];
        all.extend_from_slice(args);
        let call = builder.ins().call(f, &all);
        let status = builder.inst_results(call)[0];
        let failed = builder.ins().icmp_imm_s(IntCC::SignedLessThan, status, 0);
        builder.ins().trapnz(failed, trap_code(Trap::Host));
        if sig.results.is_empty() {
            Vec::new()
        } else {
            vec![status]
        }
    }

    /// `call_indirect` through `table` with expected type `ty` (`tail`: as a tail call).
    pub fn call_indirect(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        table: TableIndex,
        ty: TypeIndex,
        index: Value,
        args: &[Value],
        tail: bool,
    ) -> Vec<Value> {
        let expected = self.module.type_ids[ty.index()];
        if let Some(fixed) = self.module.static_tables.get(&table) {
            if builder.func.dfg.value_type(index) == types::I32 {
                let (code, vmctx) = self.static_callee(builder, fixed, expected, index);
                return self.call_code(builder, ty, code, vmctx, args, tail);
            }
        }
        let addr = self.table_element(builder, table, index, Trap::UndefinedElement);
        let funcref = builder
            .ins()
            .load(types::I64, MemFlagsData::trusted(), addr, 0);
        // A null entry faults on this load (the null page is never mapped); the trap table
        // maps the fault to "uninitialized element".
        let type_id = builder.ins().load(
            types::I32,
            MemFlagsData::new().with_trap_code(Some(trap_code(Trap::UninitializedElement))),
            funcref,
            field::FUNCREF_TYPE_ID as i32,
        );
        let mismatch = builder
            .ins()
            .icmp_imm_s(IntCC::NotEqual, type_id, expected as i32 as i64);
        builder
            .ins()
            .trapnz(mismatch, trap_code(Trap::IndirectCallTypeMismatch));
        self.call_funcref(builder, ty, funcref, args, tail, Trap::UninitializedElement)
    }

    /// The code pointer and vmctx of slot `index` of static table `fixed`, after the
    /// bounds, null and type checks of `call_indirect` with type id `expected`. The callee
    /// is defined in this module, so its vmctx is ours.
    fn static_callee(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        fixed: &StaticTable,
        expected: u32,
        index: Value,
    ) -> (Value, Value) {
        let len = fixed.contents.slots.len() as i64;
        let oob = builder
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, index, len);
        builder.ins().trapnz(oob, trap_code(Trap::UndefinedElement));
        let slot = builder.ins().uextend(types::I64, index);
        let contents = &fixed.contents;
        let typed = contents.function_type() == Some(expected);
        if !typed {
            let type_id = self.static_slot(builder, fixed.types, slot, types::I32);
            let null = builder.ins().icmp_imm_s(
                IntCC::Equal,
                type_id,
                static_table::NULL_TYPE_ID as i32 as i64,
            );
            builder
                .ins()
                .trapnz(null, trap_code(Trap::UninitializedElement));
            let mismatch =
                builder
                    .ins()
                    .icmp_imm_s(IntCC::NotEqual, type_id, expected as i32 as i64);
            builder
                .ins()
                .trapnz(mismatch, trap_code(Trap::IndirectCallTypeMismatch));
        }
        let code = self.static_slot(builder, fixed.codes, slot, types::I64);
        if typed && contents.has_null() {
            builder
                .ins()
                .trapz(code, trap_code(Trap::UninitializedElement));
        }
        (code, self.vmctx())
    }

    /// Element `slot` (an `i64`, already bounds-checked) of the array of `ty` in data object
    /// `data`.
    fn static_slot(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        data: u32,
        slot: Value,
        ty: ir::Type,
    ) -> Value {
        let base = self.data_address(builder, data);
        let offset = builder.ins().imul_imm_s(slot, ty.bytes() as i64);
        let addr = builder.ins().iadd(base, offset);
        // Constant, but in bounds only after the bounds check: no `can_move`.
        let flags = MemFlagsData::trusted().with_readonly();
        builder.ins().load(ty, flags, addr, 0)
    }

    /// The address of data object `id` of this object file.
    ///
    /// The data object is referenced as an external function and its address taken with
    /// `func_addr`: Cranelift's inliner (0.135) remaps the names of external functions
    /// into the caller, but copies symbol global values unchanged, names included, so a
    /// `GlobalValueData::Symbol` from an inlined body would name the wrong object.
    fn data_address(&mut self, builder: &mut FunctionBuilder<'_>, id: u32) -> Value {
        let name = UserExternalName::new(1, id);
        let f = self.import_name(builder, name, || Signature::new(CallConv::Tail), true);
        builder.ins().func_addr(types::I64, f)
    }

    /// `call_ref` (`tail`: `return_call_ref`): validation guarantees the type, so only a
    /// null reference needs a check, which the first load through it performs.
    pub fn call_ref(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        ty: TypeIndex,
        funcref: Value,
        args: &[Value],
        tail: bool,
    ) -> Vec<Value> {
        self.call_funcref(
            builder,
            ty,
            funcref,
            args,
            tail,
            Trap::NullFunctionReference,
        )
    }

    /// Calls a funcref known to have type `ty`; a null funcref faults on the first load,
    /// reported as `null_trap`.
    fn call_funcref(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        ty: TypeIndex,
        funcref: Value,
        args: &[Value],
        tail: bool,
        null_trap: Trap,
    ) -> Vec<Value> {
        let code = builder.ins().load(
            types::I64,
            MemFlagsData::new().with_trap_code(Some(trap_code(null_trap))),
            funcref,
            field::FUNCREF_WASM_CALL as i32,
        );
        let callee_vmctx = builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            funcref,
            field::FUNCREF_VMCTX as i32,
        );
        self.call_code(builder, ty, code, callee_vmctx, args, tail)
    }

    // ---- exceptions ----

    /// The process-wide pending-exception slot (`*mut VmException`).
    fn pending_slot(&self, builder: &mut FunctionBuilder<'_>) -> Value {
        let vmctx = self.vmctx();
        builder.ins().load(
            types::I64,
            readonly(),
            vmctx,
            self.module.offsets.pending_exception() as i32,
        )
    }

    /// The pending exception (null when none).
    pub fn pending_exception(&self, builder: &mut FunctionBuilder<'_>) -> Value {
        let slot = self.pending_slot(builder);
        builder
            .ins()
            .load(types::I64, MemFlagsData::trusted(), slot, 0)
    }

    /// Clears the pending exception (it has been caught).
    pub fn clear_pending_exception(&self, builder: &mut FunctionBuilder<'_>) {
        let slot = self.pending_slot(builder);
        let null = builder.ins().iconst(types::I64, 0);
        builder.ins().store(MemFlagsData::trusted(), null, slot, 0);
    }

    /// The identity of `tag`, compared with a thrown exception's tag.
    pub fn tag_identity(&self, builder: &mut FunctionBuilder<'_>, tag: TagIndex) -> Value {
        let vmctx = self.vmctx();
        builder.ins().load(
            types::I64,
            readonly(),
            vmctx,
            self.module.offsets.tag(tag.as_u32()) as i32,
        )
    }

    /// The tag of exception `exn`.
    pub fn exception_tag(&self, builder: &mut FunctionBuilder<'_>, exn: Value) -> Value {
        builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            exn,
            field::EXCEPTION_TAG as i32,
        )
    }

    /// The payload of exception `exn`, known to carry `tag`.
    pub fn exception_payload(
        &self,
        builder: &mut FunctionBuilder<'_>,
        exn: Value,
        tag: TagIndex,
    ) -> Vec<Value> {
        let ty = self.module.info.tags[tag];
        let params = self.module.info.types[ty].params.clone();
        let payload = builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            exn,
            field::EXCEPTION_PAYLOAD as i32,
        );
        params
            .iter()
            .enumerate()
            .map(|(i, t)| {
                builder.ins().load(
                    ir_type(*t),
                    MemFlagsData::trusted(),
                    payload,
                    (i * 16) as i32,
                )
            })
            .collect()
    }

    /// `throw`: makes a new exception of `tag` with payload `values` pending.
    pub fn throw(&mut self, builder: &mut FunctionBuilder<'_>, tag: TagIndex, values: &[Value]) {
        let size = (values.len().max(1) * 16) as u32;
        let slot = builder.create_sized_stack_slot(ir::StackSlotData::new(
            ir::StackSlotKind::ExplicitSlot,
            size,
            4,
        ));
        for (i, v) in values.iter().enumerate() {
            builder
                .ins()
                .stack_store(types::I64, *v, slot, (i * 16) as i32);
        }
        let addr = builder.ins().stack_addr(types::I64, slot, 0);
        let tag = self.index_arg(builder, tag.as_u32());
        self.libcall(builder, Libcall::Throw, &[tag, addr]);
    }

    /// `throw_ref`: makes `exn` pending again, trapping on null.
    pub fn throw_ref(&mut self, builder: &mut FunctionBuilder<'_>, exn: Value) {
        builder
            .ins()
            .trapz(exn, trap_code(Trap::NullExceptionReference));
        self.libcall(builder, Libcall::ThrowRef, &[exn]);
    }

    // ---- libcalls ----

    /// Calls `libcall` with `args` (after vmctx); raises its trap on a non-zero status.
    pub fn libcall(
        &mut self,
        builder: &mut FunctionBuilder<'_>,
        libcall: Libcall,
        args: &[Value],
    ) -> Option<Value> {
        let id = self.module.libcalls[&libcall];
        let f = self.import_func(builder, id, || libcall_signature(libcall), false);
        let mut all = vec![self.vmctx()];
        all.extend_from_slice(args);
        let call = builder.ins().call(f, &all);
        let result = builder.inst_results(call).first().copied();
        match libcall.trap() {
            Some(trap) => {
                builder.ins().trapnz(
                    result.expect("trapping libcalls return a status"),
                    trap_code(trap),
                );
                None
            }
            None => result,
        }
    }

    /// Converts a memory index into the i32 libcalls take.
    pub fn index_arg(&self, builder: &mut FunctionBuilder<'_>, index: u32) -> Value {
        builder.ins().iconst(types::I32, index as i64)
    }
}
