//! The module-level pass: parse and validate every section except function bodies, and
//! collect what translation and the runtime metadata need.
//!
//! Function bodies are only located here; each is validated while it is translated, in
//! parallel (see `compile.rs`).

use crate::error::{CompileError, Result};
use crate::index::*;
use cranelift_entity::{EntityRef, PrimaryMap, SecondaryMap};
use std::collections::{BTreeSet, HashMap};
use wasi_aot_abi::metadata::{ConstExpr, ConstOp, HeapType, MemoryType, RefType, TableType};
use wasi_aot_abi::ValType;
use wasmparser::{
    FuncToValidate, FunctionBody, Parser, Payload, TypeRef, ValidPayload, Validator,
    ValidatorResources, WasmFeatures,
};

/// A function signature in abi types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncSig {
    /// Parameters.
    pub params: Vec<ValType>,
    /// Results.
    pub results: Vec<ValType>,
}

/// An import, as declared.
#[derive(Clone, Debug)]
pub struct ImportDecl {
    /// Module name.
    pub module: String,
    /// Field name.
    pub field: String,
    /// Kind and type.
    pub ty: ImportType,
}

/// What an import declares.
#[derive(Clone, Debug)]
pub enum ImportType {
    /// A function of the given type.
    Func(TypeIndex),
    /// A memory.
    Memory(MemoryType),
    /// A table.
    Table(TableType),
    /// A global: value type, full reference type, mutability.
    Global(ValType, Option<RefType>, bool),
    /// An exception tag whose payload has the given function type's parameters.
    Tag(TypeIndex),
}

/// A table declaration.
#[derive(Clone, Debug)]
pub struct TableDecl {
    /// The type.
    pub ty: TableType,
    /// Initializer for defined tables with one.
    pub init: Option<ConstExpr>,
}

/// A global declaration.
#[derive(Clone, Debug)]
pub struct GlobalDecl {
    /// Value type.
    pub ty: ValType,
    /// The reference type in full, concrete types by module type index.
    pub ref_type: Option<RefType>,
    /// Mutable.
    pub mutable: bool,
    /// Initializer of a defined global.
    pub init: Option<ConstExpr>,
}

/// An element segment.
#[derive(Clone, Debug)]
pub struct ElemDecl {
    /// Mode.
    pub mode: wasi_aot_abi::metadata::ElemMode,
    /// Element type.
    pub ty: ValType,
    /// Items.
    pub items: Vec<ConstExpr>,
}

/// A data segment.
#[derive(Clone, Debug)]
pub struct DataDecl<'data> {
    /// Active placement.
    pub active: Option<(MemoryIndex, ConstExpr)>,
    /// Bytes.
    pub bytes: &'data [u8],
}

/// A function body waiting for translation.
pub struct BodyToCompile<'data> {
    /// The body.
    pub body: FunctionBody<'data>,
    /// Its validator.
    pub validator: FuncToValidate<ValidatorResources>,
}

/// Everything known about a module before its functions are translated.
pub struct ModuleInfo<'data> {
    /// Module name from the name section.
    pub name: Option<String>,
    /// Signatures by type index.
    pub types: PrimaryMap<TypeIndex, FuncSig>,
    /// The recursion group of each type: its first type index and its size. Types are
    /// equal across modules only if their whole groups are (iso-recursive equivalence).
    pub rec_groups: SecondaryMap<TypeIndex, (u32, u32)>,
    /// Type of every function, imports first.
    pub funcs: PrimaryMap<FuncIndex, TypeIndex>,
    /// Imports in order.
    pub imports: Vec<ImportDecl>,
    /// Which import each imported function is (index into `imports`).
    pub func_imports: Vec<usize>,
    /// Memories, imports first.
    pub memories: PrimaryMap<MemoryIndex, MemoryType>,
    /// Number of imported memories.
    pub num_imported_memories: u32,
    /// Tables, imports first.
    pub tables: PrimaryMap<TableIndex, TableDecl>,
    /// Number of imported tables.
    pub num_imported_tables: u32,
    /// Globals, imports first.
    pub globals: PrimaryMap<GlobalIndex, GlobalDecl>,
    /// Number of imported globals.
    pub num_imported_globals: u32,
    /// Exception tags (their signature types), imports first.
    pub tags: PrimaryMap<TagIndex, TypeIndex>,
    /// Number of imported tags.
    pub num_imported_tags: u32,
    /// Exports in order.
    pub exports: Vec<(String, wasi_aot_abi::metadata::ExternKind, u32)>,
    /// Start function.
    pub start: Option<FuncIndex>,
    /// Element segments.
    pub elems: PrimaryMap<ElemIndex, ElemDecl>,
    /// Data segments.
    pub data: PrimaryMap<DataIndex, DataDecl<'data>>,
    /// Function bodies of defined functions.
    pub bodies: PrimaryMap<DefinedFuncIndex, BodyToCompile<'data>>,
    /// Names from the name section.
    pub func_names: HashMap<FuncIndex, String>,
    /// Functions that can be referenced as values (exported, in element segments, or
    /// `ref.func` in constant expressions) or are the start function; each gets a funcref
    /// slot.
    pub escaping: BTreeSet<FuncIndex>,
}

