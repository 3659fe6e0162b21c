//! The program description the compiler writes into the object and the runtime reads at
//! start.
//!
//! The object exports one [`ProgramDescriptor`] under [`crate::symbols::PROGRAM`]. It points
//! at a metadata blob (a [`Program`] in the encoding of this module), a table of code
//! pointers the blob refers to by index, and the trap and function-address tables of the
//! compiled text. Data-segment bytes stay in the blob: decoding borrows them, never copies.

use crate::{MemoryStrategy, ValType, ABI_VERSION};

/// The root record in the object, found by symbol.
#[repr(C)]
#[derive(Debug)]
pub struct ProgramDescriptor {
    /// Must equal [`ABI_VERSION`].
    pub abi_version: u32,
    /// Hash of the metadata encoding's shape ([`METADATA_MAGIC`]).
    pub magic: u32,
    /// The encoded [`Program`].
    pub metadata: *const u8,
    /// Its length.
    pub metadata_len: usize,
    /// Code addresses referred to by index from the metadata.
    pub code: *const *const u8,
    /// Number of code addresses.
    pub code_len: usize,
    /// First byte of the compiled wasm text.
    pub text_start: *const u8,
    /// Length of the compiled wasm text.
    pub text_len: usize,
    /// Trap sites sorted by offset.
    pub traps: *const TrapSite,
    /// Number of trap sites.
    pub traps_len: usize,
    /// Function address ranges sorted by offset, for backtraces.
    pub frames: *const FrameInfo,
    /// Number of frame records.
    pub frames_len: usize,
}

/// Identifies the encoding of this module's records; bump with any change below.
pub const METADATA_MAGIC: u32 = 0x5741_0005;

impl ProgramDescriptor {
    /// Size of the record as emitted by the compiler.
    pub const SIZE: usize = core::mem::size_of::<ProgramDescriptor>();
    /// Offsets of the pointer fields, which the compiler fills with relocations.
    pub const METADATA_OFFSET: usize = core::mem::offset_of!(ProgramDescriptor, metadata);
    /// See [`Self::METADATA_OFFSET`].
    pub const CODE_OFFSET: usize = core::mem::offset_of!(ProgramDescriptor, code);
    /// See [`Self::METADATA_OFFSET`].
    pub const TEXT_START_OFFSET: usize = core::mem::offset_of!(ProgramDescriptor, text_start);
    /// See [`Self::METADATA_OFFSET`].
    pub const TRAPS_OFFSET: usize = core::mem::offset_of!(ProgramDescriptor, traps);
    /// See [`Self::METADATA_OFFSET`].
    pub const FRAMES_OFFSET: usize = core::mem::offset_of!(ProgramDescriptor, frames);
    /// Offset of the length following each pointer field.
    pub const LEN_AFTER_PTR: usize = 8;
}

/// A trapping instruction: offset from `text_start` and its [`crate::Trap`] code.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapSite {
    /// Offset of the instruction from the start of the text.
    pub offset: u32,
    /// [`crate::Trap::code`].
    pub code: u32,
}

/// A compiled function's address range.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Offset of the function's first byte from `text_start`.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
    /// Module index in [`Program::modules`].
    pub module: u32,
    /// Function index in the module's function index space (`u32::MAX` for trampolines).
    pub func: u32,
}

/// How the runtime drives the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramKind {
    /// A WASI command: instantiate the last module and call its `_start`.
    Command,
    /// A script of commands read from stdin (the spec harness).
    Script,
    /// A component: instantiate its core instances as [`Program::component`] plans, then
    /// call its `wasi:cli/run` export.
    Component,
    /// A component driven by a script of calls of its exports read from stdin (the
    /// component-model test harness).
    ComponentScript,
    /// A component of the `wasi:http/proxy` world: an HTTP server on
    /// [`WasiPolicy::listen`] that instantiates the plan afresh for every request and calls
    /// its `wasi:http/incoming-handler` export.
    HttpProxy,
}

