//! Cranelift code generation: the target ISA, and compilation of function bodies,
//! array-call trampolines and host adapters into relocatable machine code.
//!
//! Workers call Cranelift directly, each with its own reused `Context` and
//! `FunctionBuilderContext`; the results are defined in the object serially, in index
//! order, by `object.rs`, so the output does not depend on the thread count.

use crate::config::{OptLevel, TargetCpu};
use crate::error::{CompileError, Result};
use crate::func_env::{self, wasm_signature, FuncEnv, ModuleEnv};
use crate::index::DefinedFuncIndex;
use crate::module::{BodyToCompile, FuncSig};
use cranelift_codegen::ir::{self, types, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{control::ControlPlane, Context};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::ModuleReloc;
use wasi_aot_abi::Trap;

/// The least alignment of every compiled function: a cache line (see `compile_body`).
const FUNCTION_ALIGNMENT: u64 = 64;

/// Largest callee (in CLIF instructions after translation) that calls are inlined into.
pub const INLINE_MAX_INSTS: usize = 60;

/// Bodies larger than this (in wasm bytes) are not considered for inlining at all: they
/// translate to far more than [`INLINE_MAX_INSTS`] instructions.
pub const INLINE_MAX_BODY_BYTES: usize = 240;

/// Small functions whose calls are inlined, by object function id.
pub type InlineCandidates = std::collections::HashMap<u32, ir::Function>;

/// Inlines direct calls to candidates, one level deep: the calls inside an inlined body
/// stay calls. A small recursive function is inlined into itself once, which halves the
/// calls it makes (naive Fibonacci runs twice as fast).
struct Inliner<'a> {
    candidates: &'a InlineCandidates,
}

impl cranelift_codegen::inline::Inline for Inliner<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _call: ir::Inst,
        opcode: ir::Opcode,
        callee: ir::FuncRef,
        _args: &[ir::Value],
    ) -> cranelift_codegen::inline::InlineCommand<'_> {
        use cranelift_codegen::inline::InlineCommand;
        if opcode != ir::Opcode::Call {
            return InlineCommand::KeepCall;
        }
        let ir::ExternalName::User(name) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let name = &caller.params.user_named_funcs()[name];
        if name.namespace != 0 {
            return InlineCommand::KeepCall;
        }
        match self.candidates.get(&name.index) {
            Some(body) => InlineCommand::Inline {
                callee: std::borrow::Cow::Borrowed(body),
                visit_callee: false,
            },
            None => InlineCommand::KeepCall,
        }
    }
}

/// Machine code for one function, ready to be defined in the object.
pub struct CompiledFunction {
    /// Object function id.
    pub id: u32,
    /// The code.
    pub bytes: Vec<u8>,
    /// Required alignment.
    pub alignment: u64,
    /// Relocations against other symbols.
    pub relocs: Vec<ModuleReloc>,
    /// Trapping instructions: offset in the function and trap.
    pub traps: Vec<(u32, Trap)>,
}

/// Builds the x86-64 target for `cpu`. The default, x86-64-v2 (SSE4.2, POPCNT), runs on any
/// x86-64 machine of the last decade; x86-64-v3 adds AVX2, FMA, BMI1/2 and LZCNT; `Native`
/// uses everything the build machine has.
pub fn build_isa(opt: OptLevel, cpu: TargetCpu) -> Result<OwnedTargetIsa> {
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name: &str, value: &str| {
        flags.set(name, value).map_err(|e| CompileError::Codegen {
            func: "(target setup)".into(),
            message: format!("flag {name}={value}: {e}"),
        })
    };
    set(&mut flags, "opt_level", opt.cranelift_name())?;
    set(&mut flags, "preserve_frame_pointers", "true")?;
    set(&mut flags, "unwind_info", "false")?;
    // Frames larger than a page touch each page in order, so that stack exhaustion always
    // lands on the guard below the stack instead of jumping past it.
    set(&mut flags, "enable_probestack", "true")?;
    set(&mut flags, "probestack_strategy", "inline")?;
    set(&mut flags, "is_pic", "false")?;
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    let target_error = |message: String| CompileError::Codegen {
        func: "(target setup)".into(),
        message,
    };
    let mut isa = match cpu {
        TargetCpu::Native => {
            cranelift_native::builder_with_options(true).map_err(|e| target_error(e.to_string()))?
        }
        _ => cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu")
            .map_err(|e| target_error(e.to_string()))?,
    };
    let v2 = [
        "has_sse3",
        "has_ssse3",
        "has_sse41",
        "has_sse42",
        "has_popcnt",
    ];
    let v3 = [
        "has_avx",
        "has_avx2",
        "has_fma",
        "has_bmi1",
        "has_bmi2",
        "has_lzcnt",
    ];
    let features: Vec<&str> = match cpu {
        TargetCpu::Native => Vec::new(),
        TargetCpu::X86_64V2 => v2.to_vec(),
        TargetCpu::X86_64V3 => v2.iter().chain(&v3).copied().collect(),
    };
    for feature in features {
        isa.enable(feature).map_err(|e| CompileError::Codegen {
            func: "(target setup)".into(),
            message: format!("{feature}: {e}"),
        })?;
    }
    isa.finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::Codegen {
            func: "(target setup)".into(),
            message: e.to_string(),
        })
}

