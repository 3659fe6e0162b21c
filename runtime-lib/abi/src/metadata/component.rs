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
    run
});
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
