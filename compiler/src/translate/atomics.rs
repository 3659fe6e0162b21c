//! Threads-proposal instructions: atomic loads, stores, read-modify-writes and
//! compare-exchange, `atomic.fence`, and `memory.atomic.wait`/`notify`.
//!
//! Every atomic access traps with "unaligned atomic" unless its effective address is a
//! multiple of its size; memory bases are page-aligned, so the host address is checked.
//! Programs are single-threaded until wasi-threads arrives, so `notify` wakes nobody
//! (returns 0) after checking its address, and `wait` on a shared memory returns
//! "not-equal" or sleeps until its timeout.

use super::operators::Translator;
use crate::error::Result;
use crate::index::MemoryIndex;
use cranelift_codegen::ir::{
    condcodes::IntCC,
    types::{I16, I32, I64, I8},
    AtomicRmwOp, Endianness, InstBuilder, MemFlagsData, Type, Value,
};
use wasi_aot_abi::libcalls::Libcall;
use wasi_aot_abi::Trap;
use wasmparser::{MemArg, Operator};

/// What an atomic memory operator does.
enum Access {
    Load,
    Store,
    Rmw(AtomicRmwOp),
    Cmpxchg,
}

/// Classifies an atomic memory operator: what it does, the width of the memory access,
/// and the wasm value type it works on.
fn classify<'a>(op: &'a Operator<'_>) -> Option<(Access, Type, Type, &'a MemArg)> {
    use AtomicRmwOp as R;
    use Operator as O;
    let rmw = |r| Access::Rmw(r);
    Some(match op {
        O::I32AtomicLoad { memarg } => (Access::Load, I32, I32, memarg),
        O::I64AtomicLoad { memarg } => (Access::Load, I64, I64, memarg),
        O::I32AtomicLoad8U { memarg } => (Access::Load, I8, I32, memarg),
        O::I32AtomicLoad16U { memarg } => (Access::Load, I16, I32, memarg),
        O::I64AtomicLoad8U { memarg } => (Access::Load, I8, I64, memarg),
        O::I64AtomicLoad16U { memarg } => (Access::Load, I16, I64, memarg),
        O::I64AtomicLoad32U { memarg } => (Access::Load, I32, I64, memarg),
        O::I32AtomicStore { memarg } => (Access::Store, I32, I32, memarg),
        O::I64AtomicStore { memarg } => (Access::Store, I64, I64, memarg),
        O::I32AtomicStore8 { memarg } => (Access::Store, I8, I32, memarg),
        O::I32AtomicStore16 { memarg } => (Access::Store, I16, I32, memarg),
        O::I64AtomicStore8 { memarg } => (Access::Store, I8, I64, memarg),
        O::I64AtomicStore16 { memarg } => (Access::Store, I16, I64, memarg),
        O::I64AtomicStore32 { memarg } => (Access::Store, I32, I64, memarg),
        O::I32AtomicRmwAdd { memarg } => (rmw(R::Add), I32, I32, memarg),
        O::I64AtomicRmwAdd { memarg } => (rmw(R::Add), I64, I64, memarg),
        O::I32AtomicRmw8AddU { memarg } => (rmw(R::Add), I8, I32, memarg),
        O::I32AtomicRmw16AddU { memarg } => (rmw(R::Add), I16, I32, memarg),
        O::I64AtomicRmw8AddU { memarg } => (rmw(R::Add), I8, I64, memarg),
        O::I64AtomicRmw16AddU { memarg } => (rmw(R::Add), I16, I64, memarg),
        O::I64AtomicRmw32AddU { memarg } => (rmw(R::Add), I32, I64, memarg),
        O::I32AtomicRmwSub { memarg } => (rmw(R::Sub), I32, I32, memarg),
        O::I64AtomicRmwSub { memarg } => (rmw(R::Sub), I64, I64, memarg),
        O::I32AtomicRmw8SubU { memarg } => (rmw(R::Sub), I8, I32, memarg),
        O::I32AtomicRmw16SubU { memarg } => (rmw(R::Sub), I16, I32, memarg),
        O::I64AtomicRmw8SubU { memarg } => (rmw(R::Sub), I8, I64, memarg),
        O::I64AtomicRmw16SubU { memarg } => (rmw(R::Sub), I16, I64, memarg),
        O::I64AtomicRmw32SubU { memarg } => (rmw(R::Sub), I32, I64, memarg),
        O::I32AtomicRmwAnd { memarg } => (rmw(R::And), I32, I32, memarg),
        O::I64AtomicRmwAnd { memarg } => (rmw(R::And), I64, I64, memarg),
        O::I32AtomicRmw8AndU { memarg } => (rmw(R::And), I8, I32, memarg),
        O::I32AtomicRmw16AndU { memarg } => (rmw(R::And), I16, I32, memarg),
        O::I64AtomicRmw8AndU { memarg } => (rmw(R::And), I8, I64, memarg),
        O::I64AtomicRmw16AndU { memarg } => (rmw(R::And), I16, I64, memarg),
        O::I64AtomicRmw32AndU { memarg } => (rmw(R::And), I32, I64, memarg),
        O::I32AtomicRmwOr { memarg } => (rmw(R::Or), I32, I32, memarg),
        O::I64AtomicRmwOr { memarg } => (rmw(R::Or), I64, I64, memarg),
        O::I32AtomicRmw8OrU { memarg } => (rmw(R::Or), I8, I32, memarg),
        O::I32AtomicRmw16OrU { memarg } => (rmw(R::Or), I16, I32, memarg),
        O::I64AtomicRmw8OrU { memarg } => (rmw(R::Or), I8, I64, memarg),
        O::I64AtomicRmw16OrU { memarg } => (rmw(R::Or), I16, I64, memarg),
        O::I64AtomicRmw32OrU { memarg } => (rmw(R::Or), I32, I64, memarg),
        O::I32AtomicRmwXor { memarg } => (rmw(R::Xor), I32, I32, memarg),
        O::I64AtomicRmwXor { memarg } => (rmw(R::Xor), I64, I64, memarg),
        O::I32AtomicRmw8XorU { memarg } => (rmw(R::Xor), I8, I32, memarg),
        O::I32AtomicRmw16XorU { memarg } => (rmw(R::Xor), I16, I32, memarg),
        O::I64AtomicRmw8XorU { memarg } => (rmw(R::Xor), I8, I64, memarg),
        O::I64AtomicRmw16XorU { memarg } => (rmw(R::Xor), I16, I64, memarg),
        O::I64AtomicRmw32XorU { memarg } => (rmw(R::Xor), I32, I64, memarg),
        O::I32AtomicRmwXchg { memarg } => (rmw(R::Xchg), I32, I32, memarg),
        O::I64AtomicRmwXchg { memarg } => (rmw(R::Xchg), I64, I64, memarg),
        O::I32AtomicRmw8XchgU { memarg } => (rmw(R::Xchg), I8, I32, memarg),
        O::I32AtomicRmw16XchgU { memarg } => (rmw(R::Xchg), I16, I32, memarg),
        O::I64AtomicRmw8XchgU { memarg } => (rmw(R::Xchg), I8, I64, memarg),
        O::I64AtomicRmw16XchgU { memarg } => (rmw(R::Xchg), I16, I64, memarg),
        O::I64AtomicRmw32XchgU { memarg } => (rmw(R::Xchg), I32, I64, memarg),
        O::I32AtomicRmwCmpxchg { memarg } => (Access::Cmpxchg, I32, I32, memarg),
        O::I64AtomicRmwCmpxchg { memarg } => (Access::Cmpxchg, I64, I64, memarg),
        O::I32AtomicRmw8CmpxchgU { memarg } => (Access::Cmpxchg, I8, I32, memarg),
        O::I32AtomicRmw16CmpxchgU { memarg } => (Access::Cmpxchg, I16, I32, memarg),
        O::I64AtomicRmw8CmpxchgU { memarg } => (Access::Cmpxchg, I8, I64, memarg),
        O::I64AtomicRmw16CmpxchgU { memarg } => (Access::Cmpxchg, I16, I64, memarg),
        O::I64AtomicRmw32CmpxchgU { memarg } => (Access::Cmpxchg, I32, I64, memarg),
        _ => return None,
    })
}

