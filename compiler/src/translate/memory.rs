//! Linear-memory operators: loads, stores and the bulk-memory instructions.

use super::operators::Translator;
use crate::error::{CompileError, Result};
use crate::func_env::BulkSource;
use crate::index::*;
use cranelift_codegen::ir::{types, InstBuilder, Opcode, Type};
use wasi_aot_abi::libcalls::Libcall;
use wasmparser::{MemArg, MemArgTarget, Operator};

pub(super) fn memory_of(memarg: &MemArg) -> Result<MemoryIndex> {
    match memarg.target {
        MemArgTarget::Memory(m) => Ok(MemoryIndex::from_u32(m)),
        MemArgTarget::Array(_) => Err(CompileError::Unsupported(
            "GC array memory operands are not supported".into(),
        )),
    }
}

impl Translator<'_, '_, '_, '_> {
    fn load(&mut self, memarg: &MemArg, opcode: Opcode, result: Type, access: Type) -> Result<()> {
        let index = self.state.pop1();
        let memory = memory_of(memarg)?;
        let size = match opcode {
            Opcode::Uload8 | Opcode::Sload8 => 1,
            Opcode::Uload16 | Opcode::Sload16 => 2,
            Opcode::Uload32 | Opcode::Sload32 => 4,
            _ => access.bytes(),
        };
        let (addr, offset) =
            self.env
                .heap_address(self.builder, memory, index, memarg.offset, size);
        let flags = self.env.heap_flags();
        let b = self.builder.ins();
        let value = match opcode {
            Opcode::Load => b.load(access, flags, addr, offset),
            Opcode::Uload8 => b.uload8(result, flags, addr, offset),
            Opcode::Sload8 => b.sload8(result, flags, addr, offset),
            Opcode::Uload16 => b.uload16(result, flags, addr, offset),
            Opcode::Sload16 => b.sload16(result, flags, addr, offset),
            Opcode::Uload32 => b.uload32(flags, addr, offset),
            Opcode::Sload32 => b.sload32(flags, addr, offset),
            _ => unreachable!("only load opcodes are passed"),
        };
        self.state.push1(value);
        Ok(())
    }

    fn store(&mut self, memarg: &MemArg, opcode: Opcode) -> Result<()> {
        let (index, value) = self.state.pop2();
        let memory = memory_of(memarg)?;
        let size = match opcode {
            Opcode::Istore8 => 1,
            Opcode::Istore16 => 2,
            Opcode::Istore32 => 4,
            _ => self.builder.func.dfg.value_type(value).bytes(),
        };
        let (addr, offset) =
            self.env
                .heap_address(self.builder, memory, index, memarg.offset, size);
        let flags = self.env.heap_flags();
        let b = self.builder.ins();
        match opcode {
            Opcode::Store => b.store(flags, value, addr, offset),
            Opcode::Istore8 => b.istore8(flags, value, addr, offset),
            Opcode::Istore16 => b.istore16(flags, value, addr, offset),
            Opcode::Istore32 => b.istore32(flags, value, addr, offset),
            _ => unreachable!("only store opcodes are passed"),
        };
        Ok(())
    }

    fn widen_to_i64(&mut self, v: cranelift_codegen::ir::Value) -> cranelift_codegen::ir::Value {
        if self.builder.func.dfg.value_type(v) == types::I64 {
            v
        } else {
            self.builder.ins().uextend(types::I64, v)
        }
    }

