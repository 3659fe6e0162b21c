//! Calls through wit-component's shim tables, bound at compile time.
//!
//! wit-component instantiates a component's main module before the functions it imports can
//! exist (they lower into the main module's own memory, or come from the Preview 1 adapter,
//! which imports that memory). So it binds those imports to a *shim* instance whose every
//! function is `local.get 0 .. n-1; i32.const k; call_indirect` through a table of its own,
//! and a later *fixup* instance, with no code, fills that table with the real functions from
//! an active element segment. Every such import then costs two calls, one of them indirect
//! through a runtime table.
//!
//! Once the fixup has run, each slot holds its function for good: only the fixup can write
//! the table, and it has no code to do so after instantiation. And no guest code can run
//! between the shim's instantiation and the fixup's but the start functions of the
//! instances in between, so when none of them has one, no call reaches a shim before its
//! slot is filled. Then a shim function is its slot's function, and every reference to it
//! in the plan can name that function instead, provided the types agree (otherwise the
//! `call_indirect` traps, and is kept).

use super::plan::{ModuleRef, Plan, TrampolineKind};
use std::collections::HashMap;
use wasi_aot_abi::metadata::{CoreDef, Options, Resource};
use wasmparser::{
    ElementItems, ElementKind, ExternalKind, FuncType, Operator, Payload, TableInit, TypeRef,
    ValType,
};

/// Rebinds every reference to a shim function in `plan` to the function its slot holds.
/// `modules` are the component's core modules, which [`ModuleRef::Component`] indexes.
pub fn forward(plan: &mut Plan, modules: &[&[u8]]) {
    let summaries: Vec<Option<Summary>> = plan
        .instances
        .iter()
        .map(|instance| {
            let wasm = match instance.module {
                ModuleRef::Component(m) => modules.get(m as usize).copied()?,
                ModuleRef::Adapter(a) => plan.adapter_modules.get(a as usize)?,
            };
            Summary::parse(wasm)
        })
        .collect();
    let mut targets: HashMap<(u32, String), CoreDef> = HashMap::new();
    for (s, summary) in summaries.iter().enumerate() {
        if let Some(shim) = summary.as_ref().and_then(Summary::shim) {
            targets.extend(resolve_shim(plan, &summaries, s as u32, &shim));
        }
    }
    if targets.is_empty() {
        return;
    }
    // An import can only be bound to an instance instantiated before its own (a binding
    // made later, like a canonical option's, is resolved when its instance appears).
    let forward = |def: &mut CoreDef, importer: Option<u32>| {
        // A slot may hold another shim's function: follow the chain (it cannot be longer
        // than the number of shims, and a cycle would be a shim calling itself).
        for _ in 0..=targets.len() {
            let CoreDef::Export { instance, name } = &*def else {
                return;
            };
            let Some(target) = targets.get(&(*instance, name.clone())) else {
                return;
            };
            match (target, importer) {
                (CoreDef::Export { instance, .. }, Some(importer)) if *instance >= importer => {
                    return
                }
                _ => *def = target.clone(),
            }
        }
    };
    visit_defs(plan, forward);
}

/// The function each of shim instance `s`'s exports forwards to, when a fixup fills its slot
/// before any code can call it and the types agree.
fn resolve_shim(
    plan: &Plan,
    summaries: &[Option<Summary>],
    s: u32,
    shim: &Shim,
) -> Vec<((u32, String), CoreDef)> {
    // Every instance that imports the shim's table.
    let importers: Vec<(usize, &str, &str)> = plan
        .instances
        .iter()
        .enumerate()
        .flat_map(|(i, instance)| {
            instance
                .imports
                .iter()
                .filter_map(move |(module, field, def)| match def {
                    CoreDef::Export { instance, name }
                        if *instance == s && shim.table_exports.contains(name) =>
                    {
                        Some((i, module.as_str(), field.as_str()))
                    }
                    _ => None,
                })
        })
        .collect();
    let [(f, module, field)] = importers[..] else {
        return Vec::new();
    };
    let Some(fixup) = summaries[f].as_ref() else {
        return Vec::new();
    };
    // Imports name earlier instances, so the fixup comes after the shim.
    let Some(in_between) = summaries.get(s as usize + 1..f) else {
        return Vec::new();
    };
    if !fixup.is_fixup()
        || in_between
            .iter()
            .any(|m| m.as_ref().is_none_or(|m| m.start))
    {
        return Vec::new();
    }
    let Some(slots) = fixup.slots(module, field, shim.table_len) else {
        return Vec::new();
    };
    let bindings = &plan.instances[f].imports;
    let mut targets = Vec::new();
    for (name, forwarder) in &shim.exports {
        let Some(Some(func)) = slots.get(forwarder.slot as usize) else {
            continue;
        };
        let Some((import_module, import_field, ty)) = fixup.func_imports.get(*func as usize) else {
            continue;
        };
        if *ty != forwarder.ty {
            continue;
        }
        let binding = bindings
            .iter()
            .find(|(m, f, _)| m == import_module && f == import_field);
        if let Some((_, _, def)) = binding {
            targets.push(((s, name.clone()), def.clone()));
        }
    }
    targets
}