/// The whole program.
#[derive(Clone, Debug, PartialEq)]
pub struct Program<'a> {
    /// How to run it.
    pub kind: ProgramKind,
    /// Memory strategy the code was compiled for.
    pub strategy: MemoryStrategy,
    /// Canonical function types, indexed by type id.
    pub types: Vec<FuncType>,
    /// Core modules in instantiation order.
    pub modules: Vec<Module<'a>>,
    /// WASI sandbox policy baked in at build time.
    pub wasi: WasiPolicy,
    /// The instantiation plan, for a [`ProgramKind::Component`].
    pub component: Option<Component>,
}

/// A canonical function type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// Parameters.
    pub params: Vec<ValType>,
    /// Results.
    pub results: Vec<ValType>,
    /// Code-table index of the array-call trampoline, if the program needs one.
    pub trampoline: Option<u32>,
}

/// Sandbox policy for WASI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct WasiPolicy {
    /// Environment variables baked in (`KEY=VALUE`).
    pub env: Vec<String>,
    /// Whether the host environment is passed through at run time.
    pub inherit_env: bool,
    /// Preopened directories, in guest descriptor order: host path (a relative one is resolved
    /// against the working directory at run time), guest path.
    pub dirs: Vec<(String, String)>,
    /// Preopened listening TCP sockets (`IP:PORT`), bound at run time; their descriptors
    /// follow the preopened directories.
    pub tcp_listen: Vec<String>,
    /// The network policy: whether the guest may use the whole network (`--allow-net`).
    pub allow_net: bool,
    /// Rules ([`crate::net_policy::NetRule`]) for the addresses TCP sockets may connect to.
    pub tcp_connect: Vec<String>,
    /// Rules for the local addresses TCP sockets may bind to and listen on.
    pub tcp_listen_rules: Vec<String>,
    /// Rules for the local addresses UDP sockets may bind to and the remote addresses they
    /// may send to.
    pub udp: Vec<String>,
    /// Whether the guest may resolve any host name (names in `tcp_connect` rules are always
    /// resolvable).
    pub name_lookup: bool,
    /// For an HTTP proxy, the address it listens on (`IP:PORT`); the environment variable
    /// `WASI_AOT_LISTEN` overrides it at run time.
    pub listen: Option<String>,
    /// Certificates (DER) that https requests trust besides the compiled-in Mozilla roots
    /// (`--tls-ca`), each checked to be a usable trust anchor at build time.
    pub tls_roots: Vec<Vec<u8>>,
}

/// One core module.
#[derive(Clone, Debug, PartialEq)]
pub struct Module<'a> {
    /// Name for diagnostics (the name section's module name, or the input file).
    pub name: String,
    /// vmctx counts.
    pub counts: crate::vmctx::VmCounts,
    /// Imports in order.
    pub imports: Vec<Import>,
    /// Type id of every function, imports first.
    pub func_types: Vec<u32>,
    /// Code-table index of each function's wasm-ABI code (defined functions and host
    /// adapters); `None` for instance imports.
    pub func_code: Vec<Option<u32>>,
    /// Function names from the name section.
    pub func_names: Vec<(u32, String)>,
    /// Defined memories.
    pub memories: Vec<MemoryType>,
    /// Defined tables.
    pub tables: Vec<Table>,
    /// Defined globals.
    pub globals: Vec<Global>,
    /// The function index behind each funcref slot, ascending.
    pub funcrefs: Vec<u32>,
    /// Type id of each defined exception tag.
    pub tags: Vec<u32>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Data segments.
    pub data: Vec<DataSegment<'a>>,
    /// Element segments.
    pub elems: Vec<ElemSegment>,
    /// Start function.
    pub start: Option<u32>,
}

/// An import.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub field: String,
    /// What is imported.
    pub kind: ImportKind,
}

/// What an import is.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportKind {
    /// A function from another instance, in the given vmctx slot.
    Func {
        /// Type id.
        type_id: u32,
    },
    /// A host function resolved at build time (called directly; no vmctx slot).
    HostFunc {
        /// Type id.
        type_id: u32,
    },
    /// A memory.
    Memory(MemoryType),
    /// A table.
    Table(TableType),
    /// A global.
    Global(GlobalType),
    /// An exception tag.
    Tag {
        /// Type id of its payload signature.
        type_id: u32,
    },
}

/// Memory limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryType {
    /// Minimum pages.
    pub min: u64,
    /// Maximum pages.
    pub max: Option<u64>,
    /// Shared memory (threads proposal).
    pub shared: bool,
    /// 64-bit addresses.
    pub memory64: bool,
}

