//! The instantiation plan of a component, as the runtime reads it.
//!
//! A component arrives flattened: its core instances are the program's modules, in
//! instantiation order (instance `i` is `Program::modules[i]`), and every import of every core
//! instance is resolved to a [`CoreDef`]: an export of an earlier instance or a
//! [`Trampoline`]. A trampoline is compiled code with the wasm calling convention whose vmctx
//! is a context record the runtime builds for it (a `VmHeader` first); it calls a WASI host
//! function (a lowered import) or a component built-in (`resource.new`, `resource.rep`,
//! `resource.drop`).

use super::{Codec, DecodeError, Reader, Writer};

/// A component's instantiation plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Component {
    /// For each core instance, what each of its imports is, in import order.
    pub instance_imports: Vec<Vec<CoreDef>>,
    /// The trampolines core instances import.
    pub trampolines: Vec<Trampoline>,
    /// Number of component instances, each with its own handle table.
    pub component_instances: u32,
    /// Resource types handles can have.
    pub resources: Vec<Resource>,
    /// The `wasi:cli/run` export, if the component has one.
    pub run: Option<Lift>,
    /// Every lifted function the component exports, by its export path joined with `/`
    /// (`f`, `wasi:cli/run@0.2.0/run`), with its component-level type.
    pub exports: Vec<ComponentExport>,
}

/// An exported lifted function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentExport {
    /// Its export path, joined with `/`.
    pub name: String,
    /// The lifted function.
    pub lift: Lift,
    /// The component-level type.
    pub ty: ComponentFuncType,
    /// The component instance that lifted it.
    pub instance: u32,
}

/// A component-level function type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComponentFuncType {
    /// Parameter types.
    pub params: Vec<CType>,
    /// Result type.
    pub result: Option<CType>,
}

/// A component value type, as the canonical ABI sees it (names dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CType {
    /// `bool`.
    Bool,
    /// `s8`.
    S8,
    /// `u8`.
    U8,
    /// `s16`.
    S16,
    /// `u16`.
    U16,
    /// `s32`.
    S32,
    /// `u32`.
    U32,
    /// `s64`.
    S64,
    /// `u64`.
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `char`.
    Char,
    /// `string`.
    String,
    /// `list<T>`.
    List(Box<CType>),
    /// `list<T, N>`.
    FixedList(Box<CType>, u32),
    /// `record`, its fields in order.
    Record(Vec<(String, CType)>),
    /// `tuple`.
    Tuple(Vec<CType>),
    /// `variant`, each case's name and payload type.
    Variant(Vec<(String, Option<CType>)>),
    /// `enum`, its cases' names.
    Enum(Vec<String>),
    /// `option<T>`.
    Option(Box<CType>),
    /// `result<T, E>`.
    Result(Option<Box<CType>>, Option<Box<CType>>),
    /// `flags`, their names.
    Flags(Vec<String>),
    /// `own<R>`, R an index into [`Component::resources`].
    Own(u32),
    /// `borrow<R>`.
    Borrow(u32),
}

/// A core definition: what a core import is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoreDef {
    /// Export `name` of core instance `instance` (an earlier one).
    Export {
        /// Core instance index.
        instance: u32,
        /// Export name.
        name: String,
    },
    /// Trampoline `index` of [`Component::trampolines`].
    Trampoline(u32),
}

/// A compiled trampoline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trampoline {
    /// What it calls.
    pub kind: TrampolineKind,
    /// Code-table index of its compiled code.
    pub code: u32,
    /// Canonical type id of its core signature.
    pub type_id: u32,
    /// The component instance whose handle table it uses.
    pub instance: u32,
}

/// What a trampoline calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrampolineKind {
    /// A lowered WASI host import: entry `host` of `WASI_P2_FUNCTIONS`.
    Lower {
        /// Host function index.
        host: u32,
        /// Canonical options of the lowering.
        options: Options,
    },
    /// `resource.new` of resource type `resource`.
    ResourceNew {
        /// Index in [`Component::resources`].
        resource: u32,
    },
    /// `resource.rep` of resource type `resource`.
    ResourceRep {
        /// Index in [`Component::resources`].
        resource: u32,
    },
    /// `resource.drop` of resource type `resource`.
    ResourceDrop {
        /// Index in [`Component::resources`].
        resource: u32,
    },
    /// An intrinsic of a fused adapter (the compiled glue of a call from one component
    /// instance into a function another one lifted): what needs the instances' state.
    Adapter {
        /// Which intrinsic.
        op: AdapterOp,
        /// The callee.
        callee: Lift,
        /// The component instance that lifted it.
        callee_instance: u32,
        /// The caller's (the lowering's) options.
        options: Options,
    },
}