/// Calls `f` on every core definition `plan` refers to, with the index of the instance
/// that imports it if it is an import.
fn visit_defs(plan: &mut Plan, mut f: impl FnMut(&mut CoreDef, Option<u32>)) {
    fn options(o: &mut Options, f: &mut dyn FnMut(&mut CoreDef)) {
        o.realloc
            .iter_mut()
            .chain(o.post_return.iter_mut())
            .for_each(f)
    }
    for (i, instance) in plan.instances.iter_mut().enumerate() {
        for (_, _, def) in &mut instance.imports {
            f(def, Some(i as u32));
        }
    }
    let mut f = |def: &mut CoreDef| f(def, None);
    for trampoline in &mut plan.trampolines {
        match &mut trampoline.kind {
            TrampolineKind::Lower { options: o, .. } => options(o, &mut f),
            TrampolineKind::Adapter {
                callee, options: o, ..
            } => {
                options(o, &mut f);
                f(&mut callee.func);
                options(&mut callee.options, &mut f);
            }
            TrampolineKind::ResourceNew(_)
            | TrampolineKind::ResourceRep(_)
            | TrampolineKind::ResourceDrop(_) => {}
        }
    }
    for resource in &mut plan.resources {
        if let Resource::Guest { dtor: Some(d), .. } = resource {
            f(d);
        }
    }
    for (_, lifted) in &mut plan.exports {
        f(&mut lifted.func);
        options(&mut lifted.options, &mut f);
    }
}

/// What this pass needs to know of a core module.
#[derive(Default)]
struct Summary {
    /// Each type of the type section (`None` for anything but a plain function type).
    types: Vec<Option<FuncType>>,
    /// Imported functions in order: module, field and type.
    func_imports: Vec<(String, String, Option<FuncType>)>,
    /// Imported tables in order: module and field.
    table_imports: Vec<(String, String)>,
    /// The type index of each defined function.
    defined_funcs: Vec<u32>,
    /// Defined tables: length, and whether they start null.
    tables: Vec<(u64, bool)>,
    /// Exports: name, kind and index.
    exports: Vec<(String, ExternalKind, u32)>,
    /// Whether it has a start function.
    start: bool,
    /// Whether it has other sections that could hold state this pass ignores (globals,
    /// memories, tags, data).
    other_state: bool,
    /// Active element segments: table, constant offset (`None` if not a constant) and
    /// function indices (`None` for a null or non-`ref.func` item).
    active: Vec<(u32, Option<u64>, Vec<Option<u32>>)>,
    /// Whether some segment is passive or declarative (fixups have none).
    inactive: bool,
    /// Function bodies reduced to forwarders: `(slot, call_indirect type, table)`, or
    /// `None` for any other body.
    bodies: Vec<Option<(u32, u32, u32)>>,
}

/// A shim module: every function forwards through one defined, initially null table.
struct Shim {
    /// The names the table is exported under.
    table_exports: Vec<String>,
    /// The table's length.
    table_len: u64,
    /// Each exported function: its name and what it forwards to.
    exports: Vec<(String, Forwarder)>,
}

struct Forwarder {
    slot: u32,
    ty: Option<FuncType>,
}