/// Table type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableType {
    /// Element type.
    pub elem: ValType,
    /// The element type in full, for import checks.
    pub ref_type: RefType,
    /// Minimum elements.
    pub min: u64,
    /// Maximum elements.
    pub max: Option<u64>,
}

/// A reference type in full (typed function references), for import type checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefType {
    /// Whether null is a value of the type.
    pub nullable: bool,
    /// What it references.
    pub heap: HeapType,
}

/// The heap type of a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any external value.
    Extern,
    /// Any exception.
    Exn,
    /// No function (the bottom of the function hierarchy).
    NoFunc,
    /// No external value.
    NoExtern,
    /// No exception.
    NoExn,
    /// Functions of the canonical type id.
    Concrete(u32),
}

impl RefType {
    /// Whether every value of `self` is a value of `other` (no GC subtyping: concrete
    /// function types are related only to themselves and to `func`/`nofunc`).
    pub fn is_subtype_of(&self, other: &RefType) -> bool {
        use HeapType::*;
        let heap = match (self.heap, other.heap) {
            (a, b) if a == b => true,
            (Concrete(_) | NoFunc, Func) | (NoFunc, Concrete(_)) => true,
            (NoExtern, Extern) | (NoExn, Exn) => true,
            _ => false,
        };
        heap && (other.nullable || !self.nullable)
    }
}

/// A defined table with its optional initializer (function-references proposal).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Its type.
    pub ty: TableType,
    /// Initial value of every element (null when absent).
    pub init: Option<ConstExpr>,
}

/// Global type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    /// Value type.
    pub ty: ValType,
    /// The reference type in full, for reference-typed globals.
    pub ref_type: Option<RefType>,
    /// Mutability.
    pub mutable: bool,
}

/// A defined global.
#[derive(Clone, Debug, PartialEq)]
pub struct Global {
    /// Its type.
    pub ty: GlobalType,
    /// Initializer.
    pub init: ConstExpr,
}

/// An export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// What is exported.
    pub kind: ExternKind,
    /// Index in the corresponding index space.
    pub index: u32,
}

/// Kinds of external values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExternKind {
    /// Function.
    Func = 0,
    /// Memory.
    Memory = 1,
    /// Table.
    Table = 2,
    /// Global.
    Global = 3,
    /// Tag (exceptions).
    Tag = 4,
}

/// A data segment.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSegment<'a> {
    /// Active placement, or `None` for passive.
    pub active: Option<(u32, ConstExpr)>,
    /// Contents.
    pub bytes: &'a [u8],
}

/// An element segment.
#[derive(Clone, Debug, PartialEq)]
pub struct ElemSegment {
    /// How the segment is used.
    pub mode: ElemMode,
    /// Element type.
    pub ty: ValType,
    /// Items.
    pub items: Vec<ConstExpr>,
}

/// Element segment mode.
#[derive(Clone, Debug, PartialEq)]
pub enum ElemMode {
    /// Copied into `table` at `offset` during instantiation, then dropped.
    Active {
        /// Table index.
        table: u32,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Available to `table.init`.
    Passive,
    /// Only declares functions for `ref.func`; dropped at instantiation.
    Declared,
}

/// A constant expression (global initializers, segment offsets, element items).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConstExpr {
    /// Operators, evaluated on a stack.
    pub ops: Vec<ConstOp>,
}

/// Constant-expression operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstOp {
    /// Push an i32.
    I32Const(i32),
    /// Push an i64.
    I64Const(i64),
    /// Push f32 bits.
    F32Const(u32),
    /// Push f64 bits.
    F64Const(u64),
    /// Push a v128.
    V128Const(u128),
    /// Push a global's value.
    GlobalGet(u32),
    /// Push a null reference.
    RefNull(ValType),
    /// Push a function reference.
    RefFunc(u32),
    /// i32 arithmetic (extended-const).
    I32Add,
    /// See [`ConstOp::I32Add`].
    I32Sub,
    /// See [`ConstOp::I32Add`].
    I32Mul,
    /// i64 arithmetic (extended-const).
    I64Add,
    /// See [`ConstOp::I64Add`].
    I64Sub,
    /// See [`ConstOp::I64Add`].
    I64Mul,
}