/// The runtime intrinsics a fused adapter imports. Each is a trampoline whose context
/// knows both sides of the call: the caller (the lowering's instance and options) and the
/// callee (the lifting's). Signatures are in core wasm terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdapterOp {
    /// `[] -> [i32]`: checks that the caller may leave and the callee may be entered, marks
    /// the callee entered and returns the call's borrow scope.
    Enter,
    /// `[i32 scope] -> []`: ends the lending of the scope's handles, checks that the callee
    /// dropped every borrow it got, and leaves the callee.
    Exit,
    /// `[i32 flag] -> []`: sets whether the callee may leave (off around its `realloc`s and
    /// `post-return`).
    CalleeMayLeave,
    /// `[i32 flag] -> []`: sets whether the caller may leave (off around its `realloc`s).
    CallerMayLeave,
    /// `[i32 code] -> []`: raises the `CanonTrap` of that code.
    Trap,
    /// `[i32 handle, i32 resource] -> [i32]`: moves an owned handle from the caller's table
    /// into the callee's.
    OwnIn,
    /// `[i32 handle, i32 resource] -> [i32]`: moves an owned handle from the callee's table
    /// into the caller's.
    OwnOut,
    /// `[i32 handle, i32 resource, i32 scope] -> [i32]`: lends the caller's handle to the
    /// callee for the call: a borrow handle in its table, or the representation itself when
    /// the callee defines the resource.
    BorrowIn,
    /// `[i32 ptr, i32 len] -> [i64]`: copies a string from the caller's memory and encoding
    /// into memory the callee allocates, in its encoding; returns `ptr | len << 32`.
    StringIn,
    /// `[i32 ptr, i32 len] -> [i64]`: the same from the callee to the caller.
    StringOut,
}

impl AdapterOp {
    /// Every intrinsic, by its encoding.
    pub const ALL: [AdapterOp; 10] = [
        AdapterOp::Enter,
        AdapterOp::Exit,
        AdapterOp::CalleeMayLeave,
        AdapterOp::CallerMayLeave,
        AdapterOp::Trap,
        AdapterOp::OwnIn,
        AdapterOp::OwnOut,
        AdapterOp::BorrowIn,
        AdapterOp::StringIn,
        AdapterOp::StringOut,
    ];

    /// The import name fused adapters use for it.
    pub fn name(self) -> &'static str {
        match self {
            AdapterOp::Enter => "enter",
            AdapterOp::Exit => "exit",
            AdapterOp::CalleeMayLeave => "callee-may-leave",
            AdapterOp::CallerMayLeave => "caller-may-leave",
            AdapterOp::Trap => "trap",
            AdapterOp::OwnIn => "own-in",
            AdapterOp::OwnOut => "own-out",
            AdapterOp::BorrowIn => "borrow-in",
            AdapterOp::StringIn => "string-in",
            AdapterOp::StringOut => "string-out",
        }
    }
}

/// Canonical ABI options of a lift or lower.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The memory lists and strings live in: a memory export of a core instance.
    pub memory: Option<(u32, String)>,
    /// The guest's `realloc`, for values the callee hands to the guest.
    pub realloc: Option<CoreDef>,
    /// Called after a lifted function's results have been read.
    pub post_return: Option<CoreDef>,
    /// How strings are encoded.
    pub string_encoding: StringEncoding,
}

/// A canonical ABI string encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringEncoding {
    /// UTF-8.
    #[default]
    Utf8,
    /// UTF-16 (little endian).
    Utf16,
    /// Latin-1 or UTF-16, chosen per string.
    CompactUtf16,
}

/// A resource type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource {
    /// A host resource type: entry of `WASI_P2_RESOURCES`.
    Host(u32),
    /// A resource type a component instance defines.
    Guest {
        /// The defining component instance.
        instance: u32,
        /// Its destructor, if any.
        dtor: Option<CoreDef>,
    },
}

/// A lifted core function exported from the component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lift {
    /// The core function.
    pub func: CoreDef,
    /// Its canonical options.
    pub options: Options,
}

codec_struct!(Component {
    instance_imports,
    trampolines,
    component_instances,
    resources,
    run,
    exports
});
codec_struct!(ComponentExport {
    name,
    lift,
    ty,
    instance
});
codec_struct!(ComponentFuncType { params, result });
codec_struct!(Trampoline {
    kind,
    code,
    type_id,
    instance
});
codec_struct!(Options {
    memory,
    realloc,
    post_return,
    string_encoding
});
codec_struct!(Lift { func, options });

