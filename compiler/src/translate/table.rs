//! Table operators (reference types and bulk table instructions).

use super::operators::Translator;
use crate::error::Result;
use crate::index::*;
use wasi_aot_abi::libcalls::Libcall;
use wasmparser::Operator;

impl Translator<'_, '_, '_, '_> {
    /// Lowers table operators; returns `false` for any other operator.
    pub fn translate_table(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator as O;
        match op {
            O::TableGet { table } => {
                let index = self.state.pop1();
                let v = self
                    .env
                    .table_get(self.builder, TableIndex::from_u32(*table), index);
                self.state.push1(v);
            }
            O::TableSet { table } => {
                let (index, value) = self.state.pop2();
                self.env
                    .table_set(self.builder, TableIndex::from_u32(*table), index, value);
            }
            O::TableSize { table } => {
                let v = self
                    .env
                    .table_size(self.builder, TableIndex::from_u32(*table));
                self.state.push1(v);
            }
            O::TableGrow { table } => {
                let (init, delta) = self.state.pop2();
                let table = self.env.index_arg(self.builder, *table);
                let old = self
                    .env
                    .libcall(self.builder, Libcall::TableGrow, &[table, init, delta])
                    .expect("table_grow returns the old size");
                self.state.push1(old);
            }
            O::TableFill { table } => {
                let (dst, value, len) = self.state.pop3();
                let table = self.env.index_arg(self.builder, *table);
                self.env
                    .libcall(self.builder, Libcall::TableFill, &[table, dst, value, len]);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.state.pop3();
                let dst_table = self.env.index_arg(self.builder, *dst_table);
                let src_table = self.env.index_arg(self.builder, *src_table);
                self.env.libcall(
                    self.builder,
                    Libcall::TableCopy,
                    &[dst_table, src_table, dst, src, len],
                );
            }
            O::TableInit { elem_index, table } => {
                let (dst, src, len) = self.state.pop3();
                let table = self.env.index_arg(self.builder, *table);
                let elem = self.env.index_arg(self.builder, *elem_index);
                self.env.libcall(
                    self.builder,
                    Libcall::TableInit,
                    &[table, elem, dst, src, len],
                );
            }
            O::ElemDrop { elem_index } => {
                let elem = self.env.index_arg(self.builder, *elem_index);
                self.env.libcall(self.builder, Libcall::ElemDrop, &[elem]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
