//! Tables whose contents are known at compile time.
//!
//! A funcref table that is neither imported nor exported, that no instruction writes
//! (`table.set`, `table.grow`, `table.fill`, `table.copy` into it, `table.init`), and that
//! only active segments of constant offsets and `ref.func`/`ref.null` items fill, holds
//! the same functions from instantiation on, provided instantiation cannot stop partway
//! (every active segment of the module is constant and in bounds). This is the common
//! shape of a C program's function-pointer table. `call_indirect` through such a table
//! reads the callee from a read-only array of code pointers, with the length as an
//! immediate and the type check against a parallel array of type ids, or with none when
//! every function in the table has the expected type (then a null slot is a null code
//! pointer): two dependent loads fewer than through the runtime's table, which shortens
//! the wait on a mispredicted indirect call.
//!
//! The runtime table still exists and is filled as before, for `table.get`, `table.size`
//! and anything else that reads it.

use crate::func_env::Callee;
use crate::index::{FuncIndex, TableIndex};
use crate::module::ModuleInfo;
use cranelift_entity::EntityRef;
use wasi_aot_abi::metadata::{ConstOp, ElemMode, ExternKind, HeapType};
use wasmparser::Operator;

/// Tables larger than this are left to the runtime (each slot costs 12 bytes of image).
const MAX_LEN: u64 = 1 << 16;

/// The type id of an empty slot: no canonical type has it.
pub const NULL_TYPE_ID: u32 = u32::MAX;

/// The fixed contents of a table.
#[derive(Clone, Debug)]
pub struct Contents {
    /// Object function id of each slot's function, or `None` for null.
    pub slots: Vec<Option<u32>>,
    /// Canonical type id of each slot, [`NULL_TYPE_ID`] for null.
    pub type_ids: Vec<u32>,
}

impl Contents {
    /// The type id of every function in the table, if they all have one type.
    pub fn function_type(&self) -> Option<u32> {
        let mut functions = self.type_ids.iter().filter(|&&t| t != NULL_TYPE_ID);
        let first = *functions.next()?;
        functions.all(|&t| t == first).then_some(first)
    }

    /// Whether some slot is null.
    pub fn has_null(&self) -> bool {
        self.slots.iter().any(Option::is_none)
    }
}

/// A static table as compiled code sees it: its contents and the data objects that hold
/// them.
#[derive(Clone, Debug)]
pub struct StaticTable {
    /// The fixed contents.
    pub contents: Contents,
    /// Data object of the code pointers (8 bytes per slot, 0 for null).
    pub codes: u32,
    /// Data object of the type ids (4 bytes per slot).
    pub types: u32,
}

/// The tables of `info` whose contents are fixed, with those contents. `type_ids` maps
/// type indices to canonical ids and `callees` says how each function is called (only
/// functions defined in the module can fill a static table).
pub fn find(
    info: &ModuleInfo<'_>,
    type_ids: &[u32],
    callees: &[Callee],
) -> Vec<(TableIndex, Contents)> {
    let mut candidates: Vec<TableIndex> = info
        .tables
        .iter()
        .skip(info.num_imported_tables as usize)
        .filter(|(index, decl)| {
            let exported = info
                .exports
                .iter()
                .any(|(_, kind, i)| *kind == ExternKind::Table && *i == index.as_u32());
            let funcs = matches!(
                decl.ty.ref_type.heap,
                HeapType::Func | HeapType::Concrete(_)
            );
            !exported && funcs && decl.init.is_none() && decl.ty.min <= MAX_LEN
        })
        .map(|(index, _)| index)
        .collect();
    if candidates.is_empty() || !segments_cannot_trap(info) {
        return Vec::new();
    }
    match written_tables(info) {
        Some(written) => candidates.retain(|t| !written.contains(&t.as_u32())),
        None => return Vec::new(),
    }
    candidates
        .into_iter()
        .filter_map(|table| {
            contents(info, table, type_ids, callees).map(|contents| (table, contents))
        })
        .collect()
}

