//! The instantiation plan: a component flattened into core instances and trampolines.
//!
//! Plain data, built by the inliner and read by the compiler (which compiles each instance's
//! module and each trampoline into the one object) and by the runtime (through the metadata
//! it becomes). [`Plan`]'s `Display` is its stable text form, which golden tests compare.

use crate::module::FuncSig;
use std::fmt;
use wasi_aot_abi::metadata::{AdapterOp, CoreDef, Options, Resource, StringEncoding};
use wasi_aot_abi::wasi_p2::{WASI_P2_FUNCTIONS, WASI_P2_RESOURCES};

/// A component, flattened.
#[derive(Debug, Default)]
pub struct Plan {
    /// Core instances in instantiation order.
    pub instances: Vec<Instance>,
    /// Trampolines core instances import.
    pub trampolines: Vec<Trampoline>,
    /// Resource types.
    pub resources: Vec<Resource>,
    /// Component instances (the root is 0).
    pub component_instances: u32,
    /// Lifted functions the root exports: export path (`wasi:cli/run@0.2.12`, `run`).
    pub exports: Vec<(Vec<String>, Lifted)>,
    /// The fused adapter modules generated for calls between component instances.
    pub adapter_modules: Vec<Vec<u8>>,
}

/// Where a core instance's module comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleRef {
    /// A module of the component: an index into the translation's modules.
    Component(u32),
    /// A generated fused adapter: an index into [`Plan::adapter_modules`].
    Adapter(u32),
}

/// One core instance.
#[derive(Debug)]
pub struct Instance {
    /// Its module.
    pub module: ModuleRef,
    /// The module's name, for diagnostics and the text form.
    pub name: String,
    /// What each import is bound to, by import module and field name.
    pub imports: Vec<(String, String, CoreDef)>,
}

/// One trampoline.
#[derive(Debug)]
pub struct Trampoline {
    /// What it calls.
    pub kind: TrampolineKind,
    /// Its core signature.
    pub sig: FuncSig,
    /// The component instance whose handle table it uses.
    pub instance: u32,
}

/// What a trampoline calls.
#[derive(Debug)]
pub enum TrampolineKind {
    /// A lowered host import.
    Lower {
        /// Entry of `WASI_P2_FUNCTIONS`.
        host: u32,
        /// The import as the component names it (`wasi:cli/stdout@0.2.3`).
        import: String,
        /// Its options.
        options: Options,
    },
    /// `resource.new`.
    ResourceNew(u32),
    /// `resource.rep`.
    ResourceRep(u32),
    /// `resource.drop`.
    ResourceDrop(u32),
    /// An intrinsic of a fused adapter calling into a function another component instance
    /// lifted.
    Adapter {
        /// Which intrinsic.
        op: AdapterOp,
        /// The callee.
        callee: Box<Lifted>,
        /// The caller's options.
        options: Options,
    },
}

/// A lifted core function.
#[derive(Clone, Debug)]
pub struct Lifted {
    /// The core function.
    pub func: CoreDef,
    /// Its options.
    pub options: Options,
    /// Its component-level type, as WIT writes it (`func() -> result`).
    pub ty: String,
    /// Its core signature.
    pub sig: FuncSig,
    /// The component instance it belongs to.
    pub instance: u32,
    /// Its component-level type.
    pub cty: wasi_aot_abi::metadata::ComponentFuncType,
}

struct Def<'a>(&'a CoreDef);

impl fmt::Display for Def<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            CoreDef::Export { instance, name } => write!(f, "instance {instance} {name:?}"),
            CoreDef::Trampoline(t) => write!(f, "trampoline {t}"),
        }
    }
}

struct Opts<'a>(&'a Options);

impl fmt::Display for Opts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        let encoding = match o.string_encoding {
            StringEncoding::Utf8 => "utf8",
            StringEncoding::Utf16 => "utf16",
            StringEncoding::CompactUtf16 => "latin1+utf16",
        };
        write!(f, "{encoding}")?;
        if let Some((instance, name)) = &o.memory {
            write!(f, ", memory instance {instance} {name:?}")?;
        }
        if let Some(realloc) = &o.realloc {
            write!(f, ", realloc {}", Def(realloc))?;
        }
        if let Some(post) = &o.post_return {
            write!(f, ", post-return {}", Def(post))?;
        }
        Ok(())
    }
}

fn sig(s: &FuncSig) -> String {
    let list = |v: &[wasi_aot_abi::ValType]| {
        v.iter()
            .map(|t| format!("{t:?}").to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("[{}] -> [{}]", list(&s.params), list(&s.results))
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.resources.iter().enumerate() {
            match r {
                Resource::Host(h) => {
                    let h = &WASI_P2_RESOURCES[*h as usize];
                    writeln!(f, "resource {i} = host {} {}", h.interface, h.name)?
                }
                Resource::Guest { instance, dtor } => {
                    write!(f, "resource {i} = defined by component instance {instance}")?;
                    if let Some(dtor) = dtor {
                        write!(f, ", dtor {}", Def(dtor))?;
                    }
                    writeln!(f)?;
                }
            }
        }
        for (i, t) in self.trampolines.iter().enumerate() {
            write!(f, "trampoline {i} = ")?;
            match &t.kind {
                TrampolineKind::Lower {
                    host,
                    import,
                    options,
                } => {
                    let h = &WASI_P2_FUNCTIONS[*host as usize];
                    write!(f, "lower {import} {} ({})", h.name, Opts(options))?
                }
                TrampolineKind::ResourceNew(r) => write!(f, "resource.new {r}")?,
                TrampolineKind::ResourceRep(r) => write!(f, "resource.rep {r}")?,
                TrampolineKind::ResourceDrop(r) => write!(f, "resource.drop {r}")?,
                TrampolineKind::Adapter {
                    op,
                    callee,
                    options,
                } => write!(
                    f,
                    "adapter {} ({}) to lift {} {} ({}) in component instance {}",
                    op.name(),
                    Opts(options),
                    Def(&callee.func),
                    callee.ty,
                    Opts(&callee.options),
                    callee.instance
                )?,
            }
            writeln!(f, " {} in component instance {}", sig(&t.sig), t.instance)?;
        }
        for (i, instance) in self.instances.iter().enumerate() {
            match instance.module {
                ModuleRef::Component(m) => {
                    writeln!(f, "instance {i} = module {m} ({})", instance.name)?
                }
                ModuleRef::Adapter(a) => writeln!(f, "instance {i} = fused adapter {a}")?,
            }
            for (module, field, def) in &instance.imports {
                writeln!(f, "  import {module:?} {field:?} = {}", Def(def))?;
            }
        }
        for (path, lifted) in &self.exports {
            writeln!(
                f,
                "export {} = lift {} {} {} ({}) in component instance {}",
                path.join(" "),
                Def(&lifted.func),
                lifted.ty,
                sig(&lifted.sig),
                Opts(&lifted.options),
                lifted.instance
            )?;
        }
        Ok(())
    }
}