/// Per-thread reusable compilation state.
pub struct Workspace {
    ctx: Context,
    builder: FunctionBuilderContext,
    validator: wasmparser::FuncValidatorAllocations,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            ctx: Context::new(),
            builder: FunctionBuilderContext::new(),
            validator: Default::default(),
        }
    }
}

impl Workspace {
    /// Compiles the function in `ctx.func` and collects its code.
    fn finish(
        &mut self,
        isa: &OwnedTargetIsa,
        id: u32,
        name: &dyn Fn() -> String,
    ) -> Result<CompiledFunction> {
        self.ctx
            .compile(&**isa, &mut ControlPlane::default())
            .map_err(|e| CompileError::Codegen {
                func: name(),
                message: format!("{:?}", e.inner),
            })?;
        let compiled = self
            .ctx
            .compiled_code()
            .expect("compile succeeded, so code is present");
        let relocs = compiled
            .buffer
            .relocs()
            .iter()
            .map(|r| {
                ModuleReloc::from_mach_reloc(
                    r,
                    &self.ctx.func,
                    cranelift_module::FuncId::from_u32(id),
                )
            })
            .collect();
        let traps = compiled
            .buffer
            .traps()
            .iter()
            .map(|t| {
                let trap =
                    func_env::trap_from_code(t.code).ok_or_else(|| CompileError::Codegen {
                        func: name(),
                        message: format!("unknown trap code {:?}", t.code),
                    })?;
                Ok((t.offset, trap))
            })
            .collect::<Result<_>>()?;
        let out = CompiledFunction {
            id,
            bytes: compiled.code_buffer().to_vec(),
            // A cache line: where a function's hot loops fall relative to fetch and
            // micro-op cache boundaries then depends only on its own code, not on how long
            // the code before it (the runtime's too) happens to be. At the preferred 32 bytes
            // the `vm` benchmark's dispatch loop ran 1.6x slower after an unrelated change to
            // the runtime moved it by 32 bytes.
            alignment: (compiled.buffer.alignment as u64)
                .max(isa.function_alignment().preferred as u64)
                .max(FUNCTION_ALIGNMENT),
            relocs,
            traps,
        };
        self.ctx.clear();
        Ok(out)
    }

    /// Validates and compiles one defined function, inlining calls to `inline`'s
    /// candidates first.
    pub fn compile_body(
        &mut self,
        isa: &OwnedTargetIsa,
        module: &ModuleEnv<'_>,
        defined: DefinedFuncIndex,
        body: &BodyToCompile<'_>,
        id: u32,
        inline: Option<&InlineCandidates>,
    ) -> Result<CompiledFunction> {
        self.translate_body(isa, module, defined, body, id)?;
        let info = module.info;
        let func = info.func_index(defined);
        if let Some(candidates) = inline {
            self.ctx
                .inline(Inliner { candidates })
                .map_err(|e| CompileError::Codegen {
                    func: info.func_display_name(func),
                    message: format!("inlining: {e:?}"),
                })?;
        }
        elide_stack_check(&mut self.ctx.func);
        self.finish(isa, id, &|| info.func_display_name(func))
    }