    /// Lowers memory operators; returns `false` for any other operator.
    pub fn translate_memory(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{F32, F64, I32, I64};
        use Opcode::*;
        use Operator as O;
        match op {
            O::I32Load { memarg } => self.load(memarg, Load, I32, I32)?,
            O::I64Load { memarg } => self.load(memarg, Load, I64, I64)?,
            O::F32Load { memarg } => self.load(memarg, Load, F32, F32)?,
            O::F64Load { memarg } => self.load(memarg, Load, F64, F64)?,
            O::I32Load8S { memarg } => self.load(memarg, Sload8, I32, I32)?,
            O::I32Load8U { memarg } => self.load(memarg, Uload8, I32, I32)?,
            O::I32Load16S { memarg } => self.load(memarg, Sload16, I32, I32)?,
            O::I32Load16U { memarg } => self.load(memarg, Uload16, I32, I32)?,
            O::I64Load8S { memarg } => self.load(memarg, Sload8, I64, I64)?,
            O::I64Load8U { memarg } => self.load(memarg, Uload8, I64, I64)?,
            O::I64Load16S { memarg } => self.load(memarg, Sload16, I64, I64)?,
            O::I64Load16U { memarg } => self.load(memarg, Uload16, I64, I64)?,
            O::I64Load32S { memarg } => self.load(memarg, Sload32, I64, I64)?,
            O::I64Load32U { memarg } => self.load(memarg, Uload32, I64, I64)?,
            O::I32Store { memarg }
            | O::I64Store { memarg }
            | O::F32Store { memarg }
            | O::F64Store { memarg } => self.store(memarg, Store)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, Istore8)?,
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, Istore16)?,
            O::I64Store32 { memarg } => self.store(memarg, Istore32)?,
            O::MemorySize { mem } => {
                let v = self
                    .env
                    .memory_size(self.builder, MemoryIndex::from_u32(*mem));
                self.state.push1(v);
            }
            O::MemoryGrow { mem } => {
                let delta = self.state.pop1();
                let memory64 = self.env.is_memory64(MemoryIndex::from_u32(*mem));
                let delta = self.widen_to_i64(delta);
                let mem = self.env.index_arg(self.builder, *mem);
                let old = self
                    .env
                    .libcall(self.builder, Libcall::MemoryGrow, &[mem, delta])
                    .expect("memory_grow returns the old size");
                let old = if memory64 {
                    old
                } else {
                    self.builder.ins().ireduce(I32, old)
                };
                self.state.push1(old);
            }
            O::MemoryFill { mem } => {
                let (dst, value, len) = self.state.pop3();
                let dst = self.widen_to_i64(dst);
                let len = self.widen_to_i64(len);
                let memory = MemoryIndex::from_u32(*mem);
                self.env.memory_copy_or_fill(
                    self.builder,
                    memory,
                    dst,
                    BulkSource::Fill(value),
                    len,
                );
            }
            O::MemoryCopy { dst_mem, src_mem } if dst_mem == src_mem => {
                let (dst, src, len) = self.state.pop3();
                let dst = self.widen_to_i64(dst);
                let src = self.widen_to_i64(src);
                let len = self.widen_to_i64(len);
                let memory = MemoryIndex::from_u32(*dst_mem);
                self.env
                    .memory_copy_or_fill(self.builder, memory, dst, BulkSource::Copy(src), len);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.state.pop3();
                let dst = self.widen_to_i64(dst);
                let src = self.widen_to_i64(src);
                let len = self.widen_to_i64(len);
                let dst_mem = self.env.index_arg(self.builder, *dst_mem);
                let src_mem = self.env.index_arg(self.builder, *src_mem);
                self.env.libcall(
                    self.builder,
                    Libcall::MemoryCopy,
                    &[dst_mem, src_mem, dst, src, len],
                );
            }
            O::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.state.pop3();
                let dst = self.widen_to_i64(dst);
                let mem = self.env.index_arg(self.builder, *mem);
                let data = self.env.index_arg(self.builder, *data_index);
                self.env.libcall(
                    self.builder,
                    Libcall::MemoryInit,
                    &[mem, data, dst, src, len],
                );
            }
            O::DataDrop { data_index } => {
                let data = self.env.index_arg(self.builder, *data_index);
                self.env.libcall(self.builder, Libcall::DataDrop, &[data]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
