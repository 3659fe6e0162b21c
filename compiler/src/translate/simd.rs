//! Fixed-width SIMD (and relaxed SIMD) operators.
//!
//! Every v128 value lives on the value stack, in locals and in block parameters as
//! `I8X16`; each operator bitcasts its operands to the lane type it works on and its result
//! back. The bitcasts cost nothing (same register) and Cranelift folds redundant pairs, so
//! no other part of translation needs to know lane types.
//!
//! Relaxed SIMD is lowered deterministically, always to the same result as on any other
//! machine: `relaxed_swizzle` is `swizzle`, the relaxed truncations saturate like
//! `trunc_sat`, `relaxed_madd`/`nmadd` round twice (multiply then add, never fused),
//! `relaxed_laneselect` is a bitwise select, `relaxed_min`/`max` follow `min`/`max`, and
//! the relaxed dot products treat both operands as signed.

use super::operators::Translator;
use crate::error::Result;
use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    types::{F32X4, F64X2, I16, I16X8, I32, I32X4, I64, I64X2, I8, I8X16},
    Endianness, InstBuilder, MemFlagsData, Type, Value,
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

/// Reinterprets a vector as another vector type of the same width.
fn vcast(b: &mut FunctionBuilder<'_>, ty: Type, v: Value) -> Value {
    if b.func.dfg.value_type(v) == ty {
        v
    } else {
        let flags = MemFlagsData::new().with_endianness(Endianness::Little);
        b.ins().bitcast(ty, flags, v)
    }
}

/// The all-zero vector of type `ty`.
pub fn zero_vector(b: &mut FunctionBuilder<'_>, ty: Type) -> Value {
    let c = b.func.dfg.constants.insert(vec![0u8; 16].into());
    b.ins().vconst(ty, c)
}

impl Translator<'_, '_, '_, '_> {
    fn pop_v(&mut self, ty: Type) -> Value {
        let v = self.state.pop1();
        vcast(self.builder, ty, v)
    }

    fn push_v(&mut self, v: Value) {
        let v = vcast(self.builder, I8X16, v);
        self.state.push1(v);
    }

    fn vun(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let a = self.pop_v(ty);
        let r = f(self.builder, a);
        self.push_v(r);
    }

    fn vbin(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value) {
        let b = self.pop_v(ty);
        let a = self.pop_v(ty);
        let r = f(self.builder, a, b);
        self.push_v(r);
    }

    fn vicmp(&mut self, ty: Type, cc: IntCC) {
        self.vbin(ty, |b, x, y| b.ins().icmp(cc, x, y));
    }

    fn vfcmp(&mut self, ty: Type, cc: FloatCC) {
        self.vbin(ty, |b, x, y| b.ins().fcmp(cc, x, y));
    }

    fn vshift(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) {
        let amount = self.state.pop1();
        let v = self.pop_v(ty);
        let r = f(self.builder, v, amount);
        self.push_v(r);
    }

    /// `x.all_true`, `any_true`, `bitmask`: vector to i32.
    fn vreduce(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let v = self.pop_v(ty);
        let r = f(self.builder, v);
        let r = if self.builder.func.dfg.value_type(r) == I32 {
            r
        } else {
            self.builder.ins().uextend(I32, r)
        };
        self.state.push1(r);
    }

    fn splat(&mut self, ty: Type) {
        let x = self.state.pop1();
        let lane = ty.lane_type();
        let x = if lane.bits() < 32 && lane.is_int() {
            self.builder.ins().ireduce(lane, x)
        } else {
            x
        };
        let r = self.builder.ins().splat(ty, x);
        self.push_v(r);
    }

    fn extract_lane(&mut self, ty: Type, lane: u8, extend: Option<bool>) {
        let v = self.pop_v(ty);
        let x = self.builder.ins().extractlane(v, lane);
        let x = match extend {
            Some(true) => self.builder.ins().sextend(I32, x),
            Some(false) => self.builder.ins().uextend(I32, x),
            None => x,
        };
        self.state.push1(x);
    }

    fn replace_lane(&mut self, ty: Type, lane: u8) {
        let x = self.state.pop1();
        let v = self.pop_v(ty);
        let lane_ty = ty.lane_type();
        let x = if lane_ty.bits() < 32 && lane_ty.is_int() {
            self.builder.ins().ireduce(lane_ty, x)
        } else {
            x
        };
        let r = self.builder.ins().insertlane(v, x, lane);
        self.push_v(r);
    }