impl Codec<'_> for CoreDef {
    fn write(&self, w: &mut Writer) {
        match self {
            CoreDef::Export { instance, name } => {
                w.u8(0);
                w.u32(*instance);
                name.write(w);
            }
            CoreDef::Trampoline(i) => {
                w.u8(1);
                w.u32(*i);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => CoreDef::Export {
                instance: r.u32()?,
                name: Codec::read(r)?,
            },
            1 => CoreDef::Trampoline(r.u32()?),
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for TrampolineKind {
    fn write(&self, w: &mut Writer) {
        match self {
            TrampolineKind::Lower { host, options } => {
                w.u8(0);
                w.u32(*host);
                options.write(w);
            }
            TrampolineKind::ResourceNew { resource } => {
                w.u8(1);
                w.u32(*resource);
            }
            TrampolineKind::ResourceRep { resource } => {
                w.u8(2);
                w.u32(*resource);
            }
            TrampolineKind::ResourceDrop { resource } => {
                w.u8(3);
                w.u32(*resource);
            }
            TrampolineKind::Adapter {
                op,
                callee,
                callee_instance,
                options,
            } => {
                w.u8(4);
                let code = AdapterOp::ALL.iter().position(|o| o == op);
                w.u8(code.expect("listed") as u8);
                callee.write(w);
                w.u32(*callee_instance);
                options.write(w);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => TrampolineKind::Lower {
                host: r.u32()?,
                options: Codec::read(r)?,
            },
            1 => TrampolineKind::ResourceNew { resource: r.u32()? },
            2 => TrampolineKind::ResourceRep { resource: r.u32()? },
            3 => TrampolineKind::ResourceDrop { resource: r.u32()? },
            4 => TrampolineKind::Adapter {
                op: *AdapterOp::ALL
                    .get(r.u8()? as usize)
                    .ok_or_else(|| r.error())?,
                callee: Codec::read(r)?,
                callee_instance: r.u32()?,
                options: Codec::read(r)?,
            },
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for StringEncoding {
    fn write(&self, w: &mut Writer) {
        w.u8(match self {
            StringEncoding::Utf8 => 0,
            StringEncoding::Utf16 => 1,
            StringEncoding::CompactUtf16 => 2,
        })
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => StringEncoding::Utf8,
            1 => StringEncoding::Utf16,
            2 => StringEncoding::CompactUtf16,
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for Resource {
    fn write(&self, w: &mut Writer) {
        match self {
            Resource::Host(i) => {
                w.u8(0);
                w.u32(*i);
            }
            Resource::Guest { instance, dtor } => {
                w.u8(1);
                w.u32(*instance);
                dtor.write(w);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => Resource::Host(r.u32()?),
            1 => Resource::Guest {
                instance: r.u32()?,
                dtor: Codec::read(r)?,
            },
            _ => return Err(r.error()),
        })
    }
}

impl Codec<'_> for CType {
    fn write(&self, w: &mut Writer) {
        let simple = |w: &mut Writer, tag: u8| w.u8(tag);
        match self {
            CType::Bool => simple(w, 0),
            CType::S8 => simple(w, 1),
            CType::U8 => simple(w, 2),
            CType::S16 => simple(w, 3),
            CType::U16 => simple(w, 4),
            CType::S32 => simple(w, 5),
            CType::U32 => simple(w, 6),
            CType::S64 => simple(w, 7),
            CType::U64 => simple(w, 8),
            CType::F32 => simple(w, 9),
            CType::F64 => simple(w, 10),
            CType::Char => simple(w, 11),
            CType::String => simple(w, 12),
            CType::List(t) => {
                w.u8(13);
                t.write(w);
            }
            CType::FixedList(t, n) => {
                w.u8(14);
                t.write(w);
                w.u32(*n);
            }
            CType::Record(fields) => {
                w.u8(15);
                fields.write(w);
            }
            CType::Tuple(fields) => {
                w.u8(16);
                fields.write(w);
            }
            CType::Variant(cases) => {
                w.u8(17);
                cases.write(w);
            }
            CType::Enum(names) => {
                w.u8(18);
                names.write(w);
            }
            CType::Option(t) => {
                w.u8(19);
                t.write(w);
            }
            CType::Result(ok, err) => {
                w.u8(20);
                ok.as_deref().cloned().write(w);
                err.as_deref().cloned().write(w);
            }
            CType::Flags(names) => {
                w.u8(21);
                names.write(w);
            }
            CType::Own(r) => {
                w.u8(22);
                w.u32(*r);
            }
            CType::Borrow(r) => {
                w.u8(23);
                w.u32(*r);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => CType::Bool,
            1 => CType::S8,
            2 => CType::U8,
            3 => CType::S16,
            4 => CType::U16,
            5 => CType::S32,
            6 => CType::U32,
            7 => CType::S64,
            8 => CType::U64,
            9 => CType::F32,
            10 => CType::F64,
            11 => CType::Char,
            12 => CType::String,
            13 => CType::List(Box::new(Codec::read(r)?)),
            14 => CType::FixedList(Box::new(Codec::read(r)?), r.u32()?),
            15 => CType::Record(Codec::read(r)?),
            16 => CType::Tuple(Codec::read(r)?),
            17 => CType::Variant(Codec::read(r)?),
            18 => CType::Enum(Codec::read(r)?),
            19 => CType::Option(Box::new(Codec::read(r)?)),
            20 => {
                let ok: Option<CType> = Codec::read(r)?;
                let err: Option<CType> = Codec::read(r)?;
                CType::Result(ok.map(Box::new), err.map(Box::new))
            }
            21 => CType::Flags(Codec::read(r)?),
            22 => CType::Own(r.u32()?),
            23 => CType::Borrow(r.u32()?),
            _ => return Err(r.error()),
        })
    }
}
