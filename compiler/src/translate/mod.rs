//! Translation of one wasm function body to Cranelift IR.
//!
//! The function is read once, operator by operator: each operator is validated (wasmparser's
//! `FuncValidator`), then lowered. Wasm's structured control flow maps onto Cranelift blocks:
//! every `block`/`loop`/`if` gets a destination block whose parameters carry the results,
//! loops a header whose parameters carry the loop's parameters, and locals become
//! `Variable`s so that `cranelift-frontend` builds SSA form.
//!
//! After an unconditional branch the rest of a block is unreachable: its operators are still
//! validated but only control operators are tracked, to find the matching `end`.
//!
//! Translation never computes an offset or names a symbol: everything about runtime data
//! goes through [`FuncEnv`].

mod atomics;
mod control;
mod legacy_eh;
mod memory;
mod operators;
mod simd;
mod stack;
mod table;

use crate::error::{CompileError, Result};
use crate::func_env::{ir_type, FuncEnv};
use crate::module::{val_type, FuncSig};
use cranelift_codegen::ir::{self, types, InstBuilder};
use cranelift_frontend::{FunctionBuilder, Variable};
use stack::{ControlFrame, FrameKind, TranslationState};
use wasi_aot_abi::ValType;
use wasmparser::{FuncValidator, FunctionBody, ValidatorResources};

/// Translates `body` into `builder`'s function, whose signature is already set.
pub fn translate_function(
    builder: &mut FunctionBuilder<'_>,
    env: &mut FuncEnv<'_, '_>,
    sig: &FuncSig,
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
) -> Result<()> {
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let params = builder.block_params(entry).to_vec();
    env.set_vmctx(builder, params[0]);

    let mut locals = Vec::new();
    for (i, ty) in sig.params.iter().enumerate() {
        let var = builder.declare_var(ir_type(*ty));
        builder.def_var(var, params[i + 1]);
        locals.push((var, *ty));
    }
    let mut reader = body.get_binary_reader();
    let groups = reader.read_var_u32()?;
    for _ in 0..groups {
        let offset = reader.original_position();
        let count = reader.read_var_u32()?;
        let ty: wasmparser::ValType = reader.read()?;
        validator.define_locals(offset, count, ty)?;
        let ty = val_type(ty)?;
        for _ in 0..count {
            let var = builder.declare_var(ir_type(ty));
            let zero = zero_value(builder, ty)?;
            builder.def_var(var, zero);
            locals.push((var, ty));
        }
    }

    let exit = builder.create_block();
    for ty in &sig.results {
        builder.append_block_param(exit, ir_type(*ty));
    }
    let mut state = TranslationState {
        reachable: true,
        ..Default::default()
    };
    state.control.push(ControlFrame {
        kind: FrameKind::Block,
        destination: exit,
        num_params: 0,
        num_results: sig.results.len(),
        stack_base: 0,
        exit_is_branched_to: false,
    });

    let mut ops = wasmparser::OperatorsReader::new(reader);
    let mut translator = operators::Translator {
        builder,
        env,
        state: &mut state,
        locals: &locals,
        validator,
    };
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        translator.validator.op(offset, &op)?;
        let multi_memory = translator.validator.features().multi_memory();
        check_reserved_byte(&op, multi_memory, offset, ops.original_position())?;
        translator
            .translate(&op)
            .map_err(|e| at_offset(e, offset))?;
    }
    ops.finish()?;
    // The final `end` left the function's results on the stack (or the end was
    // unreachable); return them from the exit block.
    if state.reachable {
        let results = state.stack.clone();
        builder.ins().return_(&results);
    }
    // Leaving with an exception pending returns placeholder results, which the caller
    // ignores: it checks for the exception first.
    if let Some(propagate) = state.propagate {
        builder.switch_to_block(propagate);
        builder.seal_block(propagate);
        let results = sig
            .results
            .iter()
            .map(|t| zero_value(builder, *t))
            .collect::<Result<Vec<_>>>()?;
        builder.ins().return_(&results);
    }
    Ok(())
}

/// Wasm 2.0 requires the memory index of `memory.size`/`memory.grow` to be a single zero
/// byte; wasmparser accepts any LEB encoding because multi-memory relaxed the rule.
fn check_reserved_byte(
    op: &wasmparser::Operator<'_>,
    multi_memory: bool,
    start: u64,
    end: u64,
) -> Result<()> {
    let reserved = matches!(
        op,
        wasmparser::Operator::MemorySize { .. } | wasmparser::Operator::MemoryGrow { .. }
    );
    if reserved && !multi_memory && end - start != 2 {
        return Err(CompileError::Invalid(format!(
            "zero byte expected (at offset 0x{:x})",
            start + 1
        )));
    }
    Ok(())
}

fn at_offset(e: CompileError, offset: u64) -> CompileError {
    match e {
        CompileError::Unsupported(m) => {
            CompileError::Unsupported(format!("{m} (at offset 0x{offset:x})"))
        }
        other => other,
    }
}

/// The zero value locals start with.
fn zero_value(builder: &mut FunctionBuilder<'_>, ty: ValType) -> Result<ir::Value> {
    Ok(match ty {
        ValType::I32 => builder.ins().iconst(types::I32, 0),
        ValType::I64 | ValType::FuncRef | ValType::ExternRef | ValType::ExnRef => {
            builder.ins().iconst(types::I64, 0)
        }
        ValType::F32 => builder.ins().f32const(0.0),
        ValType::F64 => builder.ins().f64const(0.0),
        ValType::V128 => simd::zero_vector(builder, types::I8X16),
    })
}

/// A `Variable` and its wasm type, per local index.
pub type Locals = [(Variable, ValType)];