impl ModuleInfo<'_> {
    /// Number of imported functions.
    pub fn num_imported_funcs(&self) -> u32 {
        self.func_imports.len() as u32
    }

    /// The defined index of `func`, if it is defined here.
    pub fn defined_func(&self, func: FuncIndex) -> Option<DefinedFuncIndex> {
        let n = self.num_imported_funcs() as usize;
        (func.index() >= n).then(|| DefinedFuncIndex::new(func.index() - n))
    }

    /// The function index of a defined function.
    pub fn func_index(&self, defined: DefinedFuncIndex) -> FuncIndex {
        FuncIndex::new(defined.index() + self.num_imported_funcs() as usize)
    }

    /// The signature of `func`.
    pub fn func_sig(&self, func: FuncIndex) -> &FuncSig {
        &self.types[self.funcs[func]]
    }

    /// A name for diagnostics: the name section's, else the index.
    pub fn func_display_name(&self, func: FuncIndex) -> String {
        match self.func_names.get(&func) {
            Some(name) => format!("{} (`{name}`)", func.index()),
            None => func.index().to_string(),
        }
    }
}

/// The import names of the module `wasm`, in order, read from its import section alone.
pub fn import_names(wasm: &[u8]) -> Result<Vec<(String, String)>> {
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import?;
                    names.push((import.module.to_string(), import.name.to_string()));
                }
            }
            // Imports precede everything that follows the code section start.
            wasmparser::Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    Ok(names)
}

/// Converts a wasmparser value type.
pub fn val_type(ty: wasmparser::ValType) -> Result<ValType> {
    use wasmparser::ValType as W;
    Ok(match ty {
        W::I32 => ValType::I32,
        W::I64 => ValType::I64,
        W::F32 => ValType::F32,
        W::F64 => ValType::F64,
        W::V128 => ValType::V128,
        W::Ref(r) => ref_type(r)?,
    })
}

/// Converts a wasmparser reference type. Function references of any type (typed
/// function references included) are funcref pointers; GC references are rejected.
pub fn ref_type(r: wasmparser::RefType) -> Result<ValType> {
    use wasmparser::{AbstractHeapType as A, HeapType};
    match r.heap_type() {
        HeapType::Abstract { shared: false, ty } => match ty {
            A::Func | A::NoFunc => Ok(ValType::FuncRef),
            A::Extern | A::NoExtern => Ok(ValType::ExternRef),
            A::Exn | A::NoExn => Ok(ValType::ExnRef),
            other => Err(CompileError::Unsupported(format!(
                "GC reference type `{other:?}`: the GC proposal is not supported"
            ))),
        },
        HeapType::Concrete(_) | HeapType::Exact(_) => Ok(ValType::FuncRef),
        other => Err(CompileError::Unsupported(format!(
            "reference type `{other:?}`: shared and GC references are not supported"
        ))),
    }
}

fn memory_type(m: wasmparser::MemoryType) -> MemoryType {
    MemoryType {
        min: m.initial,
        max: m.maximum,
        shared: m.shared,
        memory64: m.memory64,
    }
}

