//! The first pass over a component: validate it and record, for it and every component nested
//! in it, the list of items that define its index spaces, in binary order.
//!
//! Nothing is resolved here. Each [`Item`] refers to earlier items by their index in the
//! component's own index spaces, exactly as the binary does, and to types by wasmparser's type
//! ids, which stay valid for the whole validation. The inliner (`inline.rs`) interprets these
//! lists, instantiation by instantiation, into the flat plan.
//!
//! Core modules are not parsed here beyond what the component validator needs: their bytes
//! are recorded and compiled later by the core pipeline, which validates their function bodies
//! (the component validator skips them, so no body is validated twice).

use crate::error::{CompileError, Result};
use wasmparser::component_types::{
    AliasableResourceId, ComponentAnyTypeId, ComponentEntityType, ComponentFuncTypeId,
    ComponentInstanceTypeId,
};
use wasmparser::types::{CoreTypeId, Types};
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind,
    ComponentOuterAliasKind, ExternalKind, Parser, Payload, ValidPayload, Validator, WasmFeatures,
};

/// A component and the components and modules nested in it, validated.
pub struct Translation<'a> {
    /// Every component, the root last.
    pub components: Vec<StaticComponent<'a>>,
    /// Every core module, in binary order: its bytes.
    pub modules: Vec<&'a [u8]>,
    /// Types of the whole component (ids from any nesting level resolve here).
    pub types: Types,
}

impl Translation<'_> {
    /// The root component.
    pub fn root(&self) -> &StaticComponent<'_> {
        self.components.last().expect("a translation has its root")
    }
}

/// One component of the binary: its items, and its exports by name.
#[derive(Default)]
pub struct StaticComponent<'a> {
    /// Items in binary order.
    pub items: Vec<Item<'a>>,
    /// What the component exports.
    pub exports: Vec<(String, ItemRef)>,
    /// Outer modules and components it refers to.
    pub closure: Closure,
}

/// The outer modules and components a nested component aliases, as its enclosing
/// component hands them down: each entry names an index in the parent's own index space or
/// in the parent's closure.
#[derive(Clone, Debug, Default)]
pub struct Closure {
    /// Modules, by `ClosedOver`.
    pub modules: Vec<ClosedOver>,
    /// Components, by `ClosedOver`.
    pub components: Vec<ClosedOver>,
}

/// Where a closed-over module or component is in the enclosing component.
#[derive(Clone, Copy, Debug)]
pub enum ClosedOver {
    /// Its own index space.
    Local(u32),
    /// Its closure.
    Upvar(u32),
}

/// A reference to an item of one of the component-level index spaces.
#[derive(Clone, Copy, Debug)]
pub enum ItemRef {
    /// A component function.
    Func(u32),
    /// A core module.
    Module(u32),
    /// A component instance.
    Instance(u32),
    /// A component.
    Component(u32),
    /// A type.
    Type(ComponentAnyTypeId),
}

/// Canonical options as written: indices into the component's core index spaces.
#[derive(Clone, Debug, Default)]
pub struct LocalOptions {
    /// `string-encoding`.
    pub string_encoding: wasi_aot_abi::metadata::StringEncoding,
    /// `(memory M)`: a core memory index.
    pub memory: Option<u32>,
    /// `(realloc F)`: a core function index.
    pub realloc: Option<u32>,
    /// `(post-return F)`: a core function index.
    pub post_return: Option<u32>,
}

