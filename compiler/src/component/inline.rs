//! Inlining: instantiate the root component at compile time, following every nested
//! instantiation, and record only what must happen at run time, as a [`Plan`].
//!
//! Each component instantiation is interpreted as a call: its arguments are the values of
//! its imports (host imports at the root), its body the component's items in order, and its
//! result the values of its exports. Every item of every index space is tracked by its
//! definition ([`CoreDef`], [`FuncValue`], ...) rather than by a local index, so that what
//! reaches the plan refers only to core instances, trampolines and host imports. Core
//! instantiations, lowerings and resource built-ins are the side effects that go into the
//! plan, in the order they happen.
//!
//! Resource types are tracked by wasmparser's resource ids. A host import brings the host's
//! resource types; a component's own `(type (resource ...))` defines a guest one. Passing an
//! instance or a type into a nested component maps the nested component's resource ids to
//! the arguments' resources, and its exports map back the ids the enclosing component sees
//! (`bind_resources`), so one resource type keeps one plan index however it is aliased.

use super::fused;
use super::plan::{Instance, Lifted, ModuleRef, Plan, Trampoline, TrampolineKind};
use super::translate::{ClosedOver, Item, ItemRef, LocalOptions, StaticComponent, Translation};
use crate::error::{CompileError, Result};
use crate::module::{self, FuncSig};
use std::collections::HashMap;
use wasi_aot_abi::canon::Flat;
use wasi_aot_abi::metadata::{CType, ComponentFuncType, CoreDef, Options, Resource};
use wasi_aot_abi::wasi_p2::{self, WASI_P2_FUNCTIONS};
use wasmparser::component_types::{
    ComponentAnyTypeId, ComponentDefinedType, ComponentEntityType, ComponentValType, ResourceId,
};
use wasmparser::types::Types;
use wasmparser::{ComponentExternalKind, ExternalKind, PrimitiveValType};

/// How deep components may nest instantiations of each other.
const MAX_DEPTH: usize = 100;

/// Flattens the root component of `translation` into a plan.
pub fn run(translation: &Translation<'_>) -> Result<Plan> {
    let mut inliner = Inliner {
        translation,
        types: &translation.types,
        plan: Plan::default(),
        resources: HashMap::new(),
        module_imports: HashMap::new(),
    };
    let root = translation.root();
    let exports = inliner.instantiate(root, HashMap::new(), ClosureValues::default(), 0)?;
    for (name, value) in exports {
        inliner.record_export(vec![name], value)?;
    }
    Ok(inliner.plan)
}

/// A host import and the path into it (`wasi:cli/stdout@0.2.3` / `get-stdout`).
#[derive(Clone, Debug)]
struct ImportPath {
    root: String,
    path: Vec<String>,
}

/// A component function.
#[derive(Clone, Debug)]
enum FuncValue {
    Import(ImportPath),
    Lifted(Box<Lifted>),
}

/// A component instance.
#[derive(Clone, Debug)]
enum InstanceValue {
    Import(ImportPath),
    Items(Vec<(String, ItemValue)>),
}

/// A component, with what it closes over.
#[derive(Clone, Debug)]
struct ComponentValue {
    index: u32,
    closure: ClosureValues,
}

#[derive(Clone, Debug, Default)]
struct ClosureValues {
    modules: Vec<u32>,
    components: Vec<ComponentValue>,
}

/// Any component-level item.
#[derive(Clone, Debug)]
enum ItemValue {
    Func(FuncValue),
    Instance(InstanceValue),
    Component(ComponentValue),
    Module(u32),
    /// A type: a resource type (its plan index or why there is none), or another type.
    Type(Option<ResourceValue>),
}

/// A resource type: its plan index, or why the plan cannot have it (an error only once
/// something uses it).
type ResourceValue = std::result::Result<u32, String>;

/// A core instance.
enum CoreInstanceValue {
    Instantiated(u32),
    Synthetic(HashMap<String, CoreDef>),
}

struct Inliner<'t> {
    translation: &'t Translation<'t>,
    types: &'t Types,
    plan: Plan,
    /// Resource ids to plan resources (or why a host resource is missing).
    resources: HashMap<ResourceId, ResourceValue>,
    /// Import names of each module, computed once.
    module_imports: HashMap<u32, Vec<(String, String)>>,
}

/// The index spaces of one component instantiation.
#[derive(Default)]
struct Frame {
    instance: u32,
    core_funcs: Vec<CoreDef>,
    core_memories: Vec<CoreDef>,
    core_tables: Vec<CoreDef>,
    core_globals: Vec<CoreDef>,
    core_tags: Vec<CoreDef>,
    modules: Vec<u32>,
    core_instances: Vec<CoreInstanceValue>,
    funcs: Vec<FuncValue>,
    instances: Vec<InstanceValue>,
    components: Vec<ComponentValue>,
}