    /// The address and static offset of a memory operand of `size` bytes, popping the index.
    fn vaddr(&mut self, memarg: &MemArg, size: u32) -> Result<(Value, i32)> {
        let memory = super::memory::memory_of(memarg)?;
        let index = self.state.pop1();
        Ok(self
            .env
            .heap_address(self.builder, memory, index, memarg.offset, size))
    }

    fn vload(
        &mut self,
        memarg: &MemArg,
        size: u32,
        f: impl FnOnce(&mut FunctionBuilder<'_>, MemFlagsData, Value, i32) -> Value,
    ) -> Result<()> {
        let (addr, offset) = self.vaddr(memarg, size)?;
        let flags = self.env.heap_flags();
        let r = f(self.builder, flags, addr, offset);
        self.push_v(r);
        Ok(())
    }

    fn load_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) -> Result<()> {
        let v = self.pop_v(ty);
        let (addr, offset) = self.vaddr(memarg, ty.lane_bits() / 8)?;
        let flags = self.env.heap_flags();
        let x = self.builder.ins().load(ty.lane_type(), flags, addr, offset);
        let r = self.builder.ins().insertlane(v, x, lane);
        self.push_v(r);
        Ok(())
    }

    fn store_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) -> Result<()> {
        let v = self.pop_v(ty);
        let (addr, offset) = self.vaddr(memarg, ty.lane_bits() / 8)?;
        let flags = self.env.heap_flags();
        let x = self.builder.ins().extractlane(v, lane);
        self.builder.ins().store(flags, x, addr, offset);
        Ok(())
    }

    /// `dot(a, b)` of signed lanes: widen, multiply, add adjacent pairs.
    fn dot(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
        let lo_x = b.ins().swiden_low(x);
        let lo_y = b.ins().swiden_low(y);
        let hi_x = b.ins().swiden_high(x);
        let hi_y = b.ins().swiden_high(y);
        let lo = b.ins().imul(lo_x, lo_y);
        let hi = b.ins().imul(hi_x, hi_y);
        b.ins().iadd_pairwise(lo, hi)
    }

    /// `pmin`/`pmax`: `if cmp(a, b) then b else a`, bitwise.
    fn pminmax(&mut self, ty: Type, b_less_than_a: bool) {
        self.vbin(ty, |b, x, y| {
            let cmp = if b_less_than_a {
                b.ins().fcmp(FloatCC::LessThan, y, x)
            } else {
                b.ins().fcmp(FloatCC::LessThan, x, y)
            };
            let mask = vcast(b, ty, cmp);
            b.ins().bitselect(mask, y, x)
        });
    }

    /// Lowers SIMD operators; returns `false` for any other operator.
    pub fn translate_simd(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator as O;
        match op {
            O::V128Load { memarg } => {
                self.vload(memarg, 16, |b, f, a, o| b.ins().load(I8X16, f, a, o))?
            }
            O::V128Load8x8S { memarg } => {
                self.vload(memarg, 8, |b, f, a, o| b.ins().sload8x8(f, a, o))?
            }
            O::V128Load8x8U { memarg } => {
                self.vload(memarg, 8, |b, f, a, o| b.ins().uload8x8(f, a, o))?
            }
            O::V128Load16x4S { memarg } => {
                self.vload(memarg, 8, |b, f, a, o| b.ins().sload16x4(f, a, o))?
            }
            O::V128Load16x4U { memarg } => {
                self.vload(memarg, 8, |b, f, a, o| b.ins().uload16x4(f, a, o))?
            }
            O::V128Load32x2S { memarg } => {
                self.vload(memarg, 8, |b, f, a, o| b.ins().sload32x2(f, a, o))?
            }
            O::V128Load32x2U { memarg } => {
                self.vload(memarg, 8, |b, f, a, o| b.ins().uload32x2(f, a, o))?
            }
            O::V128Load8Splat { memarg } => self.vload(memarg, 1, |b, f, a, o| {
                let x = b.ins().load(I8, f, a, o);
                b.ins().splat(I8X16, x)
            })?,
            O::V128Load16Splat { memarg } => self.vload(memarg, 2, |b, f, a, o| {
                let x = b.ins().load(I16, f, a, o);
                b.ins().splat(I16X8, x)
            })?,
            O::V128Load32Splat { memarg } => self.vload(memarg, 4, |b, f, a, o| {
                let x = b.ins().load(I32, f, a, o);
                b.ins().splat(I32X4, x)
            })?,
            O::V128Load64Splat { memarg } => self.vload(memarg, 8, |b, f, a, o| {
                let x = b.ins().load(I64, f, a, o);
                b.ins().splat(I64X2, x)
            })?,
            O::V128Load32Zero { memarg } => self.vload(memarg, 4, |b, f, a, o| {
                let x = b.ins().load(I32, f, a, o);
                b.ins().scalar_to_vector(I32X4, x)
            })?,
            O::V128Load64Zero { memarg } => self.vload(memarg, 8, |b, f, a, o| {
                let x = b.ins().load(I64, f, a, o);
                b.ins().scalar_to_vector(I64X2, x)
            })?,
            O::V128Store { memarg } => {
                let v = self.pop_v(I8X16);
                let (addr, offset) = self.vaddr(memarg, 16)?;
                let flags = self.env.heap_flags();
                self.builder.ins().store(flags, v, addr, offset);
            }
            O::V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8X16, *lane)?,
            O::V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16X8, *lane)?,
            O::V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32X4, *lane)?,
            O::V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64X2, *lane)?,
            O::V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8X16, *lane)?,
            O::V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16X8, *lane)?,
            O::V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32X4, *lane)?,
            O::V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64X2, *lane)?,
            O::V128Const { value } => {
                let c = self
                    .builder
                    .func
                    .dfg
                    .constants
                    .insert(value.bytes().to_vec().into());
                let v = self.builder.ins().vconst(I8X16, c);
                self.state.push1(v);
            }
            O::I8x16Shuffle { lanes } => {
                let b = self.pop_v(I8X16);
                let a = self.pop_v(I8X16);
                let mask = self.builder.func.dfg.immediates.push(lanes.to_vec().into());
                let r = self.builder.ins().shuffle(a, b, mask);
                self.push_v(r);
            }
            O::I8x16Swizzle | O::I8x16RelaxedSwizzle => {
                self.vbin(I8X16, |b, x, y| b.ins().swizzle(x, y))
            }
            O::I8x16Splat => self.splat(I8X16),
            O::I16x8Splat => self.splat(I16X8),
            O::I32x4Splat => self.splat(I32X4),
            O::I64x2Splat => self.splat(I64X2),
            O::F32x4Splat => self.splat(F32X4),
            O::F64x2Splat => self.splat(F64X2),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, *lane, Some(true)),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, *lane, Some(false)),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, *lane, Some(true)),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, *lane, Some(false)),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, *lane, None),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, *lane, None),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, *lane, None),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, *lane, None),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, *lane),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, *lane),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, *lane),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, *lane),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, *lane),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, *lane),

            O::I8x16Eq => self.vicmp(I8X16, IntCC::Equal),
            O::I8x16Ne => self.vicmp(I8X16, IntCC::NotEqual),
            O::I8x16LtS => self.vicmp(I8X16, IntCC::SignedLessThan),
            O::I8x16LtU => self.vicmp(I8X16, IntCC::UnsignedLessThan),
            O::I8x16GtS => self.vicmp(I8X16, IntCC::SignedGreaterThan),
            O::I8x16GtU => self.vicmp(I8X16, IntCC::UnsignedGreaterThan),
            O::I8x16LeS => self.vicmp(I8X16, IntCC::SignedLessThanOrEqual),
            O::I8x16LeU => self.vicmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            O::I8x16GeS => self.vicmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            O::I8x16GeU => self.vicmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            O::I16x8Eq => self.vicmp(I16X8, IntCC::Equal),
            O::I16x8Ne => self.vicmp(I16X8, IntCC::NotEqual),
            O::I16x8LtS => self.vicmp(I16X8, IntCC::SignedLessThan),
            O::I16x8LtU => self.vicmp(I16X8, IntCC::UnsignedLessThan),
            O::I16x8GtS => self.vicmp(I16X8, IntCC::SignedGreaterThan),
            O::I16x8GtU => self.vicmp(I16X8, IntCC::UnsignedGreaterThan),
            O::I16x8LeS => self.vicmp(I16X8, IntCC::SignedLessThanOrEqual),
            O::I16x8LeU => self.vicmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            O::I16x8GeS => self.vicmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            O::I16x8GeU => self.vicmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            O::I32x4Eq => self.vicmp(I32X4, IntCC::Equal),
            O::I32x4Ne => self.vicmp(I32X4, IntCC::NotEqual),
            O::I32x4LtS => self.vicmp(I32X4, IntCC::SignedLessThan),
            O::I32x4LtU => self.vicmp(I32X4, IntCC::UnsignedLessThan),
            O::I32x4GtS => self.vicmp(I32X4, IntCC::SignedGreaterThan),
            O::I32x4GtU => self.vicmp(I32X4, IntCC::UnsignedGreaterThan),
            O::I32x4LeS => self.vicmp(I32X4, IntCC::SignedLessThanOrEqual),
            O::I32x4LeU => self.vicmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            O::I32x4GeS => self.vicmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            O::I32x4GeU => self.vicmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            O::I64x2Eq => self.vicmp(I64X2, IntCC::Equal),
            O::I64x2Ne => self.vicmp(I64X2, IntCC::NotEqual),
            O::I64x2LtS => self.vicmp(I64X2, IntCC::SignedLessThan),
            O::I64x2GtS => self.vicmp(I64X2, IntCC::SignedGreaterThan),
            O::I64x2LeS => self.vicmp(I64X2, IntCC::SignedLessThanOrEqual),
            O::I64x2GeS => self.vicmp(I64X2, IntCC::SignedGreaterThanOrEqual),
            O::F32x4Eq => self.vfcmp(F32X4, FloatCC::Equal),
            O::F32x4Ne => self.vfcmp(F32X4, FloatCC::NotEqual),
            O::F32x4Lt => self.vfcmp(F32X4, FloatCC::LessThan),
            O::F32x4Gt => self.vfcmp(F32X4, FloatCC::GreaterThan),
            O::F32x4Le => self.vfcmp(F32X4, FloatCC::LessThanOrEqual),
            O::F32x4Ge => self.vfcmp(F32X4, FloatCC::GreaterThanOrEqual),
            O::F64x2Eq => self.vfcmp(F64X2, FloatCC::Equal),
            O::F64x2Ne => self.vfcmp(F64X2, FloatCC::NotEqual),
            O::F64x2Lt => self.vfcmp(F64X2, FloatCC::LessThan),
            O::F64x2Gt => self.vfcmp(F64X2, FloatCC::GreaterThan),
            O::F64x2Le => self.vfcmp(F64X2, FloatCC::LessThanOrEqual),
            O::F64x2Ge => self.vfcmp(F64X2, FloatCC::GreaterThanOrEqual),

            O::V128Not => self.vun(I8X16, |b, x| b.ins().bnot(x)),
            O::V128And => self.vbin(I8X16, |b, x, y| b.ins().band(x, y)),
            O::V128AndNot => self.vbin(I8X16, |b, x, y| b.ins().band_not(x, y)),
            O::V128Or => self.vbin(I8X16, |b, x, y| b.ins().bor(x, y)),
            O::V128Xor => self.vbin(I8X16, |b, x, y| b.ins().bxor(x, y)),
            O::V128Bitselect
            | O::I8x16RelaxedLaneselect
            | O::I16x8RelaxedLaneselect
            | O::I32x4RelaxedLaneselect
            | O::I64x2RelaxedLaneselect => {
                let c = self.pop_v(I8X16);
                let y = self.pop_v(I8X16);
                let x = self.pop_v(I8X16);
                let r = self.builder.ins().bitselect(c, x, y);
                self.push_v(r);
            }
            O::V128AnyTrue => self.vreduce(I8X16, |b, x| b.ins().vany_true(x)),
            O::I8x16AllTrue => self.vreduce(I8X16, |b, x| b.ins().vall_true(x)),
            O::I16x8AllTrue => self.vreduce(I16X8, |b, x| b.ins().vall_true(x)),
            O::I32x4AllTrue => self.vreduce(I32X4, |b, x| b.ins().vall_true(x)),
            O::I64x2AllTrue => self.vreduce(I64X2, |b, x| b.ins().vall_true(x)),
            O::I8x16Bitmask => self.vreduce(I8X16, |b, x| b.ins().vhigh_bits(I32, x)),
            O::I16x8Bitmask => self.vreduce(I16X8, |b, x| b.ins().vhigh_bits(I32, x)),
            O::I32x4Bitmask => self.vreduce(I32X4, |b, x| b.ins().vhigh_bits(I32, x)),
            O::I64x2Bitmask => self.vreduce(I64X2, |b, x| b.ins().vhigh_bits(I32, x)),

            O::I8x16Abs => self.vun(I8X16, |b, x| b.ins().iabs(x)),
            O::I16x8Abs => self.vun(I16X8, |b, x| b.ins().iabs(x)),
            O::I32x4Abs => self.vun(I32X4, |b, x| b.ins().iabs(x)),
            O::I64x2Abs => self.vun(I64X2, |b, x| b.ins().iabs(x)),
            O::I8x16Neg => self.vun(I8X16, |b, x| b.ins().ineg(x)),
            O::I16x8Neg => self.vun(I16X8, |b, x| b.ins().ineg(x)),
            O::I32x4Neg => self.vun(I32X4, |b, x| b.ins().ineg(x)),
            O::I64x2Neg => self.vun(I64X2, |b, x| b.ins().ineg(x)),
            O::I8x16Popcnt => self.vun(I8X16, |b, x| b.ins().popcnt(x)),
            O::I8x16NarrowI16x8S => self.vbin(I16X8, |b, x, y| b.ins().snarrow(x, y)),
            O::I8x16NarrowI16x8U => self.vbin(I16X8, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8NarrowI32x4S => self.vbin(I32X4, |b, x, y| b.ins().snarrow(x, y)),
            O::I16x8NarrowI32x4U => self.vbin(I32X4, |b, x, y| b.ins().unarrow(x, y)),
            O::I8x16Shl => self.vshift(I8X16, |b, x, y| b.ins().ishl(x, y)),
            O::I8x16ShrS => self.vshift(I8X16, |b, x, y| b.ins().sshr(x, y)),
            O::I8x16ShrU => self.vshift(I8X16, |b, x, y| b.ins().ushr(x, y)),
            O::I16x8Shl => self.vshift(I16X8, |b, x, y| b.ins().ishl(x, y)),
            O::I16x8ShrS => self.vshift(I16X8, |b, x, y| b.ins().sshr(x, y)),
            O::I16x8ShrU => self.vshift(I16X8, |b, x, y| b.ins().ushr(x, y)),
            O::I32x4Shl => self.vshift(I32X4, |b, x, y| b.ins().ishl(x, y)),
            O::I32x4ShrS => self.vshift(I32X4, |b, x, y| b.ins().sshr(x, y)),
            O::I32x4ShrU => self.vshift(I32X4, |b, x, y| b.ins().ushr(x, y)),
            O::I64x2Shl => self.vshift(I64X2, |b, x, y| b.ins().ishl(x, y)),
            O::I64x2ShrS => self.vshift(I64X2, |b, x, y| b.ins().sshr(x, y)),
            O::I64x2ShrU => self.vshift(I64X2, |b, x, y| b.ins().ushr(x, y)),
            O::I8x16Add => self.vbin(I8X16, |b, x, y| b.ins().iadd(x, y)),
            O::I16x8Add => self.vbin(I16X8, |b, x, y| b.ins().iadd(x, y)),
            O::I32x4Add => self.vbin(I32X4, |b, x, y| b.ins().iadd(x, y)),
            O::I64x2Add => self.vbin(I64X2, |b, x, y| b.ins().iadd(x, y)),
            O::I8x16Sub => self.vbin(I8X16, |b, x, y| b.ins().isub(x, y)),
            O::I16x8Sub => self.vbin(I16X8, |b, x, y| b.ins().isub(x, y)),
            O::I32x4Sub => self.vbin(I32X4, |b, x, y| b.ins().isub(x, y)),
            O::I64x2Sub => self.vbin(I64X2, |b, x, y| b.ins().isub(x, y)),
            O::I16x8Mul => self.vbin(I16X8, |b, x, y| b.ins().imul(x, y)),
            O::I32x4Mul => self.vbin(I32X4, |b, x, y| b.ins().imul(x, y)),
            O::I64x2Mul => self.vbin(I64X2, |b, x, y| b.ins().imul(x, y)),
            O::I8x16AddSatS => self.vbin(I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I8x16AddSatU => self.vbin(I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I8x16SubSatS => self.vbin(I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I8x16SubSatU => self.vbin(I8X16, |b, x, y| b.ins().usub_sat(x, y)),
            O::I16x8AddSatS => self.vbin(I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I16x8AddSatU => self.vbin(I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I16x8SubSatS => self.vbin(I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I16x8SubSatU => self.vbin(I16X8, |b, x, y| b.ins().usub_sat(x, y)),
            O::I8x16MinS => self.vbin(I8X16, |b, x, y| b.ins().smin(x, y)),
            O::I8x16MinU => self.vbin(I8X16, |b, x, y| b.ins().umin(x, y)),
            O::I8x16MaxS => self.vbin(I8X16, |b, x, y| b.ins().smax(x, y)),
            O::I8x16MaxU => self.vbin(I8X16, |b, x, y| b.ins().umax(x, y)),
            O::I16x8MinS => self.vbin(I16X8, |b, x, y| b.ins().smin(x, y)),
            O::I16x8MinU => self.vbin(I16X8, |b, x, y| b.ins().umin(x, y)),
            O::I16x8MaxS => self.vbin(I16X8, |b, x, y| b.ins().smax(x, y)),
            O::I16x8MaxU => self.vbin(I16X8, |b, x, y| b.ins().umax(x, y)),
            O::I32x4MinS => self.vbin(I32X4, |b, x, y| b.ins().smin(x, y)),
            O::I32x4MinU => self.vbin(I32X4, |b, x, y| b.ins().umin(x, y)),
            O::I32x4MaxS => self.vbin(I32X4, |b, x, y| b.ins().smax(x, y)),
            O::I32x4MaxU => self.vbin(I32X4, |b, x, y| b.ins().umax(x, y)),
            O::I8x16AvgrU => self.vbin(I8X16, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8AvgrU => self.vbin(I16X8, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8Q15MulrSatS | O::I16x8RelaxedQ15mulrS => {
                self.vbin(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))
            }

            O::I16x8ExtendLowI8x16S => self.vun(I8X16, |b, x| b.ins().swiden_low(x)),
            O::I16x8ExtendHighI8x16S => self.vun(I8X16, |b, x| b.ins().swiden_high(x)),
            O::I16x8ExtendLowI8x16U => self.vun(I8X16, |b, x| b.ins().uwiden_low(x)),
            O::I16x8ExtendHighI8x16U => self.vun(I8X16, |b, x| b.ins().uwiden_high(x)),
            O::I32x4ExtendLowI16x8S => self.vun(I16X8, |b, x| b.ins().swiden_low(x)),
            O::I32x4ExtendHighI16x8S => self.vun(I16X8, |b, x| b.ins().swiden_high(x)),
            O::I32x4ExtendLowI16x8U => self.vun(I16X8, |b, x| b.ins().uwiden_low(x)),
            O::I32x4ExtendHighI16x8U => self.vun(I16X8, |b, x| b.ins().uwiden_high(x)),
            O::I64x2ExtendLowI32x4S => self.vun(I32X4, |b, x| b.ins().swiden_low(x)),
            O::I64x2ExtendHighI32x4S => self.vun(I32X4, |b, x| b.ins().swiden_high(x)),
            O::I64x2ExtendLowI32x4U => self.vun(I32X4, |b, x| b.ins().uwiden_low(x)),
            O::I64x2ExtendHighI32x4U => self.vun(I32X4, |b, x| b.ins().uwiden_high(x)),
            O::I16x8ExtMulLowI8x16S | O::I32x4ExtMulLowI16x8S | O::I64x2ExtMulLowI32x4S => {
                let ty = ext_source(op);
                self.vbin(ty, |b, x, y| {
                    let (x, y) = (b.ins().swiden_low(x), b.ins().swiden_low(y));
                    b.ins().imul(x, y)
                })
            }
            O::I16x8ExtMulHighI8x16S | O::I32x4ExtMulHighI16x8S | O::I64x2ExtMulHighI32x4S => {
                let ty = ext_source(op);
                self.vbin(ty, |b, x, y| {
                    let (x, y) = (b.ins().swiden_high(x), b.ins().swiden_high(y));
                    b.ins().imul(x, y)
                })
            }
            O::I16x8ExtMulLowI8x16U | O::I32x4ExtMulLowI16x8U | O::I64x2ExtMulLowI32x4U => {
                let ty = ext_source(op);
                self.vbin(ty, |b, x, y| {
                    let (x, y) = (b.ins().uwiden_low(x), b.ins().uwiden_low(y));
                    b.ins().imul(x, y)
                })
            }
            O::I16x8ExtMulHighI8x16U | O::I32x4ExtMulHighI16x8U | O::I64x2ExtMulHighI32x4U => {
                let ty = ext_source(op);
                self.vbin(ty, |b, x, y| {
                    let (x, y) = (b.ins().uwiden_high(x), b.ins().uwiden_high(y));
                    b.ins().imul(x, y)
                })
            }
            O::I16x8ExtAddPairwiseI8x16S => self.vun(I8X16, |b, x| {
                let (lo, hi) = (b.ins().swiden_low(x), b.ins().swiden_high(x));
                b.ins().iadd_pairwise(lo, hi)
            }),
            O::I16x8ExtAddPairwiseI8x16U => self.vun(I8X16, |b, x| {
                let (lo, hi) = (b.ins().uwiden_low(x), b.ins().uwiden_high(x));
                b.ins().iadd_pairwise(lo, hi)
            }),
            O::I32x4ExtAddPairwiseI16x8S => self.vun(I16X8, |b, x| {
                let (lo, hi) = (b.ins().swiden_low(x), b.ins().swiden_high(x));
                b.ins().iadd_pairwise(lo, hi)
            }),
            O::I32x4ExtAddPairwiseI16x8U => self.vun(I16X8, |b, x| {
                let (lo, hi) = (b.ins().uwiden_low(x), b.ins().uwiden_high(x));
                b.ins().iadd_pairwise(lo, hi)
            }),
            O::I32x4DotI16x8S => self.vbin(I16X8, Self::dot),
            O::I16x8RelaxedDotI8x16I7x16S => self.vbin(I8X16, Self::dot),
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let acc = self.pop_v(I32X4);
                let y = self.pop_v(I8X16);
                let x = self.pop_v(I8X16);
                let b = &mut *self.builder;
                let d = Self::dot(b, x, y);
                let (lo, hi) = (b.ins().swiden_low(d), b.ins().swiden_high(d));
                let sums = b.ins().iadd_pairwise(lo, hi);
                let r = b.ins().iadd(sums, acc);
                self.push_v(r);
            }

            O::F32x4Ceil => self.vun(F32X4, |b, x| b.ins().ceil(x)),
            O::F32x4Floor => self.vun(F32X4, |b, x| b.ins().floor(x)),
            O::F32x4Trunc => self.vun(F32X4, |b, x| b.ins().trunc(x)),
            O::F32x4Nearest => self.vun(F32X4, |b, x| b.ins().nearest(x)),
            O::F32x4Abs => self.vun(F32X4, |b, x| b.ins().fabs(x)),
            O::F32x4Neg => self.vun(F32X4, |b, x| b.ins().fneg(x)),
            O::F32x4Sqrt => self.vun(F32X4, |b, x| b.ins().sqrt(x)),
            O::F32x4Add => self.vbin(F32X4, |b, x, y| b.ins().fadd(x, y)),
            O::F32x4Sub => self.vbin(F32X4, |b, x, y| b.ins().fsub(x, y)),
            O::F32x4Mul => self.vbin(F32X4, |b, x, y| b.ins().fmul(x, y)),
            O::F32x4Div => self.vbin(F32X4, |b, x, y| b.ins().fdiv(x, y)),
            O::F32x4Min | O::F32x4RelaxedMin => self.vbin(F32X4, |b, x, y| b.ins().fmin(x, y)),
            O::F32x4Max | O::F32x4RelaxedMax => self.vbin(F32X4, |b, x, y| b.ins().fmax(x, y)),
            O::F32x4PMin => self.pminmax(F32X4, true),
            O::F32x4PMax => self.pminmax(F32X4, false),
            O::F64x2Ceil => self.vun(F64X2, |b, x| b.ins().ceil(x)),
            O::F64x2Floor => self.vun(F64X2, |b, x| b.ins().floor(x)),
            O::F64x2Trunc => self.vun(F64X2, |b, x| b.ins().trunc(x)),
            O::F64x2Nearest => self.vun(F64X2, |b, x| b.ins().nearest(x)),
            O::F64x2Abs => self.vun(F64X2, |b, x| b.ins().fabs(x)),
            O::F64x2Neg => self.vun(F64X2, |b, x| b.ins().fneg(x)),
            O::F64x2Sqrt => self.vun(F64X2, |b, x| b.ins().sqrt(x)),
            O::F64x2Add => self.vbin(F64X2, |b, x, y| b.ins().fadd(x, y)),
            O::F64x2Sub => self.vbin(F64X2, |b, x, y| b.ins().fsub(x, y)),
            O::F64x2Mul => self.vbin(F64X2, |b, x, y| b.ins().fmul(x, y)),
            O::F64x2Div => self.vbin(F64X2, |b, x, y| b.ins().fdiv(x, y)),
            O::F64x2Min | O::F64x2RelaxedMin => self.vbin(F64X2, |b, x, y| b.ins().fmin(x, y)),
            O::F64x2Max | O::F64x2RelaxedMax => self.vbin(F64X2, |b, x, y| b.ins().fmax(x, y)),
            O::F64x2PMin => self.pminmax(F64X2, true),
            O::F64x2PMax => self.pminmax(F64X2, false),
            O::F32x4RelaxedMadd
            | O::F32x4RelaxedNmadd
            | O::F64x2RelaxedMadd
            | O::F64x2RelaxedNmadd => {
                let ty = match op {
                    O::F32x4RelaxedMadd | O::F32x4RelaxedNmadd => F32X4,
                    _ => F64X2,
                };
                let negate = matches!(op, O::F32x4RelaxedNmadd | O::F64x2RelaxedNmadd);
                let c = self.pop_v(ty);
                let y = self.pop_v(ty);
                let x = self.pop_v(ty);
                let mut product = self.builder.ins().fmul(x, y);
                if negate {
                    product = self.builder.ins().fneg(product);
                }
                let r = self.builder.ins().fadd(product, c);
                self.push_v(r);
            }

            O::I32x4TruncSatF32x4S | O::I32x4RelaxedTruncF32x4S => {
                self.vun(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))
            }
            O::I32x4TruncSatF32x4U | O::I32x4RelaxedTruncF32x4U => {
                self.vun(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))
            }
            O::I32x4TruncSatF64x2SZero | O::I32x4RelaxedTruncF64x2SZero => {
                self.vun(F64X2, |b, x| {
                    let wide = b.ins().fcvt_to_sint_sat(I64X2, x);
                    let zero = zero_vector(b, I64X2);
                    b.ins().snarrow(wide, zero)
                })
            }
            O::I32x4TruncSatF64x2UZero | O::I32x4RelaxedTruncF64x2UZero => {
                self.vun(F64X2, |b, x| {
                    let wide = b.ins().fcvt_to_uint_sat(I64X2, x);
                    let zero = zero_vector(b, I64X2);
                    b.ins().uunarrow(wide, zero)
                })
            }
            O::F32x4ConvertI32x4S => self.vun(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x)),
            O::F32x4ConvertI32x4U => self.vun(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x)),
            O::F64x2ConvertLowI32x4S => self.vun(I32X4, |b, x| {
                let wide = b.ins().swiden_low(x);
                b.ins().fcvt_from_sint(F64X2, wide)
            }),
            O::F64x2ConvertLowI32x4U => self.vun(I32X4, |b, x| {
                let wide = b.ins().uwiden_low(x);
                b.ins().fcvt_from_uint(F64X2, wide)
            }),
            O::F32x4DemoteF64x2Zero => self.vun(F64X2, |b, x| b.ins().fvdemote(x)),
            O::F64x2PromoteLowF32x4 => self.vun(F32X4, |b, x| b.ins().fvpromote_low(x)),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The source vector type of an extended multiply.
fn ext_source(op: &Operator<'_>) -> Type {
    use Operator as O;
    match op {
        O::I16x8ExtMulLowI8x16S
        | O::I16x8ExtMulHighI8x16S
        | O::I16x8ExtMulLowI8x16U
        | O::I16x8ExtMulHighI8x16U => I8X16,
        O::I32x4ExtMulLowI16x8S
        | O::I32x4ExtMulHighI16x8S
        | O::I32x4ExtMulLowI16x8U
        | O::I32x4ExtMulHighI16x8U => I16X8,
        _ => I32X4,
    }
}