/// Whether every active segment is certain to apply: constant offset, in bounds of its
/// table's declared minimum (an imported table is at least that large). Instantiation
/// applies segments in order and stops at the first that traps, keeping earlier writes; a
/// function that escaped through an earlier segment into another module's table could
/// then still run and see a table that a later segment never filled.
fn segments_cannot_trap(info: &ModuleInfo<'_>) -> bool {
    info.elems.iter().all(|(_, elem)| {
        let ElemMode::Active { table, offset } = &elem.mode else {
            return true;
        };
        let [ConstOp::I32Const(offset)] = offset.ops.as_slice() else {
            return false;
        };
        let Some(decl) = info.tables.get(TableIndex::from_u32(*table)) else {
            return false;
        };
        (*offset as u32 as u64)
            .checked_add(elem.items.len() as u64)
            .is_some_and(|end| end <= decl.ty.min)
    })
}

/// The indices of the tables some instruction writes, or `None` if a body cannot be read
/// (validation reports it later).
fn written_tables(info: &ModuleInfo<'_>) -> Option<Vec<u32>> {
    let mut written = Vec::new();
    for (_, body) in info.bodies.iter() {
        let mut reader = body.body.get_operators_reader().ok()?;
        while !reader.eof() {
            let table = match reader.read().ok()? {
                Operator::TableSet { table }
                | Operator::TableGrow { table }
                | Operator::TableFill { table }
                | Operator::TableInit { table, .. }
                | Operator::TableCopy {
                    dst_table: table, ..
                } => table,
                _ => continue,
            };
            if !written.contains(&table) {
                written.push(table);
            }
        }
    }
    Some(written)
}

/// The contents of `table` after instantiation, if every segment that fills it is
/// constant, in bounds and made of functions defined in the module.
fn contents(
    info: &ModuleInfo<'_>,
    table: TableIndex,
    type_ids: &[u32],
    callees: &[Callee],
) -> Option<Contents> {
    let len = info.tables[table].ty.min as usize;
    let mut slots = vec![None; len];
    let mut types = vec![NULL_TYPE_ID; len];
    for (_, elem) in info.elems.iter() {
        let ElemMode::Active {
            table: target,
            offset,
        } = &elem.mode
        else {
            continue;
        };
        if *target != table.as_u32() {
            continue;
        }
        let [ConstOp::I32Const(offset)] = offset.ops.as_slice() else {
            return None;
        };
        let start = *offset as u32 as usize;
        let end = start.checked_add(elem.items.len()).filter(|&e| e <= len)?;
        for (slot, item) in (start..end).zip(&elem.items) {
            (slots[slot], types[slot]) = match item.ops.as_slice() {
                [ConstOp::RefNull(_)] => (None, NULL_TYPE_ID),
                [ConstOp::RefFunc(f)] => {
                    let func = FuncIndex::from_u32(*f);
                    let &Callee::Defined { id } = callees.get(func.index())? else {
                        return None;
                    };
                    let ty = info.funcs.get(func)?;
                    (Some(id), *type_ids.get(ty.index())?)
                }
                _ => return None,
            };
        }
    }
    Some(Contents {
        slots,
        type_ids: types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_type_ignores_null_slots() {
        let contents = |type_ids: Vec<u32>| Contents {
            slots: type_ids
                .iter()
                .map(|&t| (t != NULL_TYPE_ID).then_some(1))
                .collect(),
            type_ids,
        };
        assert_eq!(contents(vec![3, 3, 3]).function_type(), Some(3));
        assert!(!contents(vec![3, 3, 3]).has_null());
        assert_eq!(contents(vec![3, 4]).function_type(), None);
        assert_eq!(contents(vec![NULL_TYPE_ID, 3]).function_type(), Some(3));
        assert!(contents(vec![NULL_TYPE_ID, 3]).has_null());
        assert_eq!(contents(vec![NULL_TYPE_ID]).function_type(), None);
        assert_eq!(contents(vec![]).function_type(), None);
    }
}