/// The full reference type, with concrete types as module type indices (`program.rs`
/// makes them canonical).
pub fn full_ref_type(r: wasmparser::RefType) -> Result<RefType> {
    use wasmparser::{AbstractHeapType as A, HeapType as H};
    ref_type(r)?;
    let heap = match r.heap_type() {
        H::Concrete(i) | H::Exact(i) => {
            HeapType::Concrete(i.as_module_index().ok_or_else(|| {
                CompileError::Unsupported("rec-group-relative type reference".into())
            })?)
        }
        H::Abstract { ty, .. } => match ty {
            A::Func => HeapType::Func,
            A::NoFunc => HeapType::NoFunc,
            A::Extern => HeapType::Extern,
            A::NoExtern => HeapType::NoExtern,
            A::Exn => HeapType::Exn,
            A::NoExn => HeapType::NoExn,
            _ => unreachable!("ref_type rejected other heap types"),
        },
    };
    Ok(RefType {
        nullable: r.is_nullable(),
        heap,
    })
}

/// The full reference type of a value type, if it is a reference.
fn full_val_ref_type(ty: wasmparser::ValType) -> Result<Option<RefType>> {
    match ty {
        wasmparser::ValType::Ref(r) => Ok(Some(full_ref_type(r)?)),
        _ => Ok(None),
    }
}

fn table_type(t: wasmparser::TableType) -> Result<TableType> {
    Ok(TableType {
        ref_type: full_ref_type(t.element_type)?,
        elem: ref_type(t.element_type)?,
        min: t.initial,
        max: t.maximum,
    })
}

/// Converts a constant expression to the runtime's form.
pub fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
    use wasmparser::Operator as O;
    let mut ops = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let op = reader.read()?;
        ops.push(match op {
            O::I32Const { value } => ConstOp::I32Const(value),
            O::I64Const { value } => ConstOp::I64Const(value),
            O::F32Const { value } => ConstOp::F32Const(value.bits()),
            O::F64Const { value } => ConstOp::F64Const(value.bits()),
            O::V128Const { value } => ConstOp::V128Const(value.i128() as u128),
            O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            O::RefNull { hty } => {
                ConstOp::RefNull(ref_type(wasmparser::RefType::new(true, hty).ok_or_else(
                    || CompileError::Unsupported("reference type in constant expression".into()),
                )?)?)
            }
            O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            O::I32Add => ConstOp::I32Add,
            O::I32Sub => ConstOp::I32Sub,
            O::I32Mul => ConstOp::I32Mul,
            O::I64Add => ConstOp::I64Add,
            O::I64Sub => ConstOp::I64Sub,
            O::I64Mul => ConstOp::I64Mul,
            O::End => continue,
            other => {
                return Err(CompileError::Unsupported(format!(
                    "operator {other:?} in a constant expression"
                )))
            }
        });
    }
    Ok(ConstExpr { ops })
}

/// Parses and validates `wasm` (everything but function bodies).
pub fn parse(wasm: &[u8], features: WasmFeatures) -> Result<ModuleInfo<'_>> {
    if !wasm.starts_with(b"\0asm") {
        return Err(CompileError::Invalid(
            "not a WebAssembly binary: bad magic number (at offset 0x0)".into(),
        ));
    }
    let mut validator = Validator::new_with_features(features);
    let mut info = ModuleInfo {
        name: None,
        types: PrimaryMap::new(),
        rec_groups: SecondaryMap::new(),
        funcs: PrimaryMap::new(),
        imports: Vec::new(),
        func_imports: Vec::new(),
        memories: PrimaryMap::new(),
        num_imported_memories: 0,
        tables: PrimaryMap::new(),
        num_imported_tables: 0,
        globals: PrimaryMap::new(),
        num_imported_globals: 0,
        tags: PrimaryMap::new(),
        num_imported_tags: 0,
        exports: Vec::new(),
        start: None,
        elems: PrimaryMap::new(),
        data: PrimaryMap::new(),
        bodies: PrimaryMap::new(),
        func_names: HashMap::new(),
        escaping: BTreeSet::new(),
    };
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        if let Payload::MemorySection(reader) = &payload {
            let range = reader.range();
            let section = wasm
                .get(range.start as usize..range.end as usize)
                .ok_or_else(|| CompileError::Invalid("memory section out of bounds".into()))?;
            if !features.memory64() {
                check_memory_limits_encoding(section, range.start)?;
            }
        }
        match validator.payload(&payload)? {
            ValidPayload::Ok | ValidPayload::End(_) => {}
            ValidPayload::Func(validator, body) => {
                info.bodies.push(BodyToCompile { body, validator });
                continue;
            }
            ValidPayload::Parser(_) => {
                return Err(CompileError::Unsupported(
                    "nested modules or components inside a core module".into(),
                ))
            }
        }
        read_payload(&mut info, payload)?;
    }
    Ok(info)
}