    /// Validates and translates one defined function into `self.ctx.func`.
    fn translate_body(
        &mut self,
        isa: &OwnedTargetIsa,
        module: &ModuleEnv<'_>,
        defined: DefinedFuncIndex,
        body: &BodyToCompile<'_>,
        id: u32,
    ) -> Result<()> {
        let info = module.info;
        let func = info.func_index(defined);
        let sig = info.func_sig(func);
        self.ctx.func.signature = wasm_signature(sig);
        self.ctx.func.name = UserFuncName::user(0, id);
        let allocs = std::mem::take(&mut self.validator);
        let v = &body.validator;
        let mut validator = wasmparser::FuncToValidate {
            resources: v.resources.clone(),
            index: v.index,
            ty: v.ty,
            features: v.features,
        }
        .into_validator(allocs);
        {
            let mut builder = FunctionBuilder::new(&mut self.ctx.func, &mut self.builder);
            let mut env = FuncEnv::new(module);
            crate::translate::translate_function(
                &mut builder,
                &mut env,
                sig,
                &body.body,
                &mut validator,
            )
            .map_err(|e| in_function(e, &info.func_display_name(func)))?;
            builder.finalize(isa.frontend_config());
        }
        self.validator = validator.into_allocations();
        Ok(())
    }

    /// Translates a function and returns its CLIF if it is worth inlining: at most
    /// [`INLINE_MAX_INSTS`] instructions.
    pub fn inline_candidate(
        &mut self,
        isa: &OwnedTargetIsa,
        module: &ModuleEnv<'_>,
        defined: DefinedFuncIndex,
        body: &BodyToCompile<'_>,
        id: u32,
    ) -> Result<Option<ir::Function>> {
        self.translate_body(isa, module, defined, body, id)?;
        let func = &self.ctx.func;
        let count: usize = func
            .layout
            .blocks()
            .map(|block| func.layout.block_insts(block).count())
            .sum();
        if count > INLINE_MAX_INSTS {
            self.ctx.clear();
            return Ok(None);
        }
        let candidate = std::mem::replace(&mut self.ctx.func, ir::Function::new());
        self.ctx.clear();
        Ok(Some(candidate))
    }

    /// The array-call trampoline for `sig`: `extern "C" fn(code, vmctx, values)` loads the
    /// parameters from 16-byte slots, calls `code`, and stores the results back.
    pub fn compile_trampoline(
        &mut self,
        isa: &OwnedTargetIsa,
        sig: &FuncSig,
        id: u32,
    ) -> Result<CompiledFunction> {
        let mut signature = ir::Signature::new(CallConv::SystemV);
        for _ in 0..3 {
            signature.params.push(ir::AbiParam::new(types::I64));
        }
        self.ctx.func.signature = signature;
        self.ctx.func.name = UserFuncName::user(0, id);
        {
            let mut builder = FunctionBuilder::new(&mut self.ctx.func, &mut self.builder);
            let entry = builder.create_block();
            builder.append_block_params_for_function_params(entry);
            builder.switch_to_block(entry);
            builder.seal_block(entry);
            let p = builder.block_params(entry).to_vec();
            let (code, vmctx, values) = (p[0], p[1], p[2]);
            let mut args = vec![vmctx];
            for (i, ty) in sig.params.iter().enumerate() {
                let v = builder.ins().load(
                    func_env::ir_type(*ty),
                    MemFlagsData::trusted(),
                    values,
                    (i * 16) as i32,
                );
                args.push(v);
            }
            let callee_sig = builder.import_signature(wasm_signature(sig));
            let call = builder.ins().call_indirect(callee_sig, code, &args);
            let results = builder.inst_results(call).to_vec();
            for (i, v) in results.into_iter().enumerate() {
                builder
                    .ins()
                    .store(MemFlagsData::trusted(), v, values, (i * 16) as i32);
            }
            builder.ins().return_(&[]);
            builder.finalize(isa.frontend_config());
        }
        self.finish(isa, id, &|| "array-call trampoline".into())
    }

    /// The wasm-ABI adapter of a host import, used when the import is referenced as a value.
    pub fn compile_host_adapter(
        &mut self,
        isa: &OwnedTargetIsa,
        module: &ModuleEnv<'_>,
        sig: &FuncSig,
        host_id: u32,
        id: u32,
    ) -> Result<CompiledFunction> {
        self.ctx.func.signature = wasm_signature(sig);
        self.ctx.func.name = UserFuncName::user(0, id);
        {
            let mut builder = FunctionBuilder::new(&mut self.ctx.func, &mut self.builder);
            let entry = builder.create_block();
            builder.append_block_params_for_function_params(entry);
            builder.switch_to_block(entry);
            builder.seal_block(entry);
            let p = builder.block_params(entry).to_vec();
            let mut env = FuncEnv::new(module);
            env.set_vmctx(&mut builder, p[0]);
            let results = env.call_host(&mut builder, host_id, sig, &p[1..]);
            builder.ins().return_(&results);
            builder.finalize(isa.frontend_config());
        }
        self.finish(isa, id, &|| "host adapter".into())
    }
}