/// Decoding failed: the blob is not what this runtime understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset where decoding failed.
    pub offset: usize,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "malformed program metadata at byte {}", self.offset)
    }
}

impl Program<'_> {
    /// Encodes the program.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        self.write(&mut w);
        w.0
    }
}

impl<'a> Program<'a> {
    /// Decodes a program, borrowing data-segment bytes from `bytes`.
    pub fn decode(bytes: &'a [u8]) -> Result<Program<'a>, DecodeError> {
        let mut r = Reader { bytes, pos: 0 };
        let program = Program::read(&mut r)?;
        if r.pos != bytes.len() {
            return Err(r.error());
        }
        Ok(program)
    }
}

struct Writer(Vec<u8>);

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.0.extend_from_slice(v);
    }
}

impl<'a> Reader<'a> {
    fn error(&self) -> DecodeError {
        DecodeError { offset: self.pos }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(self.error())?;
        let slice = self.bytes.get(self.pos..end).ok_or(self.error())?;
        self.pos = end;
        Ok(slice)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// Binary encoding of a metadata record.
trait Codec<'a>: Sized {
    fn write(&self, w: &mut Writer);
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError>;
}

impl Codec<'_> for u8 {
    fn write(&self, w: &mut Writer) {
        w.u8(*self)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u8()
    }
}

impl Codec<'_> for u32 {
    fn write(&self, w: &mut Writer) {
        w.u32(*self)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u32()
    }
}

impl Codec<'_> for u64 {
    fn write(&self, w: &mut Writer) {
        w.u64(*self)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u64()
    }
}

impl Codec<'_> for bool {
    fn write(&self, w: &mut Writer) {
        w.u8(*self as u8)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(r.error()),
        }
    }
}

impl Codec<'_> for String {
    fn write(&self, w: &mut Writer) {
        w.bytes(self.as_bytes())
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let bytes = r.bytes()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| r.error())
    }
}

impl<'a> Codec<'a> for &'a [u8] {
    fn write(&self, w: &mut Writer) {
        w.bytes(self)
    }
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        r.bytes()
    }
}

impl Codec<'_> for ValType {
    fn write(&self, w: &mut Writer) {
        w.u8(*self as u8)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        ValType::from_u8(r.u8()?).ok_or(r.error())
    }
}

impl<'a, T: Codec<'a>> Codec<'a> for Vec<T> {
    fn write(&self, w: &mut Writer) {
        w.u32(self.len() as u32);
        for item in self {
            item.write(w);
        }
    }
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let n = r.u32()? as usize;
        // Every record takes at least one byte, which bounds a corrupt length.
        if n > r.bytes.len() - r.pos {
            return Err(r.error());
        }
        (0..n).map(|_| T::read(r)).collect()
    }
}

impl<'a, T: Codec<'a>> Codec<'a> for Option<T> {
    fn write(&self, w: &mut Writer) {
        match self {
            None => w.u8(0),
            Some(v) => {
                w.u8(1);
                v.write(w);
            }
        }
    }
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(None),
            1 => Ok(Some(T::read(r)?)),
            _ => Err(r.error()),
        }
    }
}

impl<'a, A: Codec<'a>, B: Codec<'a>> Codec<'a> for (A, B) {
    fn write(&self, w: &mut Writer) {
        self.0.write(w);
        self.1.write(w);
    }
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok((A::read(r)?, B::read(r)?))
    }
}

/// Implements [`Codec`] for a struct field by field.
macro_rules! codec_struct {
    ($ty:ident $(<$lt:lifetime>)? { $($field:ident),* $(,)? }) => {
        impl<'a> Codec<'a> for $ty $(<$lt>)? {
            fn write(&self, w: &mut Writer) {
                $(self.$field.write(w);)*
            }
            fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                Ok($ty { $($field: Codec::read(r)?),* })
            }
        }
    };
}

mod component;
pub use component::*;