fn read_payload<'data>(info: &mut ModuleInfo<'data>, payload: Payload<'data>) -> Result<()> {
    use wasi_aot_abi::metadata::{ElemMode, ExternKind};
    match payload {
        Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
            return Err(CompileError::Unsupported(
                "components are not supported yet".into(),
            ))
        }
        Payload::TypeSection(reader) => {
            for group in reader {
                let group = group?;
                let start = info.types.len() as u32;
                let len = group.types().len() as u32;
                for i in 0..len {
                    info.rec_groups[TypeIndex::from_u32(start + i)] = (start, len);
                }
                for sub in group.into_types() {
                    match &sub.composite_type.inner {
                        wasmparser::CompositeInnerType::Func(f) => {
                            let params = f
                                .params()
                                .iter()
                                .map(|t| val_type(*t))
                                .collect::<Result<_>>()?;
                            let results = f
                                .results()
                                .iter()
                                .map(|t| val_type(*t))
                                .collect::<Result<_>>()?;
                            info.types.push(FuncSig { params, results });
                        }
                        _ => {
                            return Err(CompileError::Unsupported(
                                "GC struct/array types are not supported".into(),
                            ))
                        }
                    }
                }
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.into_imports() {
                let import = import?;
                let ty = match import.ty {
                    TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                        info.func_imports.push(info.imports.len());
                        info.funcs.push(TypeIndex::from_u32(t));
                        ImportType::Func(TypeIndex::from_u32(t))
                    }
                    TypeRef::Memory(m) => {
                        info.num_imported_memories += 1;
                        info.memories.push(memory_type(m));
                        ImportType::Memory(memory_type(m))
                    }
                    TypeRef::Table(t) => {
                        info.num_imported_tables += 1;
                        let ty = table_type(t)?;
                        info.tables.push(TableDecl { ty, init: None });
                        ImportType::Table(ty)
                    }
                    TypeRef::Global(g) => {
                        info.num_imported_globals += 1;
                        let ty = val_type(g.content_type)?;
                        let ref_type = full_val_ref_type(g.content_type)?;
                        info.globals.push(GlobalDecl {
                            ty,
                            ref_type,
                            mutable: g.mutable,
                            init: None,
                        });
                        ImportType::Global(ty, ref_type, g.mutable)
                    }
                    TypeRef::Tag(tag) => {
                        let ty = TypeIndex::from_u32(tag.func_type_idx);
                        info.num_imported_tags += 1;
                        info.tags.push(ty);
                        ImportType::Tag(ty)
                    }
                };
                info.imports.push(ImportDecl {
                    module: import.module.to_string(),
                    field: import.name.to_string(),
                    ty,
                });
            }
        }
        Payload::FunctionSection(reader) => {
            for ty in reader {
                info.funcs.push(TypeIndex::from_u32(ty?));
            }
        }
        Payload::TableSection(reader) => {
            for table in reader {
                let table = table?;
                let init = match &table.init {
                    wasmparser::TableInit::RefNull => None,
                    wasmparser::TableInit::Expr(e) => Some(const_expr(e)?),
                };
                if let Some(init) = &init {
                    note_ref_funcs(&mut info.escaping, init);
                }
                info.tables.push(TableDecl {
                    ty: table_type(table.ty)?,
                    init,
                });
            }
        }
        Payload::MemorySection(reader) => {
            for memory in reader {
                info.memories.push(memory_type(memory?));
            }
        }
        Payload::GlobalSection(reader) => {
            for global in reader {
                let global = global?;
                let init = const_expr(&global.init_expr)?;
                note_ref_funcs(&mut info.escaping, &init);
                info.globals.push(GlobalDecl {
                    ty: val_type(global.ty.content_type)?,
                    ref_type: full_val_ref_type(global.ty.content_type)?,
                    mutable: global.ty.mutable,
                    init: Some(init),
                });
            }
        }
        Payload::ExportSection(reader) => {
            for export in reader {
                let export = export?;
                let kind = match export.kind {
                    wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                        info.escaping.insert(FuncIndex::from_u32(export.index));
                        ExternKind::Func
                    }
                    wasmparser::ExternalKind::Memory => ExternKind::Memory,
                    wasmparser::ExternalKind::Table => ExternKind::Table,
                    wasmparser::ExternalKind::Global => ExternKind::Global,
                    wasmparser::ExternalKind::Tag => ExternKind::Tag,
                };
                info.exports
                    .push((export.name.to_string(), kind, export.index));
            }
        }
        Payload::StartSection { func, .. } => {
            // The runtime calls the start function through its funcref.
            info.start = Some(FuncIndex::from_u32(func));
            info.escaping.insert(FuncIndex::from_u32(func));
        }
        Payload::ElementSection(reader) => {
            for elem in reader {
                let elem = elem?;
                let (ty, items) = match elem.items {
                    wasmparser::ElementItems::Functions(funcs) => {
                        let mut items = Vec::new();
                        for f in funcs {
                            let f = f?;
                            info.escaping.insert(FuncIndex::from_u32(f));
                            items.push(ConstExpr {
                                ops: vec![ConstOp::RefFunc(f)],
                            });
                        }
                        (ValType::FuncRef, items)
                    }
                    wasmparser::ElementItems::Expressions(ty, exprs) => {
                        let mut items = Vec::new();
                        for e in exprs {
                            let e = const_expr(&e?)?;
                            note_ref_funcs(&mut info.escaping, &e);
                            items.push(e);
                        }
                        (ref_type(ty)?, items)
                    }
                };
                let mode = match elem.kind {
                    wasmparser::ElementKind::Passive => ElemMode::Passive,
                    wasmparser::ElementKind::Declared => ElemMode::Declared,
                    wasmparser::ElementKind::Active {
                        table_index,
                        offset_expr,
                    } => ElemMode::Active {
                        table: table_index.unwrap_or(0),
                        offset: const_expr(&offset_expr)?,
                    },
                };
                info.elems.push(ElemDecl { mode, ty, items });
            }
        }
        Payload::DataSection(reader) => {
            for data in reader {
                let data = data?;
                let active = match data.kind {
                    wasmparser::DataKind::Passive => None,
                    wasmparser::DataKind::Active {
                        memory_index,
                        offset_expr,
                    } => Some((
                        MemoryIndex::from_u32(memory_index),
                        const_expr(&offset_expr)?,
                    )),
                };
                info.data.push(DataDecl {
                    active,
                    bytes: data.data,
                });
            }
        }
        Payload::CustomSection(reader) => {
            if let wasmparser::KnownCustom::Name(names) = reader.as_known() {
                // A malformed name section is ignored, as the spec requires.
                let _ = read_names(info, names);
            }
        }
        Payload::TagSection(reader) => {
            for tag in reader {
                info.tags.push(TypeIndex::from_u32(tag?.func_type_idx));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Without memory64, memory limits are `u32` LEBs of at most 5 bytes; wasmparser reads
/// them as `u64` whatever the features, so the 2.0 rule is checked here.
fn check_memory_limits_encoding(section: &[u8], offset: u64) -> Result<()> {
    let mut r = wasmparser::BinaryReader::new(section, offset);
    let count = r.read_var_u32()?;
    for _ in 0..count {
        let flags = r.read_u8()?;
        let fields = if flags & 1 != 0 { 2 } else { 1 };
        for _ in 0..fields {
            let start = r.original_position();
            r.read_var_u32().map_err(|_| {
                CompileError::Invalid(format!(
                    "integer representation too long (at offset 0x{start:x})"
                ))
            })?;
        }
    }
    Ok(())
}

fn note_ref_funcs(escaping: &mut BTreeSet<FuncIndex>, expr: &ConstExpr) {
    for op in &expr.ops {
        if let ConstOp::RefFunc(f) = op {
            escaping.insert(FuncIndex::from_u32(*f));
        }
    }
}

fn read_names(info: &mut ModuleInfo<'_>, names: wasmparser::NameSectionReader<'_>) -> Result<()> {
    for name in names {
        match name? {
            wasmparser::Name::Module { name, .. } => info.name = Some(name.to_string()),
            wasmparser::Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    info.func_names
                        .insert(FuncIndex::from_u32(naming.index), naming.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(())
}