impl Workspace {
    /// The trampoline of a component import or built-in: a wasm-ABI function of type `sig`
    /// whose vmctx is the runtime's context record for it. It calls object function `host`
    /// (System V, [`func_env::p2_host_signature`]) with the context and its parameters,
    /// traps when the host reports a trap, and returns the one result the host wrote, if any.
    pub fn compile_component_trampoline(
        &mut self,
        isa: &OwnedTargetIsa,
        sig: &FuncSig,
        host: u32,
        id: u32,
    ) -> Result<CompiledFunction> {
        self.ctx.func.signature = wasm_signature(sig);
        self.ctx.func.name = UserFuncName::user(0, id);
        {
            let mut builder = FunctionBuilder::new(&mut self.ctx.func, &mut self.builder);
            let entry = builder.create_block();
            builder.append_block_params_for_function_params(entry);
            builder.switch_to_block(entry);
            builder.seal_block(entry);
            let p = builder.block_params(entry).to_vec();
            // The context starts with a vmctx header, so the stack check works as for any
            // function that calls the runtime.
            let base = builder
                .func
                .create_global_value(ir::GlobalValueData::VMContext);
            let flags = builder
                .func
                .dfg
                .mem_flags
                .insert(MemFlagsData::trusted())
                .expect("few distinct memory flags per function");
            let offset = wasi_aot_abi::VmOffsets::new(Default::default()).stack_limit();
            let limit = builder.func.create_global_value(ir::GlobalValueData::Load {
                base,
                offset: (offset as i32).into(),
                global_type: types::I64,
                flags,
            });
            builder.func.stack_limit = Some(limit);

            let host_sig = builder.import_signature(func_env::p2_host_signature(sig));
            let name = builder
                .func
                .declare_imported_user_function(ir::UserExternalName::new(0, host));
            let callee = builder.import_function(ir::ExtFuncData {
                name: ir::ExternalName::user(name),
                signature: host_sig,
                colocated: false,
                patchable: false,
            });
            let mut args = p.clone();
            let slot = (!sig.results.is_empty()).then(|| {
                let slot = builder.create_sized_stack_slot(ir::StackSlotData::new(
                    ir::StackSlotKind::ExplicitSlot,
                    16,
                    4,
                ));
                let addr = builder.ins().stack_addr(types::I64, slot, 0);
                args.push(addr);
                slot
            });
            let call = builder.ins().call(callee, &args);
            let status = builder.inst_results(call)[0];
            let failed = builder
                .ins()
                .icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, status, 0);
            builder
                .ins()
                .trapnz(failed, func_env::trap_code(Trap::Host));
            let results: Vec<ir::Value> = match slot {
                Some(slot) => {
                    let ty = func_env::ir_type(sig.results[0]);
                    vec![builder.ins().stack_load(types::I64, ty, slot, 0)]
                }
                None => Vec::new(),
            };
            builder.ins().return_(&results);
            builder.finalize(isa.frontend_config());
        }
        self.finish(isa, id, &|| format!("component trampoline {id}"))
    }
}