codec_struct!(Program<'a> {
    kind,
    strategy,
    types,
    modules,
    wasi,
    component
});
codec_struct!(FuncType {
    params,
    results,
    trampoline
});
codec_struct!(WasiPolicy {
    env,
    inherit_env,
    dirs,
    tcp_listen,
    allow_net,
    tcp_connect,
    tcp_listen_rules,
    udp,
    name_lookup,
    listen,
    tls_roots
});
codec_struct!(Module<'a> {
    name, counts, imports, func_types, func_code, func_names, memories, tables, globals,
    funcrefs, tags, exports, data, elems, start,
});
codec_struct!(Import {
    module,
    field,
    kind
});
codec_struct!(MemoryType {
    min,
    max,
    shared,
    memory64
});
codec_struct!(TableType {
    elem,
    ref_type,
    min,
    max
});
codec_struct!(RefType { nullable, heap });
codec_struct!(Table { ty, init });
codec_struct!(GlobalType {
    ty,
    ref_type,
    mutable
});
codec_struct!(Global { ty, init });
codec_struct!(Export { name, kind, index });
codec_struct!(DataSegment<'a> { active, bytes });
codec_struct!(ElemSegment { mode, ty, items });
codec_struct!(ConstExpr { ops });

impl Codec<'_> for MemoryStrategy {
    fn write(&self, w: &mut Writer) {
        w.u64(self.reservation)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MemoryStrategy {
            reservation: r.u64()?,
        })
    }
}

impl Codec<'_> for crate::vmctx::VmCounts {
    fn write(&self, w: &mut Writer) {
        for v in [
            self.imported_funcs,
            self.imported_memories,
            self.imported_tables,
            self.imported_globals,
            self.defined_memories,
            self.defined_tables,
            self.defined_globals,
            self.funcrefs,
            self.tags,
        ] {
            w.u32(v);
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(crate::vmctx::VmCounts {
            imported_funcs: r.u32()?,
            imported_memories: r.u32()?,
            imported_tables: r.u32()?,
            imported_globals: r.u32()?,
            defined_memories: r.u32()?,
            defined_tables: r.u32()?,
            defined_globals: r.u32()?,
            funcrefs: r.u32()?,
            tags: r.u32()?,
        })
    }
}

impl Codec<'_> for ProgramKind {
    fn write(&self, w: &mut Writer) {
        w.u8(match self {
            ProgramKind::Command => 0,
            ProgramKind::Script => 1,
            ProgramKind::Component => 2,
            ProgramKind::ComponentScript => 3,
            ProgramKind::HttpProxy => 4,
        })
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(ProgramKind::Command),
            1 => Ok(ProgramKind::Script),
            2 => Ok(ProgramKind::Component),
            3 => Ok(ProgramKind::ComponentScript),
            4 => Ok(ProgramKind::HttpProxy),
            _ => Err(r.error()),
        }
    }
}