fn atomic_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl Translator<'_, '_, '_, '_> {
    /// Pops the index and returns the checked host address of an atomic access of `size`
    /// bytes, trapping on misalignment.
    fn atomic_address(&mut self, memarg: &MemArg, size: u32) -> Result<Value> {
        let memory = super::memory::memory_of(memarg)?;
        let index = self.state.pop1();
        let (addr, offset) =
            self.env
                .heap_address(self.builder, memory, index, memarg.offset, size);
        let addr = match offset {
            0 => addr,
            o => self.builder.ins().iadd_imm_s(addr, o as i64),
        };
        if size > 1 {
            let mask = self.builder.ins().iconst(I64, (size - 1) as i64);
            let low = self.builder.ins().band(addr, mask);
            let unaligned = self.builder.ins().icmp_imm_s(IntCC::NotEqual, low, 0);
            self.builder
                .ins()
                .trapnz(unaligned, crate::func_env::trap_code(Trap::UnalignedAtomic));
        }
        Ok(addr)
    }

    fn narrow(&mut self, v: Value, access: Type) -> Value {
        if self.builder.func.dfg.value_type(v) == access {
            v
        } else {
            self.builder.ins().ireduce(access, v)
        }
    }

    fn widen(&mut self, v: Value, ty: Type) -> Value {
        if self.builder.func.dfg.value_type(v) == ty {
            v
        } else {
            self.builder.ins().uextend(ty, v)
        }
    }

    /// Lowers threads-proposal operators; returns `false` for any other operator.
    pub fn translate_atomic(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator as O;
        if let Some((access, width, ty, memarg)) = classify(op) {
            let size = width.bytes();
            match access {
                Access::Load => {
                    let addr = self.atomic_address(memarg, size)?;
                    let v = self.builder.ins().atomic_load(width, atomic_flags(), addr);
                    let v = self.widen(v, ty);
                    self.state.push1(v);
                }
                Access::Store => {
                    let value = self.state.pop1();
                    let addr = self.atomic_address(memarg, size)?;
                    let value = self.narrow(value, width);
                    self.builder.ins().atomic_store(atomic_flags(), value, addr);
                }
                Access::Rmw(rmw) => {
                    let value = self.state.pop1();
                    let addr = self.atomic_address(memarg, size)?;
                    let value = self.narrow(value, width);
                    let old =
                        self.builder
                            .ins()
                            .atomic_rmw(width, atomic_flags(), rmw, addr, value);
                    let old = self.widen(old, ty);
                    self.state.push1(old);
                }
                Access::Cmpxchg => {
                    let replacement = self.state.pop1();
                    let expected = self.state.pop1();
                    let addr = self.atomic_address(memarg, size)?;
                    let expected = self.narrow(expected, width);
                    let replacement = self.narrow(replacement, width);
                    let old =
                        self.builder
                            .ins()
                            .atomic_cas(atomic_flags(), addr, expected, replacement);
                    let old = self.widen(old, ty);
                    self.state.push1(old);
                }
            }
            return Ok(true);
        }
        match op {
            O::AtomicFence { .. } => {
                self.builder.ins().fence();
            }
            O::MemoryAtomicNotify { memarg } => {
                let _count = self.state.pop1();
                let addr = self.atomic_address(memarg, 4)?;
                // The address must be in bounds even though nobody can be waiting.
                self.builder.ins().atomic_load(I32, atomic_flags(), addr);
                let woken = self.builder.ins().iconst(I32, 0);
                self.state.push1(woken);
            }
            O::MemoryAtomicWait32 { memarg } | O::MemoryAtomicWait64 { memarg } => {
                let wait64 = matches!(op, O::MemoryAtomicWait64 { .. });
                let (size, libcall) = match wait64 {
                    true => (8, Libcall::AtomicWait64),
                    false => (4, Libcall::AtomicWait32),
                };
                let timeout = self.state.pop1();
                let expected = self.state.pop1();
                let addr = self.atomic_address(memarg, size)?;
                let memory = super::memory::memory_of(memarg)?;
                if !self.env.module.info.memories[memory].shared {
                    self.trap(Trap::ExpectedSharedMemory);
                    return Ok(true);
                }
                let index = self.env.index_arg(self.builder, memory_index(memory));
                let result = self
                    .env
                    .libcall(self.builder, libcall, &[index, addr, expected, timeout])
                    .expect("wait returns its outcome");
                self.state.push1(result);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn memory_index(memory: MemoryIndex) -> u32 {
    use cranelift_entity::EntityRef;
    memory.index() as u32
}
