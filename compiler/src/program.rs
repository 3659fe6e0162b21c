//! A compile unit: one or more core modules compiled into one object, with one canonical
//! type space, and the metadata the runtime instantiates them from.
//!
//! Imports are resolved here. A WASI command resolves function imports against the WASI
//! table at build time (direct calls to host symbols) and rejects everything else; a script
//! (the spec harness) leaves every import to be bound at instantiation.

use crate::compile::{self, CompiledFunction, Workspace};
use crate::component::plan::{Plan, TrampolineKind};
use crate::config::Config;
use crate::error::{CompileError, Result};
use crate::func_env::{self, Callee, ModuleEnv};
use crate::index::*;
use crate::module::{self, FuncSig, ImportType, ModuleInfo};
use crate::object::{Emitter, FrameOwner};
use crate::static_table::{self, StaticTable};
use cranelift_entity::EntityRef;
use cranelift_module::Linkage;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};
use wasi_aot_abi::libcalls::Libcall;
use wasi_aot_abi::metadata::{self as md, ProgramKind};
use wasi_aot_abi::vmctx::VmCounts;
use wasi_aot_abi::{symbols, wasi, wasi_p2, MemoryStrategy, VmOffsets};

/// One module of the program.
pub struct ModuleInput<'a> {
    /// Name for diagnostics.
    pub name: String,
    /// The wasm binary.
    pub wasm: &'a [u8],
}

/// The result of a build.
pub struct CompiledProgram {
    /// The object file bytes.
    pub object: Vec<u8>,
    /// Wall time of each phase.
    pub timings: Vec<(&'static str, Duration)>,
    /// Number of functions compiled.
    pub functions: usize,
}

/// Canonical function types across the program. A type is identified by its recursion
/// group (every signature in it) and its position in the group, so that types from
/// different groups differ even when their signatures agree.
#[derive(Default)]
struct TypeRegistry {
    ids: HashMap<(Vec<FuncSig>, u32), u32>,
    sigs: Vec<FuncSig>,
}

impl TypeRegistry {
    /// The id of a function type in a recursion group of its own, as a plain `(type (func))`
    /// of a module is.
    fn intern_sig(&mut self, sig: &FuncSig) -> u32 {
        let key = (vec![sig.clone()], 0);
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = self.sigs.len() as u32;
        self.sigs.push(sig.clone());
        self.ids.insert(key, id);
        id
    }

