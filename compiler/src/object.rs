//! Object emission: function bytes are defined through cranelift-object in index order,
//! then the runtime's tables are added directly with the `object` crate, since they need
//! each function's final offset in `.text`.
//!
//! Added sections: `.rodata.wasi_aot` (the metadata blob, the trap table and the frame
//! table) and `.data.rel.ro.wasi_aot` (the code-pointer table and the
//! [`ProgramDescriptor`] exported as `wasi_aot_program`). Executables are linked
//! non-PIE, so the absolute relocations there are resolved at link time.

use crate::compile::CompiledFunction;
use crate::error::{CompileError, Result};
use crate::static_table::StaticTable;
use cranelift_codegen::ir::Signature;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module, ModuleRelocTarget};
use cranelift_object::{ObjectBuilder, ObjectModule};
use object::write::{Relocation, StandardSection, Symbol, SymbolId, SymbolSection};
use object::{
    RelocationEncoding, RelocationFlags, RelocationKind, SectionKind, SymbolFlags, SymbolKind,
    SymbolScope,
};
use wasi_aot_abi::metadata::{FrameInfo, ProgramDescriptor, TrapSite, METADATA_MAGIC};
use wasi_aot_abi::{symbols, Trap, ABI_VERSION};

fn object_error(e: impl std::fmt::Display) -> CompileError {
    CompileError::Object(e.to_string())
}

/// A function's place in the frame table.
#[derive(Clone, Copy, Debug)]
pub struct FrameOwner {
    /// Module index.
    pub module: u32,
    /// Function index, or `u32::MAX` for generated code.
    pub func: u32,
}

/// Builds the object file.
pub struct Emitter {
    module: ObjectModule,
    traps: Vec<(u32, u32, Trap)>,
    frames: Vec<(u32, FrameOwner)>,
}

impl Emitter {
    /// Starts an object for `isa`.
    pub fn new(isa: OwnedTargetIsa) -> Result<Emitter> {
        let builder =
            ObjectBuilder::new(isa, "wasi-aot", cranelift_module::default_libcall_names())
                .map_err(object_error)?;
        Ok(Emitter {
            module: ObjectModule::new(builder),
            traps: Vec::new(),
            frames: Vec::new(),
        })
    }

    /// Declares a function symbol; returns its id.
    pub fn declare(&mut self, name: &str, linkage: Linkage, sig: &Signature) -> Result<u32> {
        let id = self
            .module
            .declare_function(name, linkage, sig)
            .map_err(object_error)?;
        Ok(id.as_u32())
    }

    /// Declares a read-only data object local to the object; returns its id.
    pub fn declare_data(&mut self, name: &str) -> Result<u32> {
        let id = self
            .module
            .declare_data(name, Linkage::Local, false, false)
            .map_err(object_error)?;
        Ok(id.as_u32())
    }

    /// Defines the two arrays of a static table (`crate::static_table`): the code
    /// pointer of each slot's function (0 for null), and each slot's type id.
    pub fn define_static_table(&mut self, table: &StaticTable) -> Result<()> {
        let contents = &table.contents;
        let mut codes = DataDescription::new();
        codes.define(vec![0u8; contents.slots.len() * 8].into_boxed_slice());
        codes.set_align(8);
        for (slot, func) in contents.slots.iter().enumerate() {
            if let Some(id) = func {
                let func = codes.import_function(ModuleRelocTarget::user(0, *id));
                codes.write_function_addr(slot as u32 * 8, func);
            }
        }
        let mut types = DataDescription::new();
        let bytes: Vec<u8> = contents
            .type_ids
            .iter()
            .flat_map(|t| t.to_le_bytes())
            .collect();
        types.define(bytes.into_boxed_slice());
        types.set_align(4);
        for (id, data) in [(table.codes, &codes), (table.types, &types)] {
            self.module
                .define_data(DataId::from_u32(id), data)
                .map_err(object_error)?;
        }
        Ok(())
    }

    /// Defines a compiled function.
    pub fn define(&mut self, f: &CompiledFunction, owner: FrameOwner) -> Result<()> {
        self.module
            .define_function_bytes(FuncId::from_u32(f.id), f.alignment, &f.bytes, &f.relocs)
            .map_err(object_error)?;
        self.traps
            .extend(f.traps.iter().map(|(offset, trap)| (f.id, *offset, *trap)));
        self.frames.push((f.id, owner));
        Ok(())
    }

