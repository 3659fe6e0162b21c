//! Per-operator dispatch, and the numeric operators (which map one-to-one onto Cranelift
//! instructions whose semantics match wasm's: trapping division, masked shifts, wasm
//! `min`/`max` NaN rules, trapping and saturating float-to-int conversions).

use super::stack::TranslationState;
use super::Locals;
use crate::error::{CompileError, Result};
use crate::func_env::FuncEnv;
use crate::index::*;
use crate::module::ref_type;
use cranelift_codegen::ir::{
    self,
    condcodes::{FloatCC, IntCC},
    types, InstBuilder, MemFlagsData, Value,
};
use cranelift_frontend::FunctionBuilder;
use wasi_aot_abi::Trap;
use wasmparser::{FuncValidator, Operator, ValidatorResources};

/// Lowers operators of one function.
pub struct Translator<'t, 'b, 'e, 'm> {
    /// The function being built.
    pub builder: &'t mut FunctionBuilder<'b>,
    /// Layout decisions.
    pub env: &'t mut FuncEnv<'e, 'm>,
    /// Stacks and reachability.
    pub state: &'t mut TranslationState,
    /// Local variables.
    pub locals: &'t Locals,
    /// The function's validator (consulted for types translation can't see).
    pub validator: &'t mut FuncValidator<ValidatorResources>,
}

fn unsupported(op: &Operator<'_>) -> CompileError {
    let name = format!("{op:?}");
    let name = name.split([' ', '{', '(']).next().unwrap_or("operator");
    CompileError::Unsupported(format!("operator `{name}` is not supported yet"))
}

impl Translator<'_, '_, '_, '_> {
    /// Lowers one operator.
    pub fn translate(&mut self, op: &Operator<'_>) -> Result<()> {
        if !self.state.reachable {
            self.translate_unreachable(op);
            return Ok(());
        }
        if self.translate_control(op)? || self.translate_legacy_eh(op)? {
            return Ok(());
        }
        if self.translate_memory(op)? {
            return Ok(());
        }
        if self.translate_table(op)? {
            return Ok(());
        }
        if self.translate_simd(op)? {
            return Ok(());
        }
        if self.translate_atomic(op)? {
            return Ok(());
        }
        self.translate_numeric(op)
    }

    fn unop(&mut self, f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let a = self.state.pop1();
        let r = f(self.builder, a);
        self.state.push1(r);
    }

    fn binop(&mut self, f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value) {
        let (a, b) = self.state.pop2();
        let r = f(self.builder, a, b);
        self.state.push1(r);
    }

    fn icmp(&mut self, cc: IntCC) {
        self.binop(|b, x, y| {
            let c = b.ins().icmp(cc, x, y);
            b.ins().uextend(types::I32, c)
        });
    }

    fn fcmp(&mut self, cc: FloatCC) {
        self.binop(|b, x, y| {
            let c = b.ins().fcmp(cc, x, y);
            b.ins().uextend(types::I32, c)
        });
    }