impl Summary {
    /// Reads what the pass needs of `wasm`; `None` if it does not parse.
    fn parse(wasm: &[u8]) -> Option<Summary> {
        let mut s = Summary::default();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            match payload.ok()? {
                Payload::TypeSection(reader) => {
                    for group in reader.into_iter_err_on_gc_types() {
                        s.types.push(Some(group.ok()?));
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.ok()?;
                        let names = (import.module.to_string(), import.name.to_string());
                        match import.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                let ty = s.types.get(t as usize).cloned().flatten();
                                s.func_imports.push((names.0, names.1, ty));
                            }
                            TypeRef::Table(_) => s.table_imports.push(names),
                            _ => s.other_state = true,
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        s.defined_funcs.push(ty.ok()?);
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        let table = table.ok()?;
                        let null = matches!(table.init, TableInit::RefNull);
                        s.tables.push((table.ty.initial, null));
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.ok()?;
                        s.exports
                            .push((export.name.to_string(), export.kind, export.index));
                    }
                }
                Payload::StartSection { .. } => s.start = true,
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element.ok()?;
                        let ElementKind::Active {
                            table_index,
                            offset_expr,
                        } = element.kind
                        else {
                            s.inactive = true;
                            continue;
                        };
                        let offset = match offset_expr.get_operators_reader().read().ok()? {
                            Operator::I32Const { value } => Some(value as u32 as u64),
                            _ => None,
                        };
                        let items = match element.items {
                            ElementItems::Functions(funcs) => funcs
                                .into_iter()
                                .map(|f| f.ok().map(Some))
                                .collect::<Option<Vec<_>>>()?,
                            ElementItems::Expressions(_, exprs) => exprs
                                .into_iter()
                                .map(|e| {
                                    let e = e.ok()?;
                                    Some(match e.get_operators_reader().read().ok()? {
                                        Operator::RefFunc { function_index } => {
                                            Some(function_index)
                                        }
                                        _ => None,
                                    })
                                })
                                .collect::<Option<Vec<_>>>()?,
                        };
                        s.active.push((table_index.unwrap_or(0), offset, items));
                    }
                }
                Payload::CodeSectionEntry(body) => s.bodies.push(forwarder(&body)),
                Payload::GlobalSection(_)
                | Payload::MemorySection(_)
                | Payload::TagSection(_)
                | Payload::DataSection(_) => s.other_state = true,
                _ => {}
            }
        }
        Some(s)
    }

    /// The type of function `func`.
    fn func_type(&self, func: u32) -> Option<FuncType> {
        let imported = self.func_imports.len() as u32;
        match func.checked_sub(imported) {
            None => self.func_imports[func as usize].2.clone(),
            Some(d) => {
                let t = *self.defined_funcs.get(d as usize)?;
                self.types.get(t as usize).cloned().flatten()
            }
        }
    }

    /// This module as a shim, if it is one.
    fn shim(&self) -> Option<Shim> {
        if self.start
            || self.other_state
            || self.inactive
            || !self.active.is_empty()
            || !self.func_imports.is_empty()
            || !self.table_imports.is_empty()
            || self.tables.len() != 1
            || !self.tables[0].1
            || self.bodies.len() != self.defined_funcs.len()
        {
            return None;
        }
        let mut exports = Vec::new();
        let mut table_exports = Vec::new();
        for (name, kind, index) in &self.exports {
            match kind {
                ExternalKind::Table => table_exports.push(name.clone()),
                ExternalKind::Func => {
                    let (slot, ty, table) = (*self.bodies.get(*index as usize)?)?;
                    let own = self.func_type(*index);
                    let called = self.types.get(ty as usize).cloned().flatten();
                    if table != 0 || own.is_none() || own != called || !plain(own.as_ref()?) {
                        return None;
                    }
                    exports.push((name.clone(), Forwarder { slot, ty: own }));
                }
                _ => return None,
            }
        }
        // Unexported functions are unreachable, but every body must still forward.
        if self.bodies.iter().any(Option::is_none) {
            return None;
        }
        Some(Shim {
            table_exports,
            table_len: self.tables[0].0,
            exports,
        })
    }

    /// Whether this module can only fill tables: no code, no exported table, no start but
    /// an imported function.
    fn is_fixup(&self) -> bool {
        // With no defined functions, a start function is an import, which runs after the
        // segments.
        self.defined_funcs.is_empty()
            && self.tables.is_empty()
            && !self.inactive
            && self
                .exports
                .iter()
                .all(|(_, kind, _)| *kind != ExternalKind::Table)
    }

    /// The function index each slot of the table imported as `module`/`field` holds after
    /// this module's segments, if every segment into it has a constant offset in bounds.
    fn slots(&self, module: &str, field: &str, len: u64) -> Option<Vec<Option<u32>>> {
        let table = self
            .table_imports
            .iter()
            .position(|(m, f)| m == module && f == field)? as u32;
        let mut slots = vec![None; usize::try_from(len).ok()?];
        for (t, offset, items) in &self.active {
            if *t != table {
                continue;
            }
            let offset = (*offset)? as usize;
            let end = offset.checked_add(items.len())?;
            slots.get_mut(offset..end)?.copy_from_slice(items);
        }
        Some(slots)
    }
}

