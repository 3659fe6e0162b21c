//! The plan's core definitions with their exports found, once per program: a server
//! instantiates its component for every request, and then resolves each import and each
//! canonical option by position instead of comparing export names.

use std::sync::OnceLock;

use wasi_aot_abi::metadata::{self as md, CoreDef, Resource, TrampolineKind};
use wasi_aot_abi::vmctx::VmFuncRef;

use crate::instance::{Extern, Instance};
use crate::program::Program;

/// A core definition by position.
#[derive(Clone, Copy, Debug, Default)]
pub(super) enum Def {
    /// Export number `export` (in its module's export list) of core instance `instance`.
    Export { instance: u32, export: u32 },
    /// A trampoline of the plan.
    Trampoline(u32),
    /// Nothing: an absent option, or a name that the instance does not export.
    #[default]
    Nothing,
}

impl Def {
    /// The definition, once the instances it needs exist.
    pub(super) fn resolve(
        self,
        instances: &[&'static Instance],
        funcrefs: &[*const VmFuncRef],
    ) -> Option<Extern> {
        match self {
            Def::Export { instance, export } => {
                Some(instances.get(instance as usize)?.export_at(export as usize))
            }
            Def::Trampoline(t) => Some(Extern::Func(*funcrefs.get(t as usize)?)),
            Def::Nothing => None,
        }
    }
}

/// What one trampoline's context needs, by position (each [`Def::Nothing`] where its kind
/// has no such thing).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TrampolineLinks {
    /// The lowering's (the caller's) memory and `realloc`.
    pub memory: Def,
    pub realloc: Def,
    /// An adapter's callee: its core function, memory, `realloc` and `post-return`.
    pub callee_func: Def,
    pub callee_memory: Def,
    pub callee_realloc: Def,
    pub callee_post_return: Def,
    /// `resource.drop` of a guest resource: its destructor.
    pub dtor: Def,
}

/// Every definition instantiation resolves.
#[derive(Debug)]
pub(super) struct Links {
    /// For each core instance, the definition of each of its module's imports.
    pub imports: Vec<Vec<Def>>,
    /// For each trampoline of the plan.
    pub trampolines: Vec<TrampolineLinks>,
}

/// The links of the program's component, computed on first use.
pub(super) fn links(
    program: &'static Program,
    component: &'static md::Component,
) -> &'static Links {
    static LINKS: OnceLock<Links> = OnceLock::new();
    LINKS.get_or_init(|| {
        let modules = &program.meta.modules;
        let export = |instance: u32, name: &str| {
            modules
                .get(instance as usize)
                .and_then(|m| m.exports.iter().position(|e| e.name == name))
                .map_or(Def::Nothing, |export| Def::Export {
                    instance,
                    export: export as u32,
                })
        };
        let def = |d: &CoreDef| match d {
            CoreDef::Export { instance, name } => export(*instance, name),
            CoreDef::Trampoline(t) => Def::Trampoline(*t),
        };
        let option = |d: &Option<CoreDef>| d.as_ref().map_or(Def::Nothing, def);
        let memory =
            |m: &Option<(u32, String)>| m.as_ref().map_or(Def::Nothing, |(i, n)| export(*i, n));
        let trampolines = component
            .trampolines
            .iter()
            .map(|t| match &t.kind {
                TrampolineKind::Lower { options, .. } => TrampolineLinks {
                    memory: memory(&options.memory),
                    realloc: option(&options.realloc),
                    ..TrampolineLinks::default()
                },
                TrampolineKind::Adapter {
                    callee, options, ..
                } => TrampolineLinks {
                    memory: memory(&options.memory),
                    realloc: option(&options.realloc),
                    callee_func: def(&callee.func),
                    callee_memory: memory(&callee.options.memory),
                    callee_realloc: option(&callee.options.realloc),
                    callee_post_return: option(&callee.options.post_return),
                    ..TrampolineLinks::default()
                },
                TrampolineKind::ResourceDrop { resource } => TrampolineLinks {
                    dtor: match component.resources.get(*resource as usize) {
                        Some(Resource::Guest { dtor, .. }) => option(dtor),
                        _ => Def::Nothing,
                    },
                    ..TrampolineLinks::default()
                },
                TrampolineKind::ResourceNew { .. } | TrampolineKind::ResourceRep { .. } => {
                    TrampolineLinks::default()
                }
            })
            .collect();
        Links {
            imports: component
                .instance_imports
                .iter()
                .map(|bindings| bindings.iter().map(def).collect())
                .collect(),
            trampolines,
        }
    })
}