    fn push_const(&mut self, f: impl FnOnce(&mut FunctionBuilder<'_>) -> Value) {
        let v = f(self.builder);
        self.state.push1(v);
    }

    fn translate_numeric(&mut self, op: &Operator<'_>) -> Result<()> {
        use types::{F32, F64, I16, I32, I64, I8};
        use Operator as O;
        match *op {
            O::Nop => {}
            O::Drop => {
                self.state.pop1();
            }
            O::Select | O::TypedSelect { .. } => {
                let (a, b, c) = self.state.pop3();
                let r = self.builder.ins().select(c, a, b);
                self.state.push1(r);
            }
            O::LocalGet { local_index } => {
                let v = self.builder.use_var(self.locals[local_index as usize].0);
                self.state.push1(v);
            }
            O::LocalSet { local_index } => {
                let v = self.state.pop1();
                self.builder.def_var(self.locals[local_index as usize].0, v);
            }
            O::LocalTee { local_index } => {
                let v = *self.state.stack.last().expect("validated");
                self.builder.def_var(self.locals[local_index as usize].0, v);
            }
            O::GlobalGet { global_index } => {
                let v = self
                    .env
                    .global_get(self.builder, GlobalIndex::from_u32(global_index));
                self.state.push1(v);
            }
            O::GlobalSet { global_index } => {
                let v = self.state.pop1();
                self.env
                    .global_set(self.builder, GlobalIndex::from_u32(global_index), v);
            }
            O::I32Const { value } => self.push_const(|b| b.ins().iconst(I32, value as i64)),
            O::I64Const { value } => self.push_const(|b| b.ins().iconst(I64, value)),
            O::F32Const { value } => self.push_const(|b| {
                b.ins()
                    .f32const(ir::immediates::Ieee32::with_bits(value.bits()))
            }),
            O::F64Const { value } => self.push_const(|b| {
                b.ins()
                    .f64const(ir::immediates::Ieee64::with_bits(value.bits()))
            }),
            O::RefNull { hty } => {
                let rt = wasmparser::RefType::new(true, hty)
                    .ok_or_else(|| CompileError::Unsupported("reference type".into()))?;
                ref_type(rt)?;
                self.push_const(|b| b.ins().iconst(I64, 0))
            }
            O::RefIsNull => self.unop(|b, x| {
                let c = b.ins().icmp_imm_s(IntCC::Equal, x, 0);
                b.ins().uextend(I32, c)
            }),
            O::RefAsNonNull => {
                let v = *self.state.stack.last().expect("validated");
                self.builder
                    .ins()
                    .trapz(v, crate::func_env::trap_code(Trap::NullReference));
            }
            O::RefFunc { function_index } => {
                let v = self
                    .env
                    .ref_func(self.builder, FuncIndex::from_u32(function_index));
                self.state.push1(v);
            }

            // Integer comparisons.
            O::I32Eqz | O::I64Eqz => self.unop(|b, x| {
                let c = b.ins().icmp_imm_s(IntCC::Equal, x, 0);
                b.ins().uextend(I32, c)
            }),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),

            // Float comparisons.
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            // Integer arithmetic.
            O::I32Clz | O::I64Clz => self.unop(|b, x| b.ins().clz(x)),
            O::I32Ctz | O::I64Ctz => self.unop(|b, x| b.ins().ctz(x)),
            O::I32Popcnt | O::I64Popcnt => self.unop(|b, x| b.ins().popcnt(x)),
            O::I32Add | O::I64Add => self.binop(|b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => self.binop(|b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => self.binop(|b, x, y| b.ins().imul(x, y)),
            O::I32DivS | O::I64DivS => self.binop(|b, x, y| b.ins().sdiv(x, y)),
            O::I32DivU | O::I64DivU => self.binop(|b, x, y| b.ins().udiv(x, y)),
            O::I32RemS | O::I64RemS => self.binop(|b, x, y| b.ins().srem(x, y)),
            O::I32RemU | O::I64RemU => self.binop(|b, x, y| b.ins().urem(x, y)),
            O::I32And | O::I64And => self.binop(|b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => self.binop(|b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => self.binop(|b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => self.binop(|b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.binop(|b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.binop(|b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.binop(|b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => self.binop(|b, x, y| b.ins().rotr(x, y)),

            // Float arithmetic.
            O::F32Abs | O::F64Abs => self.unop(|b, x| b.ins().fabs(x)),
            O::F32Neg | O::F64Neg => self.unop(|b, x| b.ins().fneg(x)),
            O::F32Ceil | O::F64Ceil => self.unop(|b, x| b.ins().ceil(x)),
            O::F32Floor | O::F64Floor => self.unop(|b, x| b.ins().floor(x)),
            O::F32Trunc | O::F64Trunc => self.unop(|b, x| b.ins().trunc(x)),
            O::F32Nearest | O::F64Nearest => self.unop(|b, x| b.ins().nearest(x)),
            O::F32Sqrt | O::F64Sqrt => self.unop(|b, x| b.ins().sqrt(x)),
            O::F32Add | O::F64Add => self.binop(|b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => self.binop(|b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => self.binop(|b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => self.binop(|b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => self.binop(|b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => self.binop(|b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => self.binop(|b, x, y| b.ins().fcopysign(x, y)),

            // Conversions.
            O::I32WrapI64 => self.unop(|b, x| b.ins().ireduce(I32, x)),
            O::I64ExtendI32S => self.unop(|b, x| b.ins().sextend(I64, x)),
            O::I64ExtendI32U => self.unop(|b, x| b.ins().uextend(I64, x)),
            O::I32Extend8S => self.unop(|b, x| {
                let n = b.ins().ireduce(I8, x);
                b.ins().sextend(I32, n)
            }),
            O::I32Extend16S => self.unop(|b, x| {
                let n = b.ins().ireduce(I16, x);
                b.ins().sextend(I32, n)
            }),
            O::I64Extend8S => self.unop(|b, x| {
                let n = b.ins().ireduce(I8, x);
                b.ins().sextend(I64, n)
            }),
            O::I64Extend16S => self.unop(|b, x| {
                let n = b.ins().ireduce(I16, x);
                b.ins().sextend(I64, n)
            }),
            O::I64Extend32S => self.unop(|b, x| {
                let n = b.ins().ireduce(I32, x);
                b.ins().sextend(I64, n)
            }),
            O::I32TruncF32S | O::I32TruncF64S => self.unop(|b, x| b.ins().fcvt_to_sint(I32, x)),
            O::I32TruncF32U | O::I32TruncF64U => self.unop(|b, x| b.ins().fcvt_to_uint(I32, x)),
            O::I64TruncF32S | O::I64TruncF64S => self.unop(|b, x| b.ins().fcvt_to_sint(I64, x)),
            O::I64TruncF32U | O::I64TruncF64U => self.unop(|b, x| b.ins().fcvt_to_uint(I64, x)),
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unop(|b, x| b.ins().fcvt_to_sint_sat(I32, x))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unop(|b, x| b.ins().fcvt_to_uint_sat(I32, x))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unop(|b, x| b.ins().fcvt_to_sint_sat(I64, x))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unop(|b, x| b.ins().fcvt_to_uint_sat(I64, x))
            }
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unop(|b, x| b.ins().fcvt_from_sint(F32, x))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unop(|b, x| b.ins().fcvt_from_uint(F32, x))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unop(|b, x| b.ins().fcvt_from_sint(F64, x))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unop(|b, x| b.ins().fcvt_from_uint(F64, x))
            }
            O::F32DemoteF64 => self.unop(|b, x| b.ins().fdemote(F32, x)),
            O::F64PromoteF32 => self.unop(|b, x| b.ins().fpromote(F64, x)),
            O::I32ReinterpretF32 => self.unop(|b, x| b.ins().bitcast(I32, MemFlagsData::new(), x)),
            O::I64ReinterpretF64 => self.unop(|b, x| b.ins().bitcast(I64, MemFlagsData::new(), x)),
            O::F32ReinterpretI32 => self.unop(|b, x| b.ins().bitcast(F32, MemFlagsData::new(), x)),
            O::F64ReinterpretI64 => self.unop(|b, x| b.ins().bitcast(F64, MemFlagsData::new(), x)),
            _ => return Err(unsupported(op)),
        }
        Ok(())
    }

    /// Raises `trap` unconditionally and marks the rest of the block unreachable.
    pub fn trap(&mut self, trap: Trap) {
        self.builder.ins().trap(crate::func_env::trap_code(trap));
        self.state.reachable = false;
    }
}