    fn intern(&mut self, info: &ModuleInfo<'_>, ty: TypeIndex) -> u32 {
        let (start, len) = info.rec_groups[ty];
        let group = (start..start + len)
            .map(|t| info.types[TypeIndex::from_u32(t)].clone())
            .collect();
        let key = (group, ty.as_u32() - start);
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = self.sigs.len() as u32;
        self.sigs.push(info.types[ty].clone());
        self.ids.insert(key, id);
        id
    }
}

/// Per-module facts decided while declaring symbols.
struct ModulePlan {
    env_callees: Vec<Callee>,
    type_ids: Vec<u32>,
    funcref_slots: HashMap<FuncIndex, u32>,
    counts: VmCounts,
    imports: Vec<md::Import>,
    adapters: Vec<(FuncIndex, u32, u32)>,
}

/// Parses, validates and checks every module without generating code.
pub fn check(wasm: &[u8], kind: ProgramKind, features: wasmparser::WasmFeatures) -> Result<()> {
    compile_program(
        &[ModuleInput {
            name: "module".into(),
            wasm,
        }],
        kind,
        &Config {
            threads: 1,
            features,
            ..Config::default()
        },
    )
    .map(|_| ())
}

/// Compiles `inputs` into one object.
pub fn compile_program(
    inputs: &[ModuleInput<'_>],
    kind: ProgramKind,
    config: &Config,
) -> Result<CompiledProgram> {
    compile_unit(inputs, kind, config, None)
}

/// Compiles the core instances of a component's `plan` (module `i` of `inputs` is its
/// instance `i`) and its trampolines into one object.
pub(crate) fn compile_component_unit(
    inputs: &[ModuleInput<'_>],
    plan: &Plan,
    kind: ProgramKind,
    config: &Config,
) -> Result<CompiledProgram> {
    compile_unit(inputs, kind, config, Some(plan))
}

fn compile_unit(
    inputs: &[ModuleInput<'_>],
    kind: ProgramKind,
    config: &Config,
    component: Option<&Plan>,
) -> Result<CompiledProgram> {
    let mut timings = Vec::new();
    let start = Instant::now();
    let infos: Vec<ModuleInfo<'_>> = inputs
        .iter()
        .map(|input| module::parse(input.wasm, config.features))
        .collect::<Result<_>>()?;
    if kind == ProgramKind::Command {
        check_command(infos.last())?;
    }
    timings.push(("parse", start.elapsed()));

    let start = Instant::now();
    let isa = compile::build_isa(config.opt_level, config.target_cpu)?;
    let mut emitter = Emitter::new(isa.clone())?;
    let mut registry = TypeRegistry::default();

    let mut libcalls = HashMap::new();
    for libcall in Libcall::ALL {
        let id = emitter.declare(
            &symbols::libcall(libcall.name()),
            Linkage::Import,
            &func_env::libcall_signature(libcall),
        )?;
        libcalls.insert(libcall, id);
    }

    let mut host_ids: HashMap<String, u32> = HashMap::new();
    let mut plans = Vec::new();
    for (m, info) in infos.iter().enumerate() {
        plans.push(plan_module(
            m as u32,
            info,
            kind,
            &mut emitter,
            &mut registry,
            &mut host_ids,
        )?);
    }

    // Component trampolines: each calls a host function or built-in with its context.
    let mut component_trampolines = Vec::new();
    for (i, t) in component
        .map(|p| &p.trampolines[..])
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let symbol = match &t.kind {
            TrampolineKind::Lower { host, .. } => {
                symbols::wasi_p2_host_function(wasi_p2::WASI_P2_FUNCTIONS[*host as usize].host)
            }
            TrampolineKind::ResourceNew(_) => symbols::component_builtin("resource_new"),
            TrampolineKind::ResourceRep(_) => symbols::component_builtin("resource_rep"),
            TrampolineKind::ResourceDrop(_) => symbols::component_builtin("resource_drop"),
            TrampolineKind::Adapter { .. } => symbols::component_builtin("adapter"),
        };
        let host = match host_ids.get(&symbol) {
            Some(id) => *id,
            None => {
                let signature = match &t.kind {
                    TrampolineKind::Adapter { .. } => func_env::adapter_host_signature(),
                    _ => func_env::p2_host_signature(&t.sig),
                };
                let id = emitter.declare(&symbol, Linkage::Import, &signature)?;
                host_ids.insert(symbol, id);
                id
            }
        };
        let id = emitter.declare(
            &symbols::component_trampoline(i as u32),
            Linkage::Local,
            &func_env::wasm_signature(&t.sig),
        )?;
        let type_id = registry.intern_sig(&t.sig);
        component_trampolines.push((host, id, type_id));
    }

    // Array-call trampolines for every exported or start function type.
    let mut trampoline_types = BTreeSet::new();
    for (info, plan) in infos.iter().zip(&plans) {
        if let Some(start) = info.start {
            trampoline_types.insert(plan.type_ids[info.funcs[start].index()]);
        }
        for (_, kind, index) in &info.exports {
            if *kind == md::ExternKind::Func {
                let ty = info.funcs[FuncIndex::from_u32(*index)];
                trampoline_types.insert(plan.type_ids[ty.index()]);
            }
        }
    }
    let mut trampolines = Vec::new();
    for ty in trampoline_types {
        let sig = ir_trampoline_signature();
        let id = emitter.declare(&symbols::array_trampoline(ty), Linkage::Local, &sig)?;
        trampolines.push((ty, id));
    }

    // Tables whose contents are fixed get read-only copies for `call_indirect`.
    let mut static_tables = Vec::new();
    for (m, (info, plan)) in infos.iter().zip(&plans).enumerate() {
        let mut tables = HashMap::new();
        for (table, contents) in static_table::find(info, &plan.type_ids, &plan.env_callees) {
            let name = |what: &str| format!("__wasm_m{m}_table{}_{what}", table.as_u32());
            let codes = emitter.declare_data(&name("codes"))?;
            let types = emitter.declare_data(&name("types"))?;
            tables.insert(
                table,
                StaticTable {
                    contents,
                    codes,
                    types,
                },
            );
        }
        static_tables.push(tables);
    }

    // Any module with a tag can throw, and exceptions cross instances: then every call in
    // the program checks for a pending exception.
    let exceptions = infos.iter().any(|info| !info.tags.is_empty());
    let envs: Vec<ModuleEnv<'_>> = infos
        .iter()
        .zip(&plans)
        .zip(static_tables)
        .map(|((info, plan), static_tables)| ModuleEnv {
            info,
            offsets: VmOffsets::new(plan.counts),
            type_ids: plan.type_ids.clone(),
            callees: plan.env_callees.clone(),
            funcref_slots: plan.funcref_slots.clone(),
            libcalls: libcalls.clone(),
            exceptions,
            static_tables,
        })
        .collect();

    enum Job {
        Body(usize, DefinedFuncIndex, u32),
        Trampoline(u32, u32),
        Adapter(usize, FuncIndex, u32, u32),
        Component(usize, u32, u32),
    }
    let mut jobs = Vec::new();
    for (m, (info, plan)) in infos.iter().zip(&plans).enumerate() {
        for (defined, _) in info.bodies.iter() {
            let Callee::Defined { id } = plan.env_callees[info.func_index(defined).index()] else {
                unreachable!("defined functions have direct callees")
            };
            jobs.push(Job::Body(m, defined, id));
        }
        for (func, host, id) in &plan.adapters {
            jobs.push(Job::Adapter(m, *func, *host, *id));
        }
    }
    for (ty, id) in &trampolines {
        jobs.push(Job::Trampoline(*ty, *id));
    }
    for (i, (host, id, _)) in component_trampolines.iter().enumerate() {
        jobs.push(Job::Component(i, *host, *id));
    }

    // Small functions are translated once up front so that calls to them can be
    // inlined (not at -O0); everything else is translated when it is compiled.
    let find_candidates = || -> Result<compile::InlineCandidates> {
        if config.opt_level == crate::config::OptLevel::None {
            return Ok(Default::default());
        }
        let found: Vec<Option<(u32, cranelift_codegen::ir::Function)>> = jobs
            .par_iter()
            .map_init(Workspace::default, |ws, job| match *job {
                Job::Body(m, defined, id) => {
                    let env = &envs[m];
                    let body = &env.info.bodies[defined];
                    // A body this large cannot be a candidate: don't translate it twice.
                    let range = body.body.range();
                    if range.end - range.start > compile::INLINE_MAX_BODY_BYTES as u64 {
                        return Ok(None);
                    }
                    Ok(ws
                        .inline_candidate(&isa, env, defined, body, id)?
                        .map(|f| (id, f)))
                }
                _ => Ok(None),
            })
            .collect::<Result<_>>()?;
        Ok(found.into_iter().flatten().collect())
    };
    // With -j N both parallel passes run in one pool of N threads; by default, in rayon's.
    let pool = match config.threads {
        0 => None,
        n => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| CompileError::Object(e.to_string()))?,
        ),
    };
    let candidates = match &pool {
        Some(pool) => pool.install(find_candidates)?,
        None => find_candidates()?,
    };
    let compile_job = |ws: &mut Workspace, job: &Job| -> Result<(CompiledFunction, FrameOwner)> {
        match *job {
            Job::Body(m, defined, id) => {
                let env = &envs[m];
                let body = &env.info.bodies[defined];
                let f = ws.compile_body(&isa, env, defined, body, id, Some(&candidates))?;
                let func = env.info.func_index(defined).as_u32();
                Ok((
                    f,
                    FrameOwner {
                        module: m as u32,
                        func,
                    },
                ))
            }
            Job::Trampoline(ty, id) => {
                let f = ws.compile_trampoline(&isa, &registry.sigs[ty as usize], id)?;
                Ok((
                    f,
                    FrameOwner {
                        module: u32::MAX,
                        func: u32::MAX,
                    },
                ))
            }
            Job::Component(i, host, id) => {
                let plan = component.expect("component jobs come from a plan");
                let t = &plan.trampolines[i];
                let f = match t.kind {
                    TrampolineKind::Adapter { .. } => {
                        ws.compile_adapter_trampoline(&isa, &t.sig, host, id)?
                    }
                    _ => ws.compile_component_trampoline(&isa, &t.sig, host, id)?,
                };
                Ok((
                    f,
                    FrameOwner {
                        module: u32::MAX,
                        func: u32::MAX,
                    },
                ))
            }
            Job::Adapter(m, func, host, id) => {
                let env = &envs[m];
                let sig = env.info.func_sig(func).clone();
                let f = ws.compile_host_adapter(&isa, env, &sig, host, id)?;
                Ok((
                    f,
                    FrameOwner {
                        module: m as u32,
                        func: func.as_u32(),
                    },
                ))
            }
        }
    };
    let run = || -> Result<Vec<(CompiledFunction, FrameOwner)>> {
        jobs.par_iter()
            .map_init(Workspace::default, |ws, job| compile_job(ws, job))
            .collect()
    };
    let compiled = match &pool {
        Some(pool) => pool.install(run)?,
        None => run()?,
    };
    timings.push(("translate+compile", start.elapsed()));

    let start = Instant::now();
    for (f, owner) in &compiled {
        emitter.define(f, *owner)?;
    }
    for env in &envs {
        for table in env.static_tables.values() {
            emitter.define_static_table(table)?;
        }
    }

    // The code-pointer table: defined functions and adapters per module, then trampolines.
    let mut code = Vec::new();
    let mut modules = Vec::new();
    for ((m, info), plan) in infos.iter().enumerate().zip(&plans) {
        let mut func_code = vec![None; info.funcs.len()];
        for (func, callee) in plan.env_callees.iter().enumerate() {
            let id = match callee {
                Callee::Defined { id } => Some(*id),
                Callee::Host { adapter, .. } => *adapter,
                Callee::Import { .. } => None,
            };
            if let Some(id) = id {
                func_code[func] = Some(code.len() as u32);
                code.push(id);
            }
        }
        modules.push(module_metadata(&inputs[m].name, info, plan, func_code)?);
    }
    let mut types: Vec<md::FuncType> = registry
        .sigs
        .iter()
        .map(|s| md::FuncType {
            params: s.params.clone(),
            results: s.results.clone(),
            trampoline: None,
        })
        .collect();
    for (ty, id) in &trampolines {
        types[*ty as usize].trampoline = Some(code.len() as u32);
        code.push(*id);
    }
    let component = match component {
        None => None,
        Some(plan) => {
            let mut trampolines = Vec::new();
            for (t, (_, id, type_id)) in plan.trampolines.iter().zip(&component_trampolines) {
                trampolines.push(md::Trampoline {
                    kind: match &t.kind {
                        TrampolineKind::Lower { host, options, .. } => md::TrampolineKind::Lower {
                            host: *host,
                            options: options.clone(),
                        },
                        TrampolineKind::ResourceNew(r) => {
                            md::TrampolineKind::ResourceNew { resource: *r }
                        }
                        TrampolineKind::ResourceRep(r) => {
                            md::TrampolineKind::ResourceRep { resource: *r }
                        }
                        TrampolineKind::ResourceDrop(r) => {
                            md::TrampolineKind::ResourceDrop { resource: *r }
                        }
                        TrampolineKind::Adapter {
                            op,
                            callee,
                            options,
                        } => md::TrampolineKind::Adapter {
                            op: *op,
                            callee: md::Lift {
                                func: callee.func.clone(),
                                options: callee.options.clone(),
                            },
                            callee_instance: callee.instance,
                            options: options.clone(),
                        },
                    },
                    code: code.len() as u32,
                    type_id: *type_id,
                    instance: t.instance,
                });
                code.push(*id);
            }
            Some(component_metadata(plan, &modules, trampolines)?)
        }
    };
    let program = md::Program {
        kind,
        strategy: MemoryStrategy::GUARDED_32,
        types,
        modules,
        wasi: config.wasi.clone(),
        component,
    };
    let object = emitter.finish(&code, &program.encode())?;
    timings.push(("emit", start.elapsed()));
    Ok(CompiledProgram {
        object,
        timings,
        functions: compiled.len(),
    })
}

/// The runtime's instantiation plan: each module's imports in its import order, bound as the
/// plan binds them by name, and the `wasi:cli/run` export.
fn component_metadata(
    plan: &Plan,
    modules: &[md::Module<'_>],
    trampolines: Vec<md::Trampoline>,
) -> Result<md::Component> {
    let mut instance_imports = Vec::new();
    for (instance, module) in plan.instances.iter().zip(modules) {
        let mut bound = Vec::new();
        for import in &module.imports {
            let def = instance
                .imports
                .iter()
                .find(|(m, f, _)| *m == import.module && *f == import.field)
                .map(|(_, _, def)| def.clone())
                .ok_or_else(|| {
                    CompileError::Invalid(format!(
                        "the plan binds no import `{}`.`{}` of {}",
                        import.module, import.field, instance.name
                    ))
                })?;
            bound.push(def);
        }
        instance_imports.push(bound);
    }
    let run = plan
        .exports
        .iter()
        .find(|(path, _)| {
            path.len() == 2
                && path[1] == "run"
                && wasi_p2::split_version(&path[0]).0 == "wasi:cli/run"
        })
        .map(|(_, lifted)| md::Lift {
            func: lifted.func.clone(),
            options: lifted.options.clone(),
        });
    let exports = plan
        .exports
        .iter()
        .map(|(path, lifted)| md::ComponentExport {
            name: path.join("/"),
            lift: md::Lift {
                func: lifted.func.clone(),
                options: lifted.options.clone(),
            },
            ty: lifted.cty.clone(),
            instance: lifted.instance,
        })
        .collect();
    Ok(md::Component {
        instance_imports,
        trampolines,
        component_instances: plan.component_instances,
        resources: plan.resources.clone(),
        run,
        exports,
    })
}

/// A WASI command exports `_start: [] -> []`.
fn check_command(info: Option<&ModuleInfo<'_>>) -> Result<()> {
    let Some(info) = info else {
        return Err(CompileError::Invalid("no module to compile".into()));
    };
    let start = info
        .exports
        .iter()
        .find(|(name, kind, _)| name == "_start" && *kind == md::ExternKind::Func);
    match start {
        Some((_, _, index)) => {
            let sig = info.func_sig(FuncIndex::from_u32(*index));
            if sig.params.is_empty() && sig.results.is_empty() {
                Ok(())
            } else {
                Err(CompileError::Invalid(
                    "the `_start` export must have type [] -> []".into(),
                ))
            }
        }
        None => Err(CompileError::Unsupported(
            "the module exports no `_start` function, so it is not a WASI command \
             (reactor modules are not supported yet)"
                .into(),
        )),
    }
}

fn ir_trampoline_signature() -> cranelift_codegen::ir::Signature {
    use cranelift_codegen::ir::{types, AbiParam, Signature};
    let mut sig = Signature::new(cranelift_codegen::isa::CallConv::SystemV);
    for _ in 0..3 {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig
}

fn describe(ty: &ImportType, info: &ModuleInfo<'_>) -> String {
    match ty {
        ImportType::Func(t) => {
            let sig = &info.types[*t];
            format!("func {:?} -> {:?}", sig.params, sig.results)
        }
        ImportType::Memory(_) => "memory".into(),
        ImportType::Table(_) => "table".into(),
        ImportType::Global(ty, _, _) => format!("global {ty:?}"),
        ImportType::Tag(t) => format!("tag {:?}", info.types[*t].params),
    }
}

fn plan_module(
    m: u32,
    info: &ModuleInfo<'_>,
    kind: ProgramKind,
    emitter: &mut Emitter,
    registry: &mut TypeRegistry,
    host_ids: &mut HashMap<String, u32>,
) -> Result<ModulePlan> {
    let type_ids: Vec<u32> = info
        .types
        .keys()
        .map(|t| registry.intern(info, t))
        .collect();
    let mut counts = VmCounts::default();
    let mut callees = Vec::with_capacity(info.funcs.len());
    let mut imports = Vec::new();
    let mut adapters = Vec::new();
    // A component's core imports are bound at instantiation, from its plan, as a script's are.
    let kind = match kind {
        ProgramKind::Component | ProgramKind::ComponentScript | ProgramKind::HttpProxy => {
            ProgramKind::Script
        }
        other => other,
    };
    for import in &info.imports {
        let kind = match (&import.ty, kind) {
            (ImportType::Func(t), ProgramKind::Command) => {
                let sig = &info.types[*t];
                let Some(wasi_fn) = wasi::lookup(&import.module, &import.field) else {
                    return Err(unknown_import(import, info));
                };
                if wasi_fn.params != sig.params.as_slice()
                    || wasi_fn.results != sig.results.as_slice()
                {
                    return Err(CompileError::ImportType {
                        module: import.module.clone(),
                        field: import.field.clone(),
                        declared: describe(&import.ty, info),
                        expected: format!("func {:?} -> {:?}", wasi_fn.params, wasi_fn.results),
                    });
                }
                let symbol = symbols::wasi_host_function(&import.module, &import.field);
                let id = match host_ids.get(&symbol) {
                    Some(id) => *id,
                    None => {
                        let id = emitter.declare(
                            &symbol,
                            Linkage::Import,
                            &func_env::host_signature(sig),
                        )?;
                        host_ids.insert(symbol, id);
                        id
                    }
                };
                let func = FuncIndex::new(callees.len());
                let adapter = if info.escaping.contains(&func) {
                    let aid = emitter.declare(
                        &symbols::host_adapter(m, func.as_u32()),
                        Linkage::Local,
                        &func_env::wasm_signature(sig),
                    )?;
                    adapters.push((func, id, aid));
                    Some(aid)
                } else {
                    None
                };
                callees.push(Callee::Host { id, adapter });
                md::ImportKind::HostFunc {
                    type_id: type_ids[t.index()],
                }
            }
            (_, ProgramKind::Command) => return Err(unknown_import(import, info)),
            (_, ProgramKind::Component | ProgramKind::ComponentScript | ProgramKind::HttpProxy) => {
                unreachable!("component imports are planned as a script's")
            }
            (ImportType::Func(t), ProgramKind::Script) => {
                callees.push(Callee::Import {
                    slot: counts.imported_funcs,
                });
                counts.imported_funcs += 1;
                md::ImportKind::Func {
                    type_id: type_ids[t.index()],
                }
            }
            (ImportType::Memory(ty), ProgramKind::Script) => {
                counts.imported_memories += 1;
                md::ImportKind::Memory(*ty)
            }
            (ImportType::Table(ty), ProgramKind::Script) => {
                counts.imported_tables += 1;
                md::ImportKind::Table(canonical_table(*ty, &type_ids))
            }
            (ImportType::Global(ty, ref_type, mutable), ProgramKind::Script) => {
                counts.imported_globals += 1;
                md::ImportKind::Global(md::GlobalType {
                    ty: *ty,
                    ref_type: ref_type.map(|r| canonical_ref(r, &type_ids)),
                    mutable: *mutable,
                })
            }
            (ImportType::Tag(t), ProgramKind::Script) => md::ImportKind::Tag {
                type_id: type_ids[t.index()],
            },
        };
        imports.push(md::Import {
            module: import.module.clone(),
            field: import.field.clone(),
            kind,
        });
    }
    for (defined, _) in info.bodies.iter() {
        let func = info.func_index(defined);
        let sig = info.func_sig(func);
        let id = emitter.declare(
            &symbols::wasm_function(m, func.as_u32()),
            Linkage::Local,
            &func_env::wasm_signature(sig),
        )?;
        callees.push(Callee::Defined { id });
    }
    if callees.len() != info.funcs.len() {
        return Err(CompileError::Invalid(
            "function and code section counts differ".into(),
        ));
    }
    counts.defined_memories = info.memories.len() as u32 - info.num_imported_memories;
    counts.defined_tables = info.tables.len() as u32 - info.num_imported_tables;
    counts.defined_globals = info.globals.len() as u32 - info.num_imported_globals;
    let funcref_slots: HashMap<FuncIndex, u32> = info
        .escaping
        .iter()
        .enumerate()
        .map(|(slot, f)| (*f, slot as u32))
        .collect();
    counts.funcrefs = funcref_slots.len() as u32;
    counts.tags = info.tags.len() as u32;
    Ok(ModulePlan {
        env_callees: callees,
        type_ids,
        funcref_slots,
        counts,
        imports,
        adapters,
    })
}

/// A reference type with concrete types as canonical type ids.
fn canonical_ref(r: md::RefType, type_ids: &[u32]) -> md::RefType {
    match r.heap {
        md::HeapType::Concrete(i) => md::RefType {
            heap: md::HeapType::Concrete(type_ids[i as usize]),
            ..r
        },
        _ => r,
    }
}

fn canonical_table(t: md::TableType, type_ids: &[u32]) -> md::TableType {
    md::TableType {
        ref_type: canonical_ref(t.ref_type, type_ids),
        ..t
    }
}

fn unknown_import(import: &module::ImportDecl, info: &ModuleInfo<'_>) -> CompileError {
    if import.module.starts_with("wasi:") {
        return CompileError::Unsupported(format!(
            "the core module imports `{}`.`{}`, a WASI 0.2 function: a core module can use \
             only wasi_snapshot_preview1; WASI 0.2 is for components (wrap the module with \
             `wasm-tools component new`)",
            import.module, import.field
        ));
    }
    CompileError::UnknownImport {
        module: import.module.clone(),
        field: import.field.clone(),
        ty: describe(&import.ty, info),
    }
}

fn module_metadata<'a>(
    name: &str,
    info: &ModuleInfo<'a>,
    plan: &ModulePlan,
    func_code: Vec<Option<u32>>,
) -> Result<md::Module<'a>> {
    let mut funcrefs = vec![0; plan.funcref_slots.len()];
    for (func, slot) in &plan.funcref_slots {
        funcrefs[*slot as usize] = func.as_u32();
    }
    let mut func_names: Vec<(u32, String)> = info
        .func_names
        .iter()
        .map(|(f, n)| (f.as_u32(), n.clone()))
        .collect();
    func_names.sort();
    Ok(md::Module {
        name: info.name.clone().unwrap_or_else(|| name.to_string()),
        counts: plan.counts,
        imports: plan.imports.clone(),
        func_types: info
            .funcs
            .values()
            .map(|t| plan.type_ids[t.index()])
            .collect(),
        func_code,
        func_names,
        memories: info
            .memories
            .values()
            .skip(info.num_imported_memories as usize)
            .copied()
            .collect(),
        tables: info
            .tables
            .values()
            .skip(info.num_imported_tables as usize)
            .map(|t| md::Table {
                ty: canonical_table(t.ty, &plan.type_ids),
                init: t.init.clone(),
            })
            .collect(),
        globals: info
            .globals
            .values()
            .skip(info.num_imported_globals as usize)
            .map(|g| md::Global {
                ty: md::GlobalType {
                    ty: g.ty,
                    ref_type: g.ref_type.map(|r| canonical_ref(r, &plan.type_ids)),
                    mutable: g.mutable,
                },
                init: g.init.clone().unwrap_or_default(),
            })
            .collect(),
        funcrefs,
        tags: info
            .tags
            .values()
            .skip(info.num_imported_tags as usize)
            .map(|t| plan.type_ids[t.index()])
            .collect(),
        exports: info
            .exports
            .iter()
            .map(|(name, kind, index)| md::Export {
                name: name.clone(),
                kind: *kind,
                index: *index,
            })
            .collect(),
        data: info
            .data
            .values()
            .map(|d| md::DataSegment {
                active: d.active.as_ref().map(|(m, e)| (m.as_u32(), e.clone())),
                bytes: d.bytes,
            })
            .collect(),
        elems: info
            .elems
            .values()
            .map(|e| md::ElemSegment {
                mode: e.mode.clone(),
                ty: e.ty,
                items: e.items.clone(),
            })
            .collect(),
        start: info.start.map(|f| f.as_u32()),
    })
}