impl Workspace {
    /// The trampoline of a call into another component: a wasm-ABI function of type `sig`
    /// (the caller's lowering) whose vmctx is its runtime context. It stores its parameters
    /// in an array of 64-bit slots, calls object function `host` (System V:
    /// `(context, slots, count) -> status`), traps when the status is negative, and returns
    /// the result the runtime left in the first slot.
    pub fn compile_adapter_trampoline(
        &mut self,
        isa: &OwnedTargetIsa,
        sig: &FuncSig,
        host: u32,
        id: u32,
    ) -> Result<CompiledFunction> {
        self.ctx.func.signature = wasm_signature(sig);
        self.ctx.func.name = UserFuncName::user(0, id);
        {
            let mut builder = FunctionBuilder::new(&mut self.ctx.func, &mut self.builder);
            let entry = builder.create_block();
            builder.append_block_params_for_function_params(entry);
            builder.switch_to_block(entry);
            builder.seal_block(entry);
            let p = builder.block_params(entry).to_vec();
            let base = builder
                .func
                .create_global_value(ir::GlobalValueData::VMContext);
            let flags = builder
                .func
                .dfg
                .mem_flags
                .insert(MemFlagsData::trusted())
                .expect("few distinct memory flags per function");
            let offset = wasi_aot_abi::VmOffsets::new(Default::default()).stack_limit();
            let limit = builder.func.create_global_value(ir::GlobalValueData::Load {
                base,
                offset: (offset as i32).into(),
                global_type: types::I64,
                flags,
            });
            builder.func.stack_limit = Some(limit);

            let count = sig.params.len().max(sig.results.len()).max(1);
            let slots = builder.create_sized_stack_slot(ir::StackSlotData::new(
                ir::StackSlotKind::ExplicitSlot,
                (count * 8) as u32,
                3,
            ));
            for (i, (v, ty)) in p[1..].iter().zip(&sig.params).enumerate() {
                // 32-bit values go in zero-extended, as the runtime reads them.
                let v = match func_env::ir_type(*ty) {
                    types::I32 => builder.ins().uextend(types::I64, *v),
                    types::F32 => {
                        let bits = builder.ins().bitcast(types::I32, MemFlagsData::new(), *v);
                        builder.ins().uextend(types::I64, bits)
                    }
                    types::F64 => builder.ins().bitcast(types::I64, MemFlagsData::new(), *v),
                    _ => *v,
                };
                builder
                    .ins()
                    .stack_store(types::I64, v, slots, (i * 8) as i32);
            }
            let mut host_sig = ir::Signature::new(CallConv::SystemV);
            host_sig.params.push(ir::AbiParam::new(types::I64));
            host_sig.params.push(ir::AbiParam::new(types::I64));
            host_sig.params.push(ir::AbiParam::new(types::I32));
            host_sig.returns.push(ir::AbiParam::new(types::I32));
            let host_sig = builder.import_signature(host_sig);
            let name = builder
                .func
                .declare_imported_user_function(ir::UserExternalName::new(0, host));
            let callee = builder.import_function(ir::ExtFuncData {
                name: ir::ExternalName::user(name),
                signature: host_sig,
                colocated: false,
                patchable: false,
            });
            let addr = builder.ins().stack_addr(types::I64, slots, 0);
            let n = builder.ins().iconst(types::I32, count as i64);
            let call = builder.ins().call(callee, &[p[0], addr, n]);
            let status = builder.inst_results(call)[0];
            let failed = builder
                .ins()
                .icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, status, 0);
            builder
                .ins()
                .trapnz(failed, func_env::trap_code(Trap::Host));
            let mut results = Vec::new();
            if let Some(ty) = sig.results.first() {
                let ty = func_env::ir_type(*ty);
                let load_ty = match ty {
                    types::F32 => types::I32,
                    types::F64 => types::I64,
                    other => other,
                };
                let v = builder.ins().stack_load(types::I64, load_ty, slots, 0);
                let v = match ty {
                    types::F32 | types::F64 => builder.ins().bitcast(ty, MemFlagsData::new(), v),
                    _ => v,
                };
                results.push(v);
            }
            builder.ins().return_(&results);
            builder.finalize(isa.frontend_config());
        }
        self.finish(isa, id, &|| format!("component adapter trampoline {id}"))
    }
}

/// Stack exhaustion in compiled code faults on the guard below the process stack, and the
/// signal handler reports it (`runtime-lib/src/trap/signals.rs`), so most functions need
/// no check in their prologue: only those that call into the runtime (libcalls, which
/// are not colocated) keep it, so that runtime code always has the reserve below the
/// limit (`wasi_aot_abi::STACK_RESERVE`). Host adapters keep theirs for the same reason;
/// calls through tables reach host code only through adapters.
fn elide_stack_check(func: &mut ir::Function) {
    let calls_runtime = func.layout.blocks().any(|block| {
        func.layout.block_insts(block).any(|inst| {
            let callee = match func.dfg.insts[inst] {
                ir::InstructionData::Call { func_ref, .. } => func_ref,
                _ => return false,
            };
            !func.dfg.ext_funcs[callee].colocated
        })
    });
    if !calls_runtime {
        func.stack_limit = None;
    }
}

fn in_function(e: CompileError, func: &str) -> CompileError {
    match e {
        CompileError::Unsupported(m) => {
            CompileError::Unsupported(format!("{m} in function {func}"))
        }
        CompileError::Invalid(m) => CompileError::Invalid(format!("{m} in function {func}")),
        other => other,
    }
}