/// One definition of the component, in binary order.
pub enum Item<'a> {
    /// An import (adds to the index space of its kind).
    Import {
        /// Its full name (with version).
        name: String,
        /// Its type.
        ty: ComponentEntityType,
    },
    /// `canon lower`: a core function.
    Lower {
        /// The component function lowered.
        func: u32,
        /// The core type of the lowered function.
        core_ty: CoreTypeId,
        /// Its options.
        options: LocalOptions,
    },
    /// `canon lift`: a component function.
    Lift {
        /// Its type.
        ty: ComponentFuncTypeId,
        /// The core function lifted.
        core_func: u32,
        /// Its options.
        options: LocalOptions,
    },
    /// A resource type defined here.
    Resource {
        /// Its identity.
        id: AliasableResourceId,
        /// Its destructor, a core function index.
        dtor: Option<u32>,
    },
    /// `canon resource.new`: a core function.
    ResourceNew(AliasableResourceId),
    /// `canon resource.rep`: a core function.
    ResourceRep(AliasableResourceId),
    /// `canon resource.drop`: a core function.
    ResourceDrop(AliasableResourceId),
    /// A core module defined here: index into [`Translation::modules`].
    Module(u32),
    /// A core instance of module `module` (local index) with `args` (core instance indices).
    ModuleInstantiate {
        /// The module.
        module: u32,
        /// Instantiation arguments: import module name, core instance.
        args: Vec<(&'a str, u32)>,
    },
    /// A core instance made of exports of the component's core index spaces.
    ModuleSynthetic(Vec<(&'a str, ExternalKind, u32)>),
    /// A component defined here: index into [`Translation::components`].
    Component(u32),
    /// A component instance of component `component` (local index).
    ComponentInstantiate {
        /// The component.
        component: u32,
        /// Arguments by name.
        args: Vec<(&'a str, ItemRef)>,
        /// The type of the instance, as the enclosing component sees it.
        ty: ComponentInstanceTypeId,
    },
    /// A component instance made of the component's own items.
    ComponentSynthetic(Vec<(&'a str, ItemRef)>),
    /// `alias core export`: an item of the core index space of `kind`.
    AliasCoreExport {
        /// The kind of item.
        kind: ExternalKind,
        /// The core instance.
        instance: u32,
        /// The export.
        name: &'a str,
    },
    /// `alias export`: an item of the component-level index space of `kind`.
    AliasExport {
        /// The kind of item.
        kind: ComponentExternalKind,
        /// The component instance.
        instance: u32,
        /// The export.
        name: &'a str,
    },
    /// An outer alias of a module (an index into [`Closure::modules`] of this component).
    AliasOuterModule(ClosedOver),
    /// An outer alias of a component (an index into [`Closure::components`]).
    AliasOuterComponent(ClosedOver),
    /// An export, which also adds to the index space of its kind.
    Export(ItemRef),
}

/// A component being read: its items so far and where parsing resumes when it ends.
struct Scope<'a> {
    parser: Parser,
    component: StaticComponent<'a>,
}

/// The features components are validated with: the core ones of the configuration, plus
/// every Component Model extension wasmtime accepts. Validating the async, threading and
/// GC extensions lets a component that uses them get a precise "not supported" error from
/// translation instead of a bare "requires the feature" from the validator; maps and
/// fixed-length lists are compiled (their canonical ABI is that of a list of pairs and of
/// a tuple).
pub fn component_features(core: WasmFeatures) -> WasmFeatures {
    core | WasmFeatures::COMPONENT_MODEL
        | WasmFeatures::CM_ASYNC
        | WasmFeatures::CM_ASYNC_STACKFUL
        | WasmFeatures::CM_MORE_ASYNC_BUILTINS
        | WasmFeatures::CM_THREADING
        | WasmFeatures::CM_ERROR_CONTEXT
        | WasmFeatures::CM_GC
        | WasmFeatures::CM_FIXED_LENGTH_LISTS
        | WasmFeatures::CM_MAP
        | WasmFeatures::CM_IMPLEMENTS
}

/// Validates the whole of `wasm` (a component), function bodies included, and nothing more.
pub fn validate(wasm: &[u8], features: WasmFeatures) -> Result<()> {
    Validator::new_with_features(component_features(features))
        .validate_all(wasm)
        .map(drop)
        .map_err(invalid)
}

/// Validates `wasm` (a component) and records its structure.
pub fn translate(wasm: &[u8], features: WasmFeatures) -> Result<Translation<'_>> {
    let mut validator = Validator::new_with_features(component_features(features));
    let mut translator = Translator {
        validator: &mut validator,
        scopes: Vec::new(),
        current: StaticComponent::default(),
        components: Vec::new(),
        modules: Vec::new(),
    };
    let mut parser = Parser::new(0);
    let mut remaining = wasm;
    let mut offset = 0usize;
    loop {
        let (payload, consumed) = match parser.parse(remaining, true).map_err(invalid)? {
            wasmparser::Chunk::Parsed { payload, consumed } => (payload, consumed),
            wasmparser::Chunk::NeedMoreData(_) => {
                return Err(CompileError::Invalid(
                    "the component ends in the middle of a section".into(),
                ))
            }
        };
        remaining = &remaining[consumed..];
        offset += consumed;
        match translator.payload(payload, wasm, &mut parser)? {
            Step::Continue => {}
            Step::Skip(n) => {
                remaining = &remaining[n..];
                offset += n;
            }
            Step::Done(types) => {
                if offset != wasm.len() {
                    return Err(CompileError::Invalid(format!(
                        "trailing bytes after the component at offset {offset:#x}"
                    )));
                }
                let mut components = translator.components;
                components.push(translator.current);
                return Ok(Translation {
                    components,
                    modules: translator.modules,
                    types: *types,
                });
            }
        }
    }
}

enum Step {
    Continue,
    Skip(usize),
    Done(Box<Types>),
}

struct Translator<'a, 'v> {
    validator: &'v mut Validator,
    scopes: Vec<Scope<'a>>,
    current: StaticComponent<'a>,
    components: Vec<StaticComponent<'a>>,
    modules: Vec<&'a [u8]>,
}

fn invalid(e: wasmparser::BinaryReaderError) -> CompileError {
    CompileError::Invalid(e.to_string())
}

impl<'a> Translator<'a, '_> {
    fn types(&self) -> wasmparser::types::TypesRef<'_> {
        self.validator
            .types(0)
            .expect("the validator is inside a component while payloads arrive")
    }

    fn payload(
        &mut self,
        payload: Payload<'a>,
        wasm: &'a [u8],
        parser: &mut Parser,
    ) -> Result<Step> {
        match payload {
            Payload::Version { encoding, .. } => {
                self.validator.payload(&payload).map_err(invalid)?;
                if encoding != wasmparser::Encoding::Component {
                    return Err(CompileError::Invalid(
                        "expected a component, found a core module".into(),
                    ));
                }
            }
            Payload::End(offset) => {
                let types = self.validator.end(offset).map_err(invalid)?;
                match self.scopes.pop() {
                    None => return Ok(Step::Done(Box::new(types))),
                    Some(scope) => {
                        *parser = scope.parser;
                        let done = std::mem::replace(&mut self.current, scope.component);
                        self.components.push(done);
                        let index = (self.components.len() - 1) as u32;
                        self.current.items.push(Item::Component(index));
                    }
                }
            }
            Payload::ComponentSection {
                parser: inner,
                unchecked_range,
            } => {
                self.validator
                    .component_section(&unchecked_range)
                    .map_err(invalid)?;
                self.scopes.push(Scope {
                    parser: std::mem::replace(parser, inner),
                    component: std::mem::take(&mut self.current),
                });
            }
            Payload::ModuleSection {
                parser: inner,
                unchecked_range,
            } => {
                self.validator
                    .module_section(&unchecked_range)
                    .map_err(invalid)?;
                let range = unchecked_range.start as usize..unchecked_range.end as usize;
                let start = range.start;
                let bytes = wasm.get(range).ok_or_else(|| {
                    CompileError::Invalid(format!(
                        "the core module at offset {start:#x} runs past \
                         the end of the input"
                    ))
                })?;
                self.validate_module(inner, bytes)?;
                self.modules.push(bytes);
                let index = (self.modules.len() - 1) as u32;
                self.current.items.push(Item::Module(index));
                return Ok(Step::Skip(bytes.len()));
            }
            Payload::ComponentTypeSection(section) => {
                let first = self.types().component_type_count();
                self.validator
                    .component_type_section(&section)
                    .map_err(invalid)?;
                for (index, ty) in (first..).zip(section) {
                    if let wasmparser::ComponentType::Resource { dtor, .. } = ty.map_err(invalid)? {
                        let id = self.types().component_any_type_at(index).unwrap_resource();
                        self.current.items.push(Item::Resource { id, dtor });
                    }
                }
            }
            Payload::ComponentImportSection(section) => {
                self.validator
                    .component_import_section(&section)
                    .map_err(invalid)?;
                for import in section {
                    let import = import.map_err(invalid)?;
                    let types = self.types();
                    let item = types
                        .component_item_for_import(import.name.name)
                        .expect("a validated import has a type");
                    let name = item.full_name(import.name.name).into_owned();
                    let ty = item.ty;
                    self.current.items.push(Item::Import { name, ty });
                }
            }
            Payload::ComponentCanonicalSection(section) => {
                let mut core_func = self.types().function_count();
                self.validator
                    .component_canonical_section(&section)
                    .map_err(invalid)?;
                for func in section {
                    let item = self.canonical(func.map_err(invalid)?, &mut core_func)?;
                    self.current.items.push(item);
                }
            }
            Payload::InstanceSection(section) => {
                self.validator.instance_section(&section).map_err(invalid)?;
                for instance in section {
                    let item = match instance.map_err(invalid)? {
                        wasmparser::Instance::Instantiate { module_index, args } => {
                            Item::ModuleInstantiate {
                                module: module_index,
                                args: args.iter().map(|a| (a.name, a.index)).collect(),
                            }
                        }
                        wasmparser::Instance::FromExports(exports) => Item::ModuleSynthetic(
                            exports.iter().map(|e| (e.name, e.kind, e.index)).collect(),
                        ),
                    };
                    self.current.items.push(item);
                }
            }
            Payload::ComponentInstanceSection(section) => {
                let first = self.types().component_instance_count();
                self.validator
                    .component_instance_section(&section)
                    .map_err(invalid)?;
                for (index, instance) in (first..).zip(section) {
                    let ty = self.types().component_instance_at(index);
                    let item = match instance.map_err(invalid)? {
                        wasmparser::ComponentInstance::Instantiate {
                            component_index,
                            args,
                        } => Item::ComponentInstantiate {
                            ty,
                            component: component_index,
                            args: args
                                .iter()
                                .map(|a| Ok((a.name, self.item_ref(a.kind, a.index)?)))
                                .collect::<Result<_>>()?,
                        },
                        wasmparser::ComponentInstance::FromExports(exports) => {
                            Item::ComponentSynthetic(
                                exports
                                    .iter()
                                    .map(|e| Ok((e.name.name, self.item_ref(e.kind, e.index)?)))
                                    .collect::<Result<_>>()?,
                            )
                        }
                    };
                    self.current.items.push(item);
                }
            }
            Payload::ComponentAliasSection(section) => {
                self.validator
                    .component_alias_section(&section)
                    .map_err(invalid)?;
                for alias in section {
                    match alias.map_err(invalid)? {
                        ComponentAlias::InstanceExport {
                            kind,
                            instance_index,
                            name,
                        } => self.current.items.push(Item::AliasExport {
                            kind,
                            instance: instance_index,
                            name,
                        }),
                        ComponentAlias::CoreInstanceExport {
                            kind,
                            instance_index,
                            name,
                        } => self.current.items.push(Item::AliasCoreExport {
                            kind,
                            instance: instance_index,
                            name,
                        }),
                        ComponentAlias::Outer { kind, count, index } => {
                            self.alias_outer(kind, count, index)
                        }
                    }
                }
            }
            Payload::ComponentExportSection(section) => {
                self.validator
                    .component_export_section(&section)
                    .map_err(invalid)?;
                for export in section {
                    let export = export.map_err(invalid)?;
                    let item = self.item_ref(export.kind, export.index)?;
                    let types = self.types();
                    let name = types
                        .component_item_for_export(export.name.name)
                        .map(|i| i.full_name(export.name.name).into_owned())
                        .unwrap_or_else(|| export.name.name.to_string());
                    self.current.exports.push((name, item));
                    self.current.items.push(Item::Export(item));
                }
            }
            Payload::ComponentStartSection { .. } => {
                self.validator.payload(&payload).map_err(invalid)?;
                return Err(CompileError::Unsupported(
                    "component start functions (component values) are not supported".into(),
                ));
            }
            Payload::CoreTypeSection(_) | Payload::CustomSection(_) => {
                self.validator.payload(&payload).map_err(invalid)?;
            }
            other => {
                self.validator.payload(&other).map_err(invalid)?;
                return Err(CompileError::Unsupported(format!(
                    "component section {other:?} is not supported"
                )));
            }
        }
        Ok(Step::Continue)
    }

    /// Feeds a nested module's payloads to the component validator, without its function
    /// bodies (the core pipeline validates those).
    fn validate_module(&mut self, mut parser: Parser, bytes: &'a [u8]) -> Result<()> {
        let mut remaining = bytes;
        loop {
            let (payload, consumed) = match parser.parse(remaining, true).map_err(invalid)? {
                wasmparser::Chunk::Parsed { payload, consumed } => (payload, consumed),
                wasmparser::Chunk::NeedMoreData(_) => {
                    return Err(CompileError::Invalid("a core module is truncated".into()))
                }
            };
            remaining = &remaining[consumed..];
            // A function body comes back as `Func`, to validate: that is left to the compiler.
            match self.validator.payload(&payload).map_err(invalid)? {
                ValidPayload::End(_) => return Ok(()),
                ValidPayload::Func(..) | ValidPayload::Ok | ValidPayload::Parser(_) => {}
            }
        }
    }

    fn canonical(&mut self, func: CanonicalFunction, core_func: &mut u32) -> Result<Item<'a>> {
        let resource =
            |t: &Self, index: u32| t.types().component_any_type_at(index).unwrap_resource();
        let item = match func {
            CanonicalFunction::Lift {
                core_func_index,
                type_index,
                options,
            } => {
                let ty = self.types().component_any_type_at(type_index).unwrap_func();
                return Ok(Item::Lift {
                    ty,
                    core_func: core_func_index,
                    options: local_options(&options)?,
                });
            }
            CanonicalFunction::Lower {
                func_index,
                options,
            } => Item::Lower {
                func: func_index,
                core_ty: self.types().core_function_at(*core_func),
                options: local_options(&options)?,
            },
            CanonicalFunction::ResourceNew { resource: r } => Item::ResourceNew(resource(self, r)),
            CanonicalFunction::ResourceRep { resource: r } => Item::ResourceRep(resource(self, r)),
            CanonicalFunction::ResourceDrop { resource: r } => {
                Item::ResourceDrop(resource(self, r))
            }
            other => {
                return Err(CompileError::Unsupported(format!(
                    "the canonical built-in {} is not supported (async, threads and \
                     streams are WASI 0.3)",
                    builtin_name(&other)
                )))
            }
        };
        *core_func += 1;
        Ok(item)
    }

    fn item_ref(&self, kind: ComponentExternalKind, index: u32) -> Result<ItemRef> {
        Ok(match kind {
            ComponentExternalKind::Func => ItemRef::Func(index),
            ComponentExternalKind::Module => ItemRef::Module(index),
            ComponentExternalKind::Instance => ItemRef::Instance(index),
            ComponentExternalKind::Component => ItemRef::Component(index),
            ComponentExternalKind::Type => ItemRef::Type(self.types().component_any_type_at(index)),
            ComponentExternalKind::Value => {
                return Err(CompileError::Unsupported(
                    "component values are not supported".into(),
                ))
            }
        })
    }

    fn alias_outer(&mut self, kind: ComponentOuterAliasKind, count: u32, index: u32) {
        let depth = self.scopes.len() - count as usize;
        match kind {
            ComponentOuterAliasKind::CoreType | ComponentOuterAliasKind::Type => {}
            ComponentOuterAliasKind::CoreModule => {
                let mut closed = ClosedOver::Local(index);
                for i in depth..self.scopes.len() {
                    let modules = if i + 1 == self.scopes.len() {
                        &mut self.current.closure.modules
                    } else {
                        &mut self.scopes[i + 1].component.closure.modules
                    };
                    modules.push(closed);
                    closed = ClosedOver::Upvar((modules.len() - 1) as u32);
                }
                self.current.items.push(Item::AliasOuterModule(closed));
            }
            ComponentOuterAliasKind::Component => {
                let mut closed = ClosedOver::Local(index);
                for i in depth..self.scopes.len() {
                    let components = if i + 1 == self.scopes.len() {
                        &mut self.current.closure.components
                    } else {
                        &mut self.scopes[i + 1].component.closure.components
                    };
                    components.push(closed);
                    closed = ClosedOver::Upvar((components.len() - 1) as u32);
                }
                self.current.items.push(Item::AliasOuterComponent(closed));
            }
        }
    }
}