    /// Adds the runtime tables and the program descriptor, and writes the object.
    /// `code` lists the functions of the code-pointer table in order.
    pub fn finish(self, code: &[u32], metadata: &[u8]) -> Result<Vec<u8>> {
        let mut product = self.module.finish();
        let func_symbol = |product: &cranelift_object::ObjectProduct, id: u32| -> SymbolId {
            product.function_symbol(FuncId::from_u32(id))
        };
        let text = product.object.section_id(StandardSection::Text);
        let text_len = product.object.section(text).data().len() as u64;
        let offset_of = |product: &cranelift_object::ObjectProduct, id: u32| -> u32 {
            product.object.symbol(func_symbol(product, id)).value as u32
        };

        let mut traps: Vec<TrapSite> = self
            .traps
            .iter()
            .map(|(id, offset, trap)| TrapSite {
                offset: offset_of(&product, *id) + offset,
                code: trap.code() as u32,
            })
            .collect();
        traps.sort_by_key(|t| t.offset);
        let mut frames: Vec<FrameInfo> = self
            .frames
            .iter()
            .map(|(id, owner)| {
                let sym = product.object.symbol(func_symbol(&product, *id));
                FrameInfo {
                    offset: sym.value as u32,
                    len: sym.size as u32,
                    module: owner.module,
                    func: owner.func,
                }
            })
            .collect();
        frames.sort_by_key(|f| f.offset);

        let obj = &mut product.object;
        let rodata = obj.add_section(
            Vec::new(),
            b".rodata.wasi_aot".to_vec(),
            SectionKind::ReadOnlyData,
        );
        let metadata_at = obj.append_section_data(rodata, metadata, 16);
        let traps_at = obj.append_section_data(rodata, as_bytes(&traps), 8);
        let frames_at = obj.append_section_data(rodata, as_bytes(&frames), 8);

        let relro = obj.add_section(
            Vec::new(),
            b".data.rel.ro.wasi_aot".to_vec(),
            SectionKind::ReadOnlyDataWithRel,
        );
        let code_at = obj.append_section_data(relro, &vec![0u8; code.len() * 8], 8);
        let code_symbols: Vec<SymbolId> =
            code.iter().map(|id| func_symbol(&product, *id)).collect();
        let obj = &mut product.object;
        for (i, symbol) in code_symbols.into_iter().enumerate() {
            add_abs64(obj, relro, code_at + i as u64 * 8, symbol, 0)?;
        }

        let mut descriptor = vec![0u8; ProgramDescriptor::SIZE];
        descriptor[0..4].copy_from_slice(&ABI_VERSION.to_le_bytes());
        descriptor[4..8].copy_from_slice(&METADATA_MAGIC.to_le_bytes());
        let lens = [
            (ProgramDescriptor::METADATA_OFFSET, metadata.len() as u64),
            (ProgramDescriptor::CODE_OFFSET, code.len() as u64),
            (ProgramDescriptor::TEXT_START_OFFSET, text_len),
            (ProgramDescriptor::TRAPS_OFFSET, traps.len() as u64),
            (ProgramDescriptor::FRAMES_OFFSET, frames.len() as u64),
        ];
        for (at, len) in lens {
            let at = at + ProgramDescriptor::LEN_AFTER_PTR;
            descriptor[at..at + 8].copy_from_slice(&len.to_le_bytes());
        }
        let descriptor_at = obj.append_section_data(relro, &descriptor, 16);
        let rodata_sym = obj.section_symbol(rodata);
        let relro_sym = obj.section_symbol(relro);
        let text_sym = obj.section_symbol(text);
        let pointers = [
            (ProgramDescriptor::METADATA_OFFSET, rodata_sym, metadata_at),
            (ProgramDescriptor::CODE_OFFSET, relro_sym, code_at),
            (ProgramDescriptor::TEXT_START_OFFSET, text_sym, 0),
            (ProgramDescriptor::TRAPS_OFFSET, rodata_sym, traps_at),
            (ProgramDescriptor::FRAMES_OFFSET, rodata_sym, frames_at),
        ];
        for (at, symbol, addend) in pointers {
            add_abs64(obj, relro, descriptor_at + at as u64, symbol, addend as i64)?;
        }
        obj.add_symbol(Symbol {
            name: symbols::PROGRAM.as_bytes().to_vec(),
            value: descriptor_at,
            size: ProgramDescriptor::SIZE as u64,
            kind: SymbolKind::Data,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(relro),
            flags: SymbolFlags::None,
        });
        product.emit().map_err(object_error)
    }
}

fn add_abs64(
    obj: &mut object::write::Object<'_>,
    section: object::write::SectionId,
    offset: u64,
    symbol: SymbolId,
    addend: i64,
) -> Result<()> {
    obj.add_relocation(
        section,
        Relocation {
            offset,
            symbol,
            addend,
            flags: RelocationFlags::Generic {
                kind: RelocationKind::Absolute,
                encoding: RelocationEncoding::Generic,
                size: 64,
            },
        },
    )
    .map_err(object_error)
}

/// The bytes of a slice of plain `#[repr(C)]` records without padding.
fn as_bytes<T: Copy>(records: &[T]) -> &[u8] {
    // SAFETY: only called with `TrapSite` and `FrameInfo`, `#[repr(C)]` records of `u32`
    // fields with no padding, so every byte is initialized.
    unsafe { std::slice::from_raw_parts(records.as_ptr().cast(), std::mem::size_of_val(records)) }
}