impl Codec<'_> for HeapType {
    fn write(&self, w: &mut Writer) {
        match *self {
            HeapType::Func => w.u8(0),
            HeapType::Extern => w.u8(1),
            HeapType::Exn => w.u8(2),
            HeapType::NoFunc => w.u8(3),
            HeapType::NoExtern => w.u8(4),
            HeapType::NoExn => w.u8(5),
            HeapType::Concrete(id) => {
                w.u8(6);
                w.u32(id);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => HeapType::Func,
            1 => HeapType::Extern,
            2 => HeapType::Exn,
            3 => HeapType::NoFunc,
            4 => HeapType::NoExtern,
            5 => HeapType::NoExn,
            6 => HeapType::Concrete(r.u32()?),
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for ExternKind {
    fn write(&self, w: &mut Writer) {
        w.u8(*self as u8)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => ExternKind::Func,
            1 => ExternKind::Memory,
            2 => ExternKind::Table,
            3 => ExternKind::Global,
            4 => ExternKind::Tag,
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for ImportKind {
    fn write(&self, w: &mut Writer) {
        match self {
            ImportKind::Func { type_id } => {
                w.u8(0);
                w.u32(*type_id);
            }
            ImportKind::HostFunc { type_id } => {
                w.u8(1);
                w.u32(*type_id);
            }
            ImportKind::Memory(m) => {
                w.u8(2);
                m.write(w);
            }
            ImportKind::Table(t) => {
                w.u8(3);
                t.write(w);
            }
            ImportKind::Global(g) => {
                w.u8(4);
                g.write(w);
            }
            ImportKind::Tag { type_id } => {
                w.u8(5);
                w.u32(*type_id);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => ImportKind::Func { type_id: r.u32()? },
            1 => ImportKind::HostFunc { type_id: r.u32()? },
            2 => ImportKind::Memory(Codec::read(r)?),
            3 => ImportKind::Table(Codec::read(r)?),
            4 => ImportKind::Global(Codec::read(r)?),
            5 => ImportKind::Tag { type_id: r.u32()? },
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for ElemMode {
    fn write(&self, w: &mut Writer) {
        match self {
            ElemMode::Active { table, offset } => {
                w.u8(0);
                w.u32(*table);
                offset.write(w);
            }
            ElemMode::Passive => w.u8(1),
            ElemMode::Declared => w.u8(2),
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => ElemMode::Active {
                table: r.u32()?,
                offset: Codec::read(r)?,
            },
            1 => ElemMode::Passive,
            2 => ElemMode::Declared,
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for ConstOp {
    fn write(&self, w: &mut Writer) {
        match *self {
            ConstOp::I32Const(v) => {
                w.u8(0);
                w.u32(v as u32);
            }
            ConstOp::I64Const(v) => {
                w.u8(1);
                w.u64(v as u64);
            }
            ConstOp::F32Const(v) => {
                w.u8(2);
                w.u32(v);
            }
            ConstOp::F64Const(v) => {
                w.u8(3);
                w.u64(v);
            }
            ConstOp::V128Const(v) => {
                w.u8(4);
                w.u64(v as u64);
                w.u64((v >> 64) as u64);
            }
            ConstOp::GlobalGet(i) => {
                w.u8(5);
                w.u32(i);
            }
            ConstOp::RefNull(ty) => {
                w.u8(6);
                ty.write(w);
            }
            ConstOp::RefFunc(i) => {
                w.u8(7);
                w.u32(i);
            }
            ConstOp::I32Add => w.u8(8),
            ConstOp::I32Sub => w.u8(9),
            ConstOp::I32Mul => w.u8(10),
            ConstOp::I64Add => w.u8(11),
            ConstOp::I64Sub => w.u8(12),
            ConstOp::I64Mul => w.u8(13),
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => ConstOp::I32Const(r.u32()? as i32),
            1 => ConstOp::I64Const(r.u64()? as i64),
            2 => ConstOp::F32Const(r.u32()?),
            3 => ConstOp::F64Const(r.u64()?),
            4 => {
                let lo = r.u64()? as u128;
                let hi = r.u64()? as u128;
                ConstOp::V128Const(lo | (hi << 64))
            }
            5 => ConstOp::GlobalGet(r.u32()?),
            6 => ConstOp::RefNull(Codec::read(r)?),
            7 => ConstOp::RefFunc(r.u32()?),
            8 => ConstOp::I32Add,
            9 => ConstOp::I32Sub,
            10 => ConstOp::I32Mul,
            11 => ConstOp::I64Add,
            12 => ConstOp::I64Sub,
            13 => ConstOp::I64Mul,
            _ => return Err(r.error()),
        })
    }
}

const _: () = assert!(
    ABI_VERSION == 4,
    "review the metadata encoding when the ABI changes"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_subtyping() {
        let r = |nullable, heap| RefType { nullable, heap };
        use HeapType::*;
        assert!(r(false, Concrete(3)).is_subtype_of(&r(true, Func)));
        assert!(r(false, Func).is_subtype_of(&r(true, Func)));
        assert!(!r(true, Func).is_subtype_of(&r(false, Func)));
        assert!(!r(true, Func).is_subtype_of(&r(true, Concrete(3))));
        assert!(!r(false, Concrete(3)).is_subtype_of(&r(false, Concrete(4))));
        assert!(r(true, NoFunc).is_subtype_of(&r(true, Concrete(4))));
        assert!(!r(true, Extern).is_subtype_of(&r(true, Func)));
        assert!(r(true, NoExtern).is_subtype_of(&r(true, Extern)));
    }

    #[test]
    fn program_round_trips() {
        let data = [1u8, 2, 3];
        let program = Program {
            kind: ProgramKind::Command,
            strategy: MemoryStrategy::GUARDED_32,
            types: vec![FuncType {
                params: vec![ValType::I32, ValType::F64],
                results: vec![ValType::FuncRef],
                trampoline: Some(3),
            }],
            modules: vec![Module {
                name: "m".into(),
                counts: Default::default(),
                imports: vec![Import {
                    module: "a".into(),
                    field: "b".into(),
                    kind: ImportKind::Global(GlobalType {
                        ty: ValType::I64,
                        ref_type: None,
                        mutable: true,
                    }),
                }],
                func_types: vec![0],
                func_code: vec![Some(0)],
                func_names: vec![(0, "f".into())],
                memories: vec![MemoryType {
                    min: 1,
                    max: None,
                    shared: false,
                    memory64: false,
                }],
                tables: vec![],
                globals: vec![Global {
                    ty: GlobalType {
                        ty: ValType::I32,
                        ref_type: None,
                        mutable: false,
                    },
                    init: ConstExpr {
                        ops: vec![ConstOp::I32Const(-5), ConstOp::V128Const(u128::MAX - 7)],
                    },
                }],
                funcrefs: vec![0],
                tags: vec![0],
                exports: vec![Export {
                    name: "f".into(),
                    kind: ExternKind::Func,
                    index: 0,
                }],
                data: vec![DataSegment {
                    active: Some((0, ConstExpr::default())),
                    bytes: &data,
                }],
                elems: vec![ElemSegment {
                    mode: ElemMode::Declared,
                    ty: ValType::FuncRef,
                    items: vec![],
                }],
                start: Some(0),
            }],
            wasi: WasiPolicy {
                env: vec!["A=B".into()],
                inherit_env: true,
                dirs: vec![(".".into(), "/".into())],
                tcp_listen: vec!["127.0.0.1:0".into()],
                allow_net: false,
                tcp_connect: vec!["10.0.0.0/8:80".into()],
                tcp_listen_rules: vec![],
                udp: vec!["*".into()],
                name_lookup: true,
                listen: Some("127.0.0.1:8080".into()),
                tls_roots: vec![vec![0x30, 0x82, 0x01]],
            },
            component: Some(Component {
                instance_imports: vec![vec![
                    CoreDef::Trampoline(0),
                    CoreDef::Export {
                        instance: 0,
                        name: "memory".into(),
                    },
                ]],
                trampolines: vec![
                    Trampoline {
                        kind: TrampolineKind::Lower {
                            host: 3,
                            options: Options {
                                memory: Some((0, "memory".into())),
                                realloc: Some(CoreDef::Trampoline(1)),
                                post_return: None,
                                string_encoding: StringEncoding::CompactUtf16,
                            },
                        },
                        code: 4,
                        type_id: 0,
                        instance: 0,
                    },
                    Trampoline {
                        kind: TrampolineKind::Adapter {
                            op: AdapterOp::StringOut,
                            callee: Lift {
                                func: CoreDef::Export {
                                    instance: 1,
                                    name: "f".into(),
                                },
                                options: Options {
                                    string_encoding: StringEncoding::Utf16,
                                    ..Options::default()
                                },
                            },
                            callee_instance: 2,
                            options: Options::default(),
                        },
                        code: 5,
                        type_id: 1,
                        instance: 1,
                    },
                ],
                component_instances: 1,
                resources: vec![
                    Resource::Host(2),
                    Resource::Guest {
                        instance: 0,
                        dtor: None,
                    },
                ],
                run: Some(Lift {
                    func: CoreDef::Trampoline(0),
                    options: Options::default(),
                }),
                exports: vec![ComponentExport {
                    name: "f".into(),
                    lift: Lift {
                        func: CoreDef::Trampoline(0),
                        options: Options::default(),
                    },
                    ty: ComponentFuncType {
                        params: vec![
                            CType::Record(vec![
                                ("a".into(), CType::String),
                                ("b".into(), CType::Own(1)),
                            ]),
                            CType::Result(
                                None,
                                Some(Box::new(CType::Variant(vec![
                                    ("x".into(), None),
                                    ("y".into(), Some(CType::List(Box::new(CType::Char)))),
                                ]))),
                            ),
                        ],
                        result: Some(CType::Flags(vec!["p".into(), "q".into()])),
                    },
                    instance: 2,
                }],
            }),
        };
        let bytes = program.encode();
        assert_eq!(Program::decode(&bytes).unwrap(), program);
        assert!(Program::decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