/// `(slot, type, table)` if `body` is `local.get 0 .. n-1; i32.const slot; call_indirect`.
fn forwarder(body: &wasmparser::FunctionBody<'_>) -> Option<(u32, u32, u32)> {
    if body.get_locals_reader().ok()?.get_count() != 0 {
        return None;
    }
    let mut ops = body.get_operators_reader().ok()?;
    let mut next_local = 0;
    loop {
        match ops.read().ok()? {
            Operator::LocalGet { local_index } if local_index == next_local => next_local += 1,
            Operator::I32Const { value } => {
                let Operator::CallIndirect {
                    type_index,
                    table_index,
                } = ops.read().ok()?
                else {
                    return None;
                };
                return matches!(ops.read().ok()?, Operator::End).then_some((
                    value as u32,
                    type_index,
                    table_index,
                ));
            }
            _ => return None,
        }
    }
}

/// Whether `ty` has only numeric and vector types, so equal types are equal across modules.
fn plain(ty: &FuncType) -> bool {
    ty.params()
        .iter()
        .chain(ty.results())
        .all(|t| !matches!(t, ValType::Ref(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIM_TABLES: &str = include_str!("../../../tests/components/shim_tables/component.wat");

    fn main_imports(wat: &str) -> Vec<String> {
        let wasm = wat::parse_str(wat).unwrap();
        let plan = crate::component::plan(&wasm, &crate::Config::default()).unwrap();
        let main = plan.instances.iter().find(|i| i.name == "main").unwrap();
        main.imports
            .iter()
            .map(|(_, f, d)| format!("{f} = {d:?}"))
            .collect()
    }

    #[test]
    fn a_start_function_before_the_fixup_keeps_the_shims() {
        let forwarded = main_imports(SHIM_TABLES);
        assert_eq!(forwarded[1], "write = Trampoline(2)");
        // The helper's start could call `write` through the shim before the fixup fills
        // the table: the call must trap as it would, so nothing is forwarded.
        let with_start = SHIM_TABLES.replace(
            "(import \"env\" \"memory\" (memory 1))",
            "(import \"env\" \"memory\" (memory 1)) (start $nop) (func $nop)",
        );
        assert_ne!(with_start, SHIM_TABLES);
        let kept = main_imports(&with_start);
        assert!(
            kept[1].starts_with("write = Export { instance: 0"),
            "{kept:?}"
        );
    }

    #[test]
    fn forwarder_shapes() {
        let wasm = wat::parse_str(
            r#"(module
                 (type $t (func (param i32 i32) (result i32)))
                 (table 2 2 funcref)
                 (func (export "0") (type $t) local.get 0 local.get 1 i32.const 1 call_indirect (type $t))
                 (func (export "1") (type $t) local.get 1 local.get 0 i32.const 0 call_indirect (type $t))
                 (export "$imports" (table 0)))"#,
        )
        .unwrap();
        let summary = Summary::parse(&wasm).unwrap();
        assert_eq!(summary.bodies, vec![Some((1, 0, 0)), None]);
        assert!(
            summary.shim().is_none(),
            "a body that swaps its arguments is no shim"
        );
    }

    #[test]
    fn fixup_slots() {
        let wasm = wat::parse_str(
            r#"(module
                 (import "actual" "0" (func $a (param i32)))
                 (import "actual" "1" (func $b (param i32)))
                 (import "shim" "$imports" (table 3 3 funcref))
                 (elem (i32.const 1) func $b $a))"#,
        )
        .unwrap();
        let summary = Summary::parse(&wasm).unwrap();
        assert!(summary.is_fixup());
        assert_eq!(
            summary.slots("shim", "$imports", 3),
            Some(vec![None, Some(1), Some(0)])
        );
        assert_eq!(summary.slots("shim", "$imports", 2), None, "out of bounds");
    }
}