fn local_options(options: &[CanonicalOption]) -> Result<LocalOptions> {
    use wasi_aot_abi::metadata::StringEncoding;
    let mut local = LocalOptions::default();
    for option in options {
        match *option {
            CanonicalOption::UTF8 => local.string_encoding = StringEncoding::Utf8,
            CanonicalOption::UTF16 => local.string_encoding = StringEncoding::Utf16,
            CanonicalOption::CompactUTF16 => local.string_encoding = StringEncoding::CompactUtf16,
            CanonicalOption::Memory(m) => local.memory = Some(m),
            CanonicalOption::Realloc(f) => local.realloc = Some(f),
            CanonicalOption::PostReturn(f) => local.post_return = Some(f),
            CanonicalOption::Async | CanonicalOption::Callback(_) => {
                return Err(CompileError::Unsupported(
                    "async lifts and lowers are not supported (they are WASI 0.3)".into(),
                ))
            }
            CanonicalOption::CoreType(_) | CanonicalOption::Gc => {
                return Err(CompileError::Unsupported(
                    "the GC variant of the canonical ABI is not supported".into(),
                ))
            }
        }
    }
    Ok(local)
}

/// The text-format name of a built-in (`waitable-set.wait`), from its variant's name.
fn builtin_name(func: &CanonicalFunction) -> String {
    let debug = format!("{func:?}");
    let name = debug.split([' ', '{', '(']).next().unwrap_or("built-in");
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        words
            .last_mut()
            .expect("pushed")
            .push(c.to_ascii_lowercase());
    }
    // The namespace is one word, or two for `waitable-set` and `error-context`.
    let namespace = match words.as_slice() {
        [a, b, _, ..] if (a == "waitable" && b == "set") || (a == "error" && b == "context") => 2,
        [_, _, ..] => 1,
        _ => words.len(),
    };
    let (head, tail) = words.split_at(namespace);
    if tail.is_empty() {
        format!("`{}`", head.join("-"))
    } else {
        format!("`{}.{}`", head.join("-"), tail.join("-"))
    }
}