fn unsupported(message: String) -> CompileError {
    CompileError::Unsupported(message)
}

fn invalid(message: &str) -> CompileError {
    CompileError::Invalid(message.to_string())
}

impl<'t> Inliner<'t> {
    fn instantiate(
        &mut self,
        component: &'t StaticComponent<'t>,
        mut args: HashMap<String, ItemValue>,
        closure: ClosureValues,
        depth: usize,
    ) -> Result<Vec<(String, ItemValue)>> {
        if depth > MAX_DEPTH {
            return Err(unsupported(format!(
                "components nested more than {MAX_DEPTH} instantiations deep"
            )));
        }
        let mut frame = Frame {
            instance: self.plan.component_instances,
            ..Frame::default()
        };
        self.plan.component_instances += 1;
        let root = depth == 0;
        let mut exports = Vec::new();
        let mut export_names = component.exports.iter();
        for item in &component.items {
            match item {
                Item::Import { name, ty } => {
                    let value = if root {
                        self.host_import(name, ty)?
                    } else {
                        let value = args
                            .remove(name.as_str())
                            .ok_or_else(|| invalid(&format!("missing argument `{name}`")))?;
                        self.bind_resources(ty, &value);
                        value
                    };
                    self.push_item(&mut frame, value)?;
                }
                Item::Lower {
                    func,
                    core_ty,
                    options,
                } => {
                    let sig = core_sig(self.types, *core_ty)?;
                    let options = self.options(&frame, options)?;
                    let func = frame.funcs[*func as usize].clone();
                    let core = match func {
                        FuncValue::Import(path) => {
                            let kind = self.host_function(&path, &sig, options)?;
                            CoreDef::Trampoline(self.trampoline(kind, sig, frame.instance))
                        }
                        FuncValue::Lifted(callee) => {
                            self.fused_adapter(callee, options, &sig, frame.instance)?
                        }
                    };
                    frame.core_funcs.push(core);
                }
                Item::Lift {
                    ty,
                    core_func,
                    options,
                } => {
                    let func_ty = &self.types[*ty];
                    let lifted = Lifted {
                        func: frame.core_funcs[*core_func as usize].clone(),
                        options: self.options(&frame, options)?,
                        ty: wit_func(self.types, func_ty),
                        sig: lifted_sig(self.types, func_ty)?,
                        instance: frame.instance,
                        cty: self.func_ctype(func_ty)?,
                    };
                    frame.funcs.push(FuncValue::Lifted(Box::new(lifted)));
                }
                Item::Resource { id, dtor } => {
                    let dtor = dtor.map(|f| frame.core_funcs[f as usize].clone());
                    self.plan.resources.push(Resource::Guest {
                        instance: frame.instance,
                        dtor,
                    });
                    let index = (self.plan.resources.len() - 1) as u32;
                    self.resources.insert(id.resource(), Ok(index));
                }
                Item::ResourceNew(id) | Item::ResourceRep(id) | Item::ResourceDrop(id) => {
                    let resource = self.resource(id.resource())?;
                    let (kind, sig) = match item {
                        Item::ResourceNew(_) => (TrampolineKind::ResourceNew(resource), (1, 1)),
                        Item::ResourceRep(_) => (TrampolineKind::ResourceRep(resource), (1, 1)),
                        _ => (TrampolineKind::ResourceDrop(resource), (1, 0)),
                    };
                    let sig = FuncSig {
                        params: vec![wasi_aot_abi::ValType::I32; sig.0],
                        results: vec![wasi_aot_abi::ValType::I32; sig.1],
                    };
                    let t = self.trampoline(kind, sig, frame.instance);
                    frame.core_funcs.push(CoreDef::Trampoline(t));
                }
                Item::Module(index) => frame.modules.push(*index),
                Item::ModuleInstantiate { module, args } => {
                    let module = frame.modules[*module as usize];
                    let imports = self.imports_of(module)?;
                    let mut bound = Vec::with_capacity(imports.len());
                    for (import_module, field) in imports {
                        let arg = args
                            .iter()
                            .find(|(name, _)| *name == import_module)
                            .ok_or_else(|| {
                                invalid(&format!("no argument for import module `{import_module}`"))
                            })?;
                        let def = match &frame.core_instances[arg.1 as usize] {
                            CoreInstanceValue::Instantiated(i) => CoreDef::Export {
                                instance: *i,
                                name: field.clone(),
                            },
                            CoreInstanceValue::Synthetic(map) => {
                                map.get(&field).cloned().ok_or_else(|| {
                                    invalid(&format!(
                                        "the argument `{import_module}` has no `{field}`"
                                    ))
                                })?
                            }
                        };
                        bound.push((import_module, field, def));
                    }
                    self.plan.instances.push(Instance {
                        module: ModuleRef::Component(module),
                        name: module_name(self.translation.modules[module as usize])
                            .unwrap_or_else(|| format!("module {module}")),
                        imports: bound,
                    });
                    let index = (self.plan.instances.len() - 1) as u32;
                    frame
                        .core_instances
                        .push(CoreInstanceValue::Instantiated(index));
                }
                Item::ModuleSynthetic(exports) => {
                    let mut map = HashMap::new();
                    for (name, kind, index) in exports {
                        let def = core_space(&frame, *kind)[*index as usize].clone();
                        map.insert(name.to_string(), def);
                    }
                    frame.core_instances.push(CoreInstanceValue::Synthetic(map));
                }
                Item::Component(index) => {
                    let nested = &self.translation.components[*index as usize];
                    let mut values = ClosureValues::default();
                    for m in &nested.closure.modules {
                        values.modules.push(match *m {
                            ClosedOver::Local(i) => frame.modules[i as usize],
                            ClosedOver::Upvar(i) => closure.modules[i as usize],
                        });
                    }
                    for c in &nested.closure.components {
                        values.components.push(match *c {
                            ClosedOver::Local(i) => frame.components[i as usize].clone(),
                            ClosedOver::Upvar(i) => closure.components[i as usize].clone(),
                        });
                    }
                    frame.components.push(ComponentValue {
                        index: *index,
                        closure: values,
                    });
                }
                Item::ComponentInstantiate {
                    component,
                    args,
                    ty,
                } => {
                    let callee = frame.components[*component as usize].clone();
                    let mut values = HashMap::new();
                    for (name, item) in args {
                        values.insert(name.to_string(), self.item_value(&frame, *item)?);
                    }
                    let nested = &self.translation.components[callee.index as usize];
                    let exports = self.instantiate(nested, values, callee.closure, depth + 1)?;
                    let value = InstanceValue::Items(exports);
                    self.bind_resources(
                        &ComponentEntityType::Instance(*ty),
                        &ItemValue::Instance(value.clone()),
                    );
                    frame.instances.push(value);
                }
                Item::ComponentSynthetic(items) => {
                    let mut values = Vec::new();
                    for (name, item) in items {
                        values.push((name.to_string(), self.item_value(&frame, *item)?));
                    }
                    frame.instances.push(InstanceValue::Items(values));
                }
                Item::AliasCoreExport {
                    kind,
                    instance,
                    name,
                } => {
                    let def = match &frame.core_instances[*instance as usize] {
                        CoreInstanceValue::Instantiated(i) => CoreDef::Export {
                            instance: *i,
                            name: name.to_string(),
                        },
                        CoreInstanceValue::Synthetic(map) => map
                            .get(*name)
                            .cloned()
                            .ok_or_else(|| invalid(&format!("no core export `{name}`")))?,
                    };
                    core_space_mut(&mut frame, *kind).push(def);
                }
                Item::AliasExport {
                    kind,
                    instance,
                    name,
                } => {
                    let value = match &frame.instances[*instance as usize] {
                        InstanceValue::Import(path) => {
                            let mut path = path.clone();
                            path.path.push(name.to_string());
                            match kind {
                                ComponentExternalKind::Func => {
                                    ItemValue::Func(FuncValue::Import(path))
                                }
                                ComponentExternalKind::Instance => {
                                    ItemValue::Instance(InstanceValue::Import(path))
                                }
                                // Types are tracked by wasmparser's ids.
                                ComponentExternalKind::Type => continue,
                                _ => {
                                    return Err(unsupported(format!(
                                        "importing a {kind:?} from the host (`{}`)",
                                        path.path.join("/")
                                    )))
                                }
                            }
                        }
                        InstanceValue::Items(items) => items
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| v.clone())
                            .ok_or_else(|| invalid(&format!("no export `{name}`")))?,
                    };
                    self.push_item(&mut frame, value)?;
                }
                Item::AliasOuterModule(closed) => frame.modules.push(match *closed {
                    ClosedOver::Local(i) => frame.modules[i as usize],
                    ClosedOver::Upvar(i) => closure.modules[i as usize],
                }),
                Item::AliasOuterComponent(closed) => {
                    let value = match *closed {
                        ClosedOver::Local(i) => frame.components[i as usize].clone(),
                        ClosedOver::Upvar(i) => closure.components[i as usize].clone(),
                    };
                    frame.components.push(value);
                }
                Item::Export(item) => {
                    let value = self.item_value(&frame, *item)?;
                    let (name, _) = export_names
                        .next()
                        .expect("one export name per export item");
                    exports.push((name.clone(), value.clone()));
                    if !matches!(value, ItemValue::Type(_)) {
                        self.push_item(&mut frame, value)?;
                    }
                }
            }
        }
        Ok(exports)
    }

    /// The value of a root import: the host's.
    fn host_import(&mut self, name: &str, ty: &ComponentEntityType) -> Result<ItemValue> {
        let path = ImportPath {
            root: name.to_string(),
            path: Vec::new(),
        };
        let value = match ty {
            ComponentEntityType::Instance(_) => ItemValue::Instance(InstanceValue::Import(path)),
            ComponentEntityType::Func(_) => ItemValue::Func(FuncValue::Import(path)),
            ComponentEntityType::Type { .. } => ItemValue::Type(Some(Err(format!(
                "the host provides no resource type `{name}`"
            )))),
            other => {
                return Err(unsupported(format!(
                    "the import `{name}` is a {}; the host provides only WASI 0.2 \
                     interfaces (instances of functions and resource types)",
                    entity_desc(other)
                )))
            }
        };
        self.bind_resources(ty, &value);
        Ok(value)
    }

    /// Maps the resource ids in `ty` to the resources of `value`, which has that type.
    fn bind_resources(&mut self, ty: &ComponentEntityType, value: &ItemValue) {
        match (ty, value) {
            (
                ComponentEntityType::Type {
                    created: ComponentAnyTypeId::Resource(id),
                    ..
                },
                ItemValue::Type(Some(resource)),
            ) => {
                // Each instantiation rebinds its component's ids (a component instantiated
                // twice with different arguments sees different resources). A type an
                // interface re-exports (`use`) is the defining interface's: a binding that
                // names no real resource never replaces one that does.
                let entry = self
                    .resources
                    .entry(id.resource())
                    .or_insert(resource.clone());
                if resource.is_ok() || entry.is_err() {
                    *entry = resource.clone();
                }
            }
            (ComponentEntityType::Instance(id), ItemValue::Instance(instance)) => {
                let exports = self.types[*id].exports.clone();
                for (name, export) in exports {
                    let inner = match instance {
                        InstanceValue::Import(path) => {
                            let mut path = path.clone();
                            path.path.push(name.clone());
                            match &export.ty {
                                ComponentEntityType::Type {
                                    created: ComponentAnyTypeId::Resource(_),
                                    ..
                                } => ItemValue::Type(Some(self.host_resource(&path))),
                                ComponentEntityType::Instance(_) => {
                                    ItemValue::Instance(InstanceValue::Import(path))
                                }
                                _ => continue,
                            }
                        }
                        InstanceValue::Items(items) => {
                            match items.iter().find(|(n, _)| *n == name) {
                                Some((_, v)) => v.clone(),
                                None => continue,
                            }
                        }
                    };
                    self.bind_resources(&export.ty, &inner);
                }
            }
            _ => {}
        }
    }

    /// The plan resource of the host resource type an import path names
    /// (`wasi:io/streams@0.2.3` / `output-stream`), one plan entry per host type.
    fn host_resource(&mut self, path: &ImportPath) -> ResourceValue {
        let (interface, _) = wasi_p2::split_version(&path.root);
        let name = path.path.last().map(String::as_str).unwrap_or("");
        let host = wasi_p2::lookup_resource(interface, name).ok_or_else(|| {
            format!(
                "import `{}` resource type `{name}`: the host does not provide it",
                path.root
            )
        })?;
        let existing = self
            .plan
            .resources
            .iter()
            .position(|r| *r == Resource::Host(host));
        Ok(match existing {
            Some(index) => index as u32,
            None => {
                self.plan.resources.push(Resource::Host(host));
                (self.plan.resources.len() - 1) as u32
            }
        })
    }

    fn resource(&self, id: ResourceId) -> Result<u32> {
        match self.resources.get(&id) {
            Some(Ok(index)) => Ok(*index),
            Some(Err(why)) => Err(unsupported(why.clone())),
            None => Err(unsupported(
                "a resource type that is neither a host's nor defined by a component".into(),
            )),
        }
    }

    fn push_item(&mut self, frame: &mut Frame, value: ItemValue) -> Result<()> {
        match value {
            ItemValue::Func(f) => frame.funcs.push(f),
            ItemValue::Instance(i) => frame.instances.push(i),
            ItemValue::Component(c) => frame.components.push(c),
            ItemValue::Module(m) => frame.modules.push(m),
            ItemValue::Type(_) => {}
        }
        Ok(())
    }

    fn item_value(&self, frame: &Frame, item: ItemRef) -> Result<ItemValue> {
        Ok(match item {
            ItemRef::Func(i) => ItemValue::Func(frame.funcs[i as usize].clone()),
            ItemRef::Module(i) => ItemValue::Module(frame.modules[i as usize]),
            ItemRef::Instance(i) => ItemValue::Instance(frame.instances[i as usize].clone()),
            ItemRef::Component(i) => ItemValue::Component(frame.components[i as usize].clone()),
            ItemRef::Type(ComponentAnyTypeId::Resource(id)) => {
                ItemValue::Type(self.resources.get(&id.resource()).cloned())
            }
            ItemRef::Type(_) => ItemValue::Type(None),
        })
    }

    fn options(&self, frame: &Frame, local: &LocalOptions) -> Result<Options> {
        let memory = match local.memory {
            None => None,
            Some(m) => match &frame.core_memories[m as usize] {
                CoreDef::Export { instance, name } => Some((*instance, name.clone())),
                CoreDef::Trampoline(_) => return Err(invalid("a memory that is a function")),
            },
        };
        Ok(Options {
            memory,
            realloc: local.realloc.map(|f| frame.core_funcs[f as usize].clone()),
            post_return: local
                .post_return
                .map(|f| frame.core_funcs[f as usize].clone()),
            string_encoding: local.string_encoding,
        })
    }

    /// The canonical ABI's view of a function type (resources as plan indices).
    fn func_ctype(
        &self,
        ty: &wasmparser::component_types::ComponentFuncType,
    ) -> Result<ComponentFuncType> {
        Ok(ComponentFuncType {
            params: ty
                .params
                .iter()
                .map(|(_, t)| self.ctype(t))
                .collect::<Result<_>>()?,
            result: ty.result.as_ref().map(|t| self.ctype(t)).transpose()?,
        })
    }

    fn ctype(&self, ty: &ComponentValType) -> Result<CType> {
        let id = match ty {
            ComponentValType::Primitive(p) => return primitive_ctype(*p),
            ComponentValType::Type(id) => *id,
        };
        let boxed = |t: &ComponentValType| self.ctype(t).map(Box::new);
        Ok(match &self.types[id] {
            ComponentDefinedType::Primitive(p) => primitive_ctype(*p)?,
            ComponentDefinedType::Record(r) => CType::Record(
                r.fields
                    .iter()
                    .map(|(n, t)| Ok((n.to_string(), self.ctype(t)?)))
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::Tuple(t) => CType::Tuple(
                t.types
                    .iter()
                    .map(|t| self.ctype(t))
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::Variant(v) => CType::Variant(
                v.cases
                    .iter()
                    .map(|(n, c)| {
                        Ok((
                            n.to_string(),
                            c.ty.as_ref().map(|t| self.ctype(t)).transpose()?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::List { element, .. } => CType::List(boxed(element)?),
            ComponentDefinedType::FixedLengthList {
                element, length, ..
            } => CType::FixedList(boxed(element)?, *length),
            ComponentDefinedType::Flags(names) => {
                CType::Flags(names.iter().map(|n| n.to_string()).collect())
            }
            ComponentDefinedType::Enum(names) => {
                CType::Enum(names.iter().map(|n| n.to_string()).collect())
            }
            ComponentDefinedType::Option { ty, .. } => CType::Option(boxed(ty)?),
            ComponentDefinedType::Result { ok, err, .. } => CType::Result(
                ok.as_ref().map(boxed).transpose()?,
                err.as_ref().map(boxed).transpose()?,
            ),
            // A map's canonical ABI is that of `list<tuple<k, v>>`.
            ComponentDefinedType::Map { key, value, .. } => {
                CType::List(Box::new(CType::Tuple(vec![
                    self.ctype(key)?,
                    self.ctype(value)?,
                ])))
            }
            ComponentDefinedType::Own(id) => CType::Own(self.resource(id.resource())?),
            ComponentDefinedType::Borrow(id) => CType::Borrow(self.resource(id.resource())?),
            other => {
                return Err(unsupported(format!(
                    "the component value type {other:?} is not supported (maps, futures and \
                     streams are WASI 0.3)"
                )))
            }
        })
    }

    /// Binds a lowered host import to the WASI 0.2 host function it names.
    fn host_function(
        &self,
        path: &ImportPath,
        sig: &FuncSig,
        options: Options,
    ) -> Result<TrampolineKind> {
        let [name] = path.path.as_slice() else {
            return Err(unsupported(format!(
                "the function import `{}{}` is not a function of a WASI 0.2 interface",
                path.root,
                path.path
                    .iter()
                    .map(|p| format!("/{p}"))
                    .collect::<String>()
            )));
        };
        let (interface, version) = wasi_p2::split_version(&path.root);
        let version = version.unwrap_or("(no version)");
        let Some(host) = wasi_p2::lookup_function(interface, name) else {
            let why = if interface.starts_with("wasi:http/") {
                "wasi:http is not supported yet"
            } else if interface.starts_with("wasi:") {
                "it is not a WASI 0.2 function"
            } else {
                "the host provides only WASI 0.2 interfaces"
            };
            return Err(unsupported(format!(
                "the component imports function `{name}` of `{interface}` version {version}, \
                 which the host does not provide: {why} (see `wasi-aot inspect`)"
            )));
        };
        if !wasi_p2::version_matches(version) {
            return Err(unsupported(format!(
                "import `{}` function `{name}`: version {version} is not a WASI 0.2.x \
                 version (the host implements {interface}@{})",
                path.root,
                wasi_p2::VERSION
            )));
        }
        let entry = &WASI_P2_FUNCTIONS[host as usize];
        if entry.params != sig.params.as_slice()
            || entry.result.into_iter().collect::<Vec<_>>() != sig.results
        {
            return Err(unsupported(format!(
                "import `{}` function `{name}` has the core signature {:?} -> {:?}, but \
                 WASI 0.2 lowers it to {:?} -> {:?}",
                path.root, sig.params, sig.results, entry.params, entry.result
            )));
        }
        Ok(TrampolineKind::Lower {
            host,
            import: path.root.clone(),
            options,
        })
    }

    /// A lowering of a function another component instance lifted: a fused adapter module
    /// instance (and the trampolines of the intrinsics it imports); its export is the core
    /// function the lowering gives.
    fn fused_adapter(
        &mut self,
        callee: Box<Lifted>,
        options: Options,
        sig: &FuncSig,
        instance: u32,
    ) -> Result<CoreDef> {
        let side = |o: &Options| fused::SideOptions {
            memory: o.memory.is_some(),
            realloc: o.realloc.is_some(),
        };
        let spec = fused::Spec {
            ty: &callee.cty,
            caller: side(&options),
            callee: side(&callee.options),
            post_return: callee.options.post_return.is_some(),
        };
        let flat = |f: &[Flat]| f.iter().map(|f| abi_val_type(*f)).collect::<Vec<_>>();
        let (params, results) = fused::lowered_sig(&callee.cty);
        if (flat(&params), flat(&results)) != (sig.params.clone(), sig.results.clone()) {
            return Err(invalid("a lowering whose core type is not its function's"));
        }
        let adapter = fused::generate(&spec);
        let memory = |m: &Option<(u32, String)>| {
            m.clone()
                .map(|(instance, name)| CoreDef::Export { instance, name })
        };
        let mut imports = Vec::new();
        for (module, field, what) in adapter.imports {
            let def = match what {
                fused::Import::CalleeFunc => Some(callee.func.clone()),
                fused::Import::PostReturn => callee.options.post_return.clone(),
                fused::Import::CallerMemory => memory(&options.memory),
                fused::Import::CalleeMemory => memory(&callee.options.memory),
                fused::Import::CallerRealloc => options.realloc.clone(),
                fused::Import::CalleeRealloc => callee.options.realloc.clone(),
                fused::Import::Intrinsic(op) => {
                    let (params, results) = fused::intrinsic_sig(op);
                    let sig = FuncSig {
                        params: params.iter().map(|t| abi_encoder_type(*t)).collect(),
                        results: results.iter().map(|t| abi_encoder_type(*t)).collect(),
                    };
                    let kind = TrampolineKind::Adapter {
                        op,
                        callee: callee.clone(),
                        options: options.clone(),
                    };
                    Some(CoreDef::Trampoline(self.trampoline(kind, sig, instance)))
                }
            };
            let def = def.ok_or_else(|| invalid("an adapter import its options do not provide"))?;
            imports.push((module, field, def));
        }
        let index = self.plan.adapter_modules.len() as u32;
        self.plan.adapter_modules.push(adapter.wasm);
        self.plan.instances.push(Instance {
            module: ModuleRef::Adapter(index),
            name: format!("fused adapter {index}"),
            imports,
        });
        Ok(CoreDef::Export {
            instance: (self.plan.instances.len() - 1) as u32,
            name: fused::EXPORT.to_string(),
        })
    }

    fn trampoline(&mut self, kind: TrampolineKind, sig: FuncSig, instance: u32) -> u32 {
        self.plan.trampolines.push(Trampoline {
            kind,
            sig,
            instance,
        });
        (self.plan.trampolines.len() - 1) as u32
    }

    fn imports_of(&mut self, module: u32) -> Result<Vec<(String, String)>> {
        if let Some(imports) = self.module_imports.get(&module) {
            return Ok(imports.clone());
        }
        let bytes = self.translation.modules[module as usize];
        let imports = module::import_names(bytes)?;
        self.module_imports.insert(module, imports.clone());
        Ok(imports)
    }

    fn record_export(&mut self, path: Vec<String>, value: ItemValue) -> Result<()> {
        match value {
            ItemValue::Func(FuncValue::Lifted(lifted)) => self.plan.exports.push((path, *lifted)),
            ItemValue::Instance(InstanceValue::Items(items)) => {
                for (name, item) in items {
                    let mut path = path.clone();
                    path.push(name);
                    self.record_export(path, item)?;
                }
            }
            ItemValue::Func(FuncValue::Import(import)) => {
                return Err(unsupported(format!(
                    "the export `{}` re-exports the host import `{}`",
                    path.join("/"),
                    import.root
                )))
            }
            // Re-exported host instances, types, modules and components carry nothing to run.
            _ => {}
        }
        Ok(())
    }
}

fn core_space(frame: &Frame, kind: ExternalKind) -> &Vec<CoreDef> {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => &frame.core_funcs,
        ExternalKind::Memory => &frame.core_memories,
        ExternalKind::Table => &frame.core_tables,
        ExternalKind::Global => &frame.core_globals,
        ExternalKind::Tag => &frame.core_tags,
    }
}

fn core_space_mut(frame: &mut Frame, kind: ExternalKind) -> &mut Vec<CoreDef> {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => &mut frame.core_funcs,
        ExternalKind::Memory => &mut frame.core_memories,
        ExternalKind::Table => &mut frame.core_tables,
        ExternalKind::Global => &mut frame.core_globals,
        ExternalKind::Tag => &mut frame.core_tags,
    }
}

fn entity_desc(ty: &ComponentEntityType) -> &'static str {
    match ty {
        ComponentEntityType::Module(_) => "core module",
        ComponentEntityType::Func(_) => "function",
        ComponentEntityType::Value(_) => "value",
        ComponentEntityType::Type { .. } => "type",
        ComponentEntityType::Instance(_) => "instance",
        ComponentEntityType::Component(_) => "component",
    }
}

/// The core signature of a core function type.
fn core_sig(types: &Types, id: wasmparser::types::CoreTypeId) -> Result<FuncSig> {
    let func = types[id].unwrap_func();
    Ok(FuncSig {
        params: func
            .params()
            .iter()
            .map(|t| module::val_type(*t))
            .collect::<Result<_>>()?,
        results: func
            .results()
            .iter()
            .map(|t| module::val_type(*t))
            .collect::<Result<_>>()?,
    })
}

/// The core signature a lifted function of type `ty` has (the canonical ABI's flattening).
fn lifted_sig(
    types: &Types,
    ty: &wasmparser::component_types::ComponentFuncType,
) -> Result<FuncSig> {
    let mut params = Vec::new();
    for (_, p) in ty.params.iter() {
        super::abi::flatten(types, p, &mut params);
    }
    if params.len() > super::abi::MAX_FLAT_PARAMS {
        params = vec![wasi_aot_abi::ValType::I32];
    }
    let mut results = Vec::new();
    if let Some(r) = &ty.result {
        super::abi::flatten(types, r, &mut results);
    }
    if results.len() > super::abi::MAX_FLAT_RESULTS {
        results = vec![wasi_aot_abi::ValType::I32];
    }
    Ok(FuncSig { params, results })
}

/// A function type as WIT writes it.
pub fn wit_func(types: &Types, ty: &wasmparser::component_types::ComponentFuncType) -> String {
    let params: Vec<String> = ty
        .params
        .iter()
        .map(|(name, t)| format!("{}: {}", name.as_str(), wit_type(types, t)))
        .collect();
    let mut out = format!("func({})", params.join(", "));
    if let Some(r) = &ty.result {
        out += &format!(" -> {}", wit_type(types, r));
    }
    out
}

/// A value type as WIT writes it.
pub fn wit_type(types: &Types, ty: &ComponentValType) -> String {
    let id = match ty {
        ComponentValType::Primitive(p) => return wit_primitive(*p).to_string(),
        ComponentValType::Type(id) => *id,
    };
    let list = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
    match &types[id] {
        ComponentDefinedType::Primitive(p) => wit_primitive(*p).to_string(),
        ComponentDefinedType::Record(r) => format!(
            "record {{ {} }}",
            list(&mut r.fields.iter().map(|(n, t)| format!(
                "{}: {}",
                n.as_str(),
                wit_type(types, t)
            )))
        ),
        ComponentDefinedType::Variant(v) => format!(
            "variant {{ {} }}",
            list(&mut v.cases.iter().map(|(n, c)| match &c.ty {
                Some(t) => format!("{}({})", n.as_str(), wit_type(types, t)),
                None => n.as_str().to_string(),
            }))
        ),
        ComponentDefinedType::List { element, .. } => format!("list<{}>", wit_type(types, element)),
        ComponentDefinedType::Tuple(t) => format!(
            "tuple<{}>",
            list(&mut t.types.iter().map(|t| wit_type(types, t)))
        ),
        ComponentDefinedType::Flags(f) => format!(
            "flags {{ {} }}",
            list(&mut f.iter().map(|n| n.as_str().to_string()))
        ),
        ComponentDefinedType::Enum(e) => format!(
            "enum {{ {} }}",
            list(&mut e.iter().map(|n| n.as_str().to_string()))
        ),
        ComponentDefinedType::Option { ty: t, .. } => format!("option<{}>", wit_type(types, t)),
        ComponentDefinedType::Result { ok, err, .. } => match (ok, err) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", wit_type(types, ok)),
            (None, Some(err)) => format!("result<_, {}>", wit_type(types, err)),
            (Some(ok), Some(err)) => {
                format!("result<{}, {}>", wit_type(types, ok), wit_type(types, err))
            }
        },
        ComponentDefinedType::Own(_) => "own<resource>".into(),
        ComponentDefinedType::Borrow(_) => "borrow<resource>".into(),
        other => format!("{other:?}"),
    }
}

fn primitive_ctype(p: PrimitiveValType) -> Result<CType> {
    Ok(match p {
        PrimitiveValType::Bool => CType::Bool,
        PrimitiveValType::S8 => CType::S8,
        PrimitiveValType::U8 => CType::U8,
        PrimitiveValType::S16 => CType::S16,
        PrimitiveValType::U16 => CType::U16,
        PrimitiveValType::S32 => CType::S32,
        PrimitiveValType::U32 => CType::U32,
        PrimitiveValType::S64 => CType::S64,
        PrimitiveValType::U64 => CType::U64,
        PrimitiveValType::F32 => CType::F32,
        PrimitiveValType::F64 => CType::F64,
        PrimitiveValType::Char => CType::Char,
        PrimitiveValType::String => CType::String,
        PrimitiveValType::ErrorContext => {
            return Err(unsupported(
                "the `error-context` type is not supported (it is WASI 0.3)".into(),
            ))
        }
    })
}

fn wit_primitive(p: PrimitiveValType) -> &'static str {
    match p {
        PrimitiveValType::Bool => "bool",
        PrimitiveValType::S8 => "s8",
        PrimitiveValType::U8 => "u8",
        PrimitiveValType::S16 => "s16",
        PrimitiveValType::U16 => "u16",
        PrimitiveValType::S32 => "s32",
        PrimitiveValType::U32 => "u32",
        PrimitiveValType::S64 => "s64",
        PrimitiveValType::U64 => "u64",
        PrimitiveValType::F32 => "f32",
        PrimitiveValType::F64 => "f64",
        PrimitiveValType::Char => "char",
        PrimitiveValType::String => "string",
        PrimitiveValType::ErrorContext => "error-context",
    }
}

/// The name a module gives itself in its name section, if any.
fn module_name(bytes: &[u8]) -> Option<String> {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let Ok(wasmparser::Payload::CustomSection(section)) = payload {
            if let wasmparser::KnownCustom::Name(reader) = section.as_known() {
                for name in reader.into_iter().flatten() {
                    if let wasmparser::Name::Module { name, .. } = name {
                        return Some(name.to_string());
                    }
                }
            }
        }
    }
    None
}

fn abi_val_type(f: Flat) -> wasi_aot_abi::ValType {
    match f {
        Flat::I32 => wasi_aot_abi::ValType::I32,
        Flat::I64 => wasi_aot_abi::ValType::I64,
        Flat::F32 => wasi_aot_abi::ValType::F32,
        Flat::F64 => wasi_aot_abi::ValType::F64,
    }
}

fn abi_encoder_type(t: wasm_encoder::ValType) -> wasi_aot_abi::ValType {
    match t {
        wasm_encoder::ValType::I64 => wasi_aot_abi::ValType::I64,
        wasm_encoder::ValType::F32 => wasi_aot_abi::ValType::F32,
        wasm_encoder::ValType::F64 => wasi_aot_abi::ValType::F64,
        _ => wasi_aot_abi::ValType::I32,
    }
}
