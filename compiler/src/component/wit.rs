//! A component's world in WIT terms (decoded with wit-parser), checked against the WASI 0.2
//! WIT the host implements, and described for `wasi-aot inspect`.
//!
//! The inliner binds each lowered import by name and checks its core signature, but two
//! different WIT types can flatten alike (a `result<_, E>` whose error has a different
//! layout, say), and the host would then read and write guest memory in a layout the guest
//! does not use. So every function a component imports from a `wasi:*@0.2.x` interface must
//! have exactly the type the host's WIT gives it: the same structure, field, case and flag
//! names, and resources of the same interfaces.

use crate::error::{CompileError, Result};
use std::fmt::Write;
use std::sync::OnceLock;
use wasi_aot_abi::wasi_p2;
use wit_parser::{
    Function, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldItem,
};

/// The host's WIT: `wasi-host/wit/deps`, compiled into the compiler.
const HOST_WIT: &[(&str, &str)] = &[
    ("io.wit", include_str!("../../../wasi-host/wit/deps/io.wit")),
    (
        "clocks.wit",
        include_str!("../../../wasi-host/wit/deps/clocks.wit"),
    ),
    (
        "random.wit",
        include_str!("../../../wasi-host/wit/deps/random.wit"),
    ),
    (
        "filesystem.wit",
        include_str!("../../../wasi-host/wit/deps/filesystem.wit"),
    ),
    (
        "sockets.wit",
        include_str!("../../../wasi-host/wit/deps/sockets.wit"),
    ),
    (
        "cli.wit",
        include_str!("../../../wasi-host/wit/deps/cli.wit"),
    ),
    (
        "http.wit",
        include_str!("../../../wasi-host/wit/deps/http.wit"),
    ),
];

/// The host's WIT, parsed once.
pub fn host() -> &'static Resolve {
    static HOST: OnceLock<Resolve> = OnceLock::new();
    HOST.get_or_init(|| {
        let mut resolve = Resolve {
            all_features: true,
            ..Resolve::default()
        };
        for (name, text) in HOST_WIT {
            resolve
                .push_str(name, text)
                .expect("the host's WIT, checked in, parses");
        }
        resolve
    })
}

/// `namespace:package/interface` (no version) of `id`.
fn interface_name(resolve: &Resolve, id: InterfaceId) -> Option<String> {
    let iface = &resolve.interfaces[id];
    let package = &resolve.packages[iface.package?];
    Some(format!(
        "{}:{}/{}",
        package.name.namespace,
        package.name.name,
        iface.name.as_ref()?
    ))
}

/// The interface of the host's WIT named `name` (no version).
fn host_interface(name: &str) -> Option<InterfaceId> {
    let resolve = host();
    resolve
        .interfaces
        .iter()
        .find(|(id, _)| interface_name(resolve, *id).as_deref() == Some(name))
        .map(|(id, _)| id)
}

/// Follows `type` aliases to the definition.
fn resolve_alias(resolve: &Resolve, mut id: TypeId) -> TypeId {
    while let TypeDefKind::Type(Type::Id(next)) = resolve.types[id].kind {
        id = next;
    }
    id
}

fn alias_of_primitive(resolve: &Resolve, ty: Type) -> Type {
    match ty {
        Type::Id(id) => match resolve.types[resolve_alias(resolve, id)].kind {
            TypeDefKind::Type(t) => t,
            _ => Type::Id(resolve_alias(resolve, id)),
        },
        other => other,
    }
}

/// The identity of a resource type: its interface (no version) and name.
fn resource_identity(resolve: &Resolve, id: TypeId) -> Option<(String, String)> {
    let def = &resolve.types[resolve_alias(resolve, id)];
    let TypeOwner::Interface(iface) = def.owner else {
        return None;
    };
    Some((interface_name(resolve, iface)?, def.name.clone()?))
}

/// Whether `a` (in the component's WIT) and `b` (in the host's) are the same type.
fn same_type(ar: &Resolve, a: Type, br: &Resolve, b: Type) -> bool {
    let (a, b) = (alias_of_primitive(ar, a), alias_of_primitive(br, b));
    let (a, b) = match (a, b) {
        (Type::Id(a), Type::Id(b)) => (a, b),
        (Type::Id(_), _) | (_, Type::Id(_)) => return false,
        (a, b) => return a == b,
    };
    let same = |x: &Type, y: &Type| same_type(ar, *x, br, *y);
    let same_opt = |x: &Option<Type>, y: &Option<Type>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => same(x, y),
        _ => false,
    };
    match (&ar.types[a].kind, &br.types[b].kind) {
        (TypeDefKind::Record(x), TypeDefKind::Record(y)) => {
            x.fields.len() == y.fields.len()
                && x.fields
                    .iter()
                    .zip(&y.fields)
                    .all(|(f, g)| f.name == g.name && same(&f.ty, &g.ty))
        }
        (TypeDefKind::Resource, TypeDefKind::Resource) => {
            resource_identity(ar, a) == resource_identity(br, b)
        }
        (TypeDefKind::Handle(x), TypeDefKind::Handle(y)) => match (x, y) {
            (Handle::Own(x), Handle::Own(y)) | (Handle::Borrow(x), Handle::Borrow(y)) => {
                resource_identity(ar, *x) == resource_identity(br, *y)
            }
            _ => false,
        },
        (TypeDefKind::Flags(x), TypeDefKind::Flags(y)) => x
            .flags
            .iter()
            .map(|f| &f.name)
            .eq(y.flags.iter().map(|f| &f.name)),
        (TypeDefKind::Tuple(x), TypeDefKind::Tuple(y)) => {
            x.types.len() == y.types.len() && x.types.iter().zip(&y.types).all(|(s, t)| same(s, t))
        }
        (TypeDefKind::Variant(x), TypeDefKind::Variant(y)) => {
            x.cases.len() == y.cases.len()
                && x.cases
                    .iter()
                    .zip(&y.cases)
                    .all(|(c, d)| c.name == d.name && same_opt(&c.ty, &d.ty))
        }
        (TypeDefKind::Enum(x), TypeDefKind::Enum(y)) => x
            .cases
            .iter()
            .map(|c| &c.name)
            .eq(y.cases.iter().map(|c| &c.name)),
        (TypeDefKind::Option(x), TypeDefKind::Option(y))
        | (TypeDefKind::List(x), TypeDefKind::List(y)) => same(x, y),
        (TypeDefKind::Result(x), TypeDefKind::Result(y)) => {
            same_opt(&x.ok, &y.ok) && same_opt(&x.err, &y.err)
        }
        (TypeDefKind::FixedLengthList(x, n), TypeDefKind::FixedLengthList(y, m)) => {
            n == m && same(x, y)
        }
        _ => false,
    }
}

fn same_function(ar: &Resolve, a: &Function, br: &Resolve, b: &Function) -> bool {
    a.params.len() == b.params.len()
        && a.params
            .iter()
            .zip(&b.params)
            .all(|(p, q)| same_type(ar, p.ty, br, q.ty))
        && match (a.result, b.result) {
            (None, None) => true,
            (Some(x), Some(y)) => same_type(ar, x, br, y),
            _ => false,
        }
}

/// A named type's definition, one level deep (`variant { a(error), b }`).
fn show_definition(resolve: &Resolve, id: TypeId) -> String {
    let id = resolve_alias(resolve, id);
    let show = |t: &Type| show_type(resolve, *t);
    match &resolve.types[id].kind {
        TypeDefKind::Record(r) => format!(
            "record {{ {} }}",
            r.fields
                .iter()
                .map(|f| format!("{}: {}", f.name, show(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Variant(v) => format!(
            "variant {{ {} }}",
            v.cases
                .iter()
                .map(|c| match &c.ty {
                    Some(t) => format!("{}({})", c.name, show(t)),
                    None => c.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Enum(e) => format!(
            "enum {{ {} }}",
            e.cases
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Flags(f) => format!(
            "flags {{ {} }}",
            f.flags
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Resource => match resource_identity(resolve, id) {
            Some((iface, name)) => format!("resource {name} of {iface}"),
            None => "resource".into(),
        },
        TypeDefKind::Type(t) => show(t),
        _ => show(&Type::Id(id)),
    }
}

/// The first named type, reached from `a` and `b` alike, whose definitions differ: its
/// name and both definitions.
fn first_difference(
    ar: &Resolve,
    a: Type,
    br: &Resolve,
    b: Type,
    depth: u32,
) -> Option<(String, String, String)> {
    let (Type::Id(x), Type::Id(y)) = (a, b) else {
        return None;
    };
    if depth > 32 {
        return None;
    }
    let children = |r: &Resolve, id: TypeId| -> Vec<Type> {
        match &r.types[resolve_alias(r, id)].kind {
            TypeDefKind::Record(rec) => rec.fields.iter().map(|f| f.ty).collect(),
            TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty).collect(),
            TypeDefKind::Tuple(t) => t.types.clone(),
            TypeDefKind::Option(t) | TypeDefKind::List(t) => vec![*t],
            TypeDefKind::Result(r) => r.ok.into_iter().chain(r.err).collect(),
            TypeDefKind::Handle(Handle::Own(t) | Handle::Borrow(t)) => vec![Type::Id(*t)],
            _ => Vec::new(),
        }
    };
    let (cx, cy) = (children(ar, x), children(br, y));
    if cx.len() == cy.len() {
        for (s, t) in cx.into_iter().zip(cy) {
            if !same_type(ar, s, br, t) {
                if let Some(found) = first_difference(ar, s, br, t, depth + 1) {
                    return Some(found);
                }
            }
        }
    }
    let name = ar.types[x].name.clone()?;
    Some((name, show_definition(ar, x), show_definition(br, y)))
}

/// A type as WIT writes it: named types by name, others by structure.
pub fn show_type(resolve: &Resolve, ty: Type) -> String {
    let id = match ty {
        Type::Bool => return "bool".into(),
        Type::U8 => return "u8".into(),
        Type::U16 => return "u16".into(),
        Type::U32 => return "u32".into(),
        Type::U64 => return "u64".into(),
        Type::S8 => return "s8".into(),
        Type::S16 => return "s16".into(),
        Type::S32 => return "s32".into(),
        Type::S64 => return "s64".into(),
        Type::F32 => return "f32".into(),
        Type::F64 => return "f64".into(),
        Type::Char => return "char".into(),
        Type::String => return "string".into(),
        Type::ErrorContext => return "error-context".into(),
        Type::Id(id) => id,
    };
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    let show = |t: &Type| show_type(resolve, *t);
    match &def.kind {
        TypeDefKind::Handle(Handle::Own(r)) => show(&Type::Id(*r)),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", show(&Type::Id(*r))),
        TypeDefKind::Tuple(t) => format!(
            "tuple<{}>",
            t.types.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        TypeDefKind::Option(t) => format!("option<{}>", show(t)),
        TypeDefKind::List(t) => format!("list<{}>", show(t)),
        TypeDefKind::FixedLengthList(t, n) => format!("list<{}, {n}>", show(t)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", show(ok)),
            (None, Some(err)) => format!("result<_, {}>", show(err)),
            (Some(ok), Some(err)) => format!("result<{}, {}>", show(ok), show(err)),
        },
        TypeDefKind::Type(t) => show(t),
        other => other.as_str().to_string(),
    }
}

/// A function's type as WIT writes it.
pub fn show_function(resolve: &Resolve, f: &Function) -> String {
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, show_type(resolve, p.ty)))
        .collect();
    let mut out = format!("func({})", params.join(", "));
    if let Some(r) = f.result {
        out += &format!(" -> {}", show_type(resolve, r));
    }
    out
}

/// The component's world, decoded; `None` for a component that has no WIT form.
fn decode(wasm: &[u8]) -> Option<(Resolve, wit_parser::WorldId)> {
    match wit_parser::decoding::decode(wasm).ok()? {
        wit_parser::decoding::DecodedWasm::Component(resolve, world) => Some((resolve, world)),
        wit_parser::decoding::DecodedWasm::WitPackage(..) => None,
    }
}

/// Checks that every function the component imports from, or exports as, a WASI 0.2
/// interface has the type the host's WIT gives it.
pub fn check_imports(wasm: &[u8]) -> Result<()> {
    let Some((resolve, world)) = decode(wasm) else {
        // Not expressible in WIT (hand-written instance types, say): the inliner's core
        // signature checks are what remains.
        return Ok(());
    };
    let world = &resolve.worlds[world];
    check_items(&resolve, &world.imports, "imports")?;
    check_items(&resolve, &world.exports, "exports")
}

/// [`check_imports`] of one side of the world; `verb` says which.
fn check_items(
    resolve: &Resolve,
    items: &wit_parser::IndexMap<wit_parser::WorldKey, WorldItem>,
    verb: &str,
) -> Result<()> {
    for (key, item) in items {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let full = resolve.name_world_key(key);
        let (name, version) = wasi_p2::split_version(&full);
        if !name.starts_with("wasi:") || !version.is_some_and(wasi_p2::version_matches) {
            continue;
        }
        let Some(host_id) = host_interface(name) else {
            continue;
        };
        let host_iface = &host().interfaces[host_id];
        for (fname, f) in &resolve.interfaces[*id].functions {
            let Some(expected) = host_iface.functions.get(fname) else {
                continue;
            };
            if !same_function(resolve, f, host(), expected) {
                let types = f
                    .params
                    .iter()
                    .map(|p| p.ty)
                    .chain(f.result)
                    .zip(expected.params.iter().map(|p| p.ty).chain(expected.result));
                let detail = types
                    .filter(|(a, b)| !same_type(resolve, *a, host(), *b))
                    .find_map(|(a, b)| first_difference(resolve, a, host(), b, 0))
                    .map(|(name, ours, theirs)| {
                        format!(" (`{name}` is `{ours}` there, `{theirs}` in WASI 0.2)")
                    })
                    .unwrap_or_default();
                return Err(CompileError::Unsupported(format!(
                    "the component {verb} `{fname}` of `{full}` as `{}`, but WASI 0.2 \
                     defines it as `{}`{detail}",
                    show_function(resolve, f),
                    show_function(host(), expected)
                )));
            }
        }
    }
    Ok(())
}

/// `wasi-aot inspect` of a component: its world, with what the host supports.
pub fn describe(wasm: &[u8]) -> Result<String> {
    let mut out = String::from("kind: component\n");
    let Some((resolve, world)) = decode(wasm) else {
        writeln!(out, "world: (the component's types have no WIT form)").ok();
        return Ok(out);
    };
    let world = &resolve.worlds[world];
    writeln!(out, "world: {}", world.name).ok();
    writeln!(out, "imports:").ok();
    let mut all_supported = true;
    for (key, item) in &world.imports {
        let full = resolve.name_world_key(key);
        match item {
            WorldItem::Interface { id, .. } => {
                let (name, version) = wasi_p2::split_version(&full);
                let version_ok = version.is_some_and(wasi_p2::version_matches);
                let functions: Vec<(String, bool)> = resolve.interfaces[*id]
                    .functions
                    .iter()
                    .map(|(fname, f)| {
                        let ok = version_ok && wasi_p2::lookup_function(name, fname).is_some();
                        (format!("{fname}: {}", show_function(&resolve, f)), ok)
                    })
                    .collect();
                let ok = version_ok && functions.iter().all(|(_, ok)| *ok);
                all_supported &= ok;
                writeln!(out, "  {full}: {}", mark(ok)).ok();
                for (text, ok) in functions {
                    writeln!(out, "    {text} [{}]", mark(ok)).ok();
                }
            }
            WorldItem::Function(f) => {
                all_supported = false;
                writeln!(
                    out,
                    "  {full}: {} [{}]",
                    show_function(&resolve, f),
                    mark(false)
                )
                .ok();
            }
            WorldItem::Type { .. } => {}
        }
    }
    // The network is denied unless the build allows it: say which parts the component uses.
    let network: Vec<&str> = world
        .imports
        .keys()
        .map(|key| resolve.name_world_key(key))
        .filter_map(|full| {
            let name = wasi_p2::split_version(&full).0.to_string();
            let uses = name.starts_with("wasi:sockets/")
                && !matches!(
                    name.as_str(),
                    "wasi:sockets/network" | "wasi:sockets/instance-network"
                );
            uses.then_some(match name.as_str() {
                "wasi:sockets/tcp" | "wasi:sockets/tcp-create-socket" => "tcp",
                "wasi:sockets/udp" | "wasi:sockets/udp-create-socket" => "udp",
                _ => "ip-name-lookup",
            })
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if network.is_empty() {
        writeln!(out, "network: none").ok();
    } else {
        writeln!(
            out,
            "network: {} (denied unless built with --allow-net or --allow-* rules)",
            network.join(", ")
        )
        .ok();
    }
    writeln!(out, "exports:").ok();
    let mut command = false;
    let mut proxy = false;
    for (key, item) in &world.exports {
        let full = resolve.name_world_key(key);
        command |= wasi_p2::split_version(&full).0 == "wasi:cli/run";
        proxy |= wasi_p2::split_version(&full).0 == "wasi:http/incoming-handler";
        writeln!(out, "  {full}").ok();
        if let WorldItem::Interface { id, .. } = item {
            for (fname, f) in &resolve.interfaces[*id].functions {
                writeln!(out, "    {fname}: {}", show_function(&resolve, f)).ok();
            }
        }
    }
    writeln!(
        out,
        "command: {}",
        if command {
            "yes (exports wasi:cli/run)"
        } else {
            "no (exports no wasi:cli/run)"
        }
    )
    .ok();
    if proxy {
        writeln!(
            out,
            "http proxy: yes (exports wasi:http/incoming-handler; build with --listen IP:PORT)"
        )
        .ok();
    }
    writeln!(
        out,
        "buildable: {}",
        if (command || proxy) && all_supported {
            "yes"
        } else {
            "no"
        }
    )
    .ok();
    Ok(out)
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "supported"
    } else {
        "NOT SUPPORTED"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wit_parser::abi::{AbiVariant, WasmType};

    fn val_type(t: WasmType) -> wasi_aot_abi::ValType {
        use wasi_aot_abi::ValType as V;
        match t {
            WasmType::I32 | WasmType::Pointer | WasmType::Length => V::I32,
            WasmType::I64 | WasmType::PointerOrI64 => V::I64,
            WasmType::F32 => V::F32,
            WasmType::F64 => V::F64,
        }
    }

    /// The host table's core signatures are the canonical ABI's lowering of the host's WIT,
    /// and it has every stable function of the interfaces it implements.
    #[test]
    fn host_table_matches_the_wit() {
        let resolve = host();
        for entry in wasi_p2::WASI_P2_FUNCTIONS {
            let id =
                host_interface(entry.interface).unwrap_or_else(|| panic!("{}", entry.interface));
            let f = &resolve.interfaces[id].functions[entry.name];
            let sig = resolve.wasm_signature(AbiVariant::GuestImport, f);
            let params: Vec<_> = sig.params.into_iter().map(val_type).collect();
            let results: Vec<_> = sig.results.into_iter().map(val_type).collect();
            assert_eq!(params, entry.params, "{} {}", entry.interface, entry.name);
            assert_eq!(
                results,
                entry.result.into_iter().collect::<Vec<_>>(),
                "{}",
                entry.name
            );
        }
        for (id, iface) in resolve.interfaces.iter() {
            let name = interface_name(resolve, id).unwrap();
            let implemented = [
                "wasi:io/",
                "wasi:clocks/",
                "wasi:random/",
                "wasi:filesystem/",
                "wasi:cli/",
                "wasi:sockets/",
                "wasi:http/types",
                "wasi:http/outgoing-handler",
            ];
            if !implemented.iter().any(|p| name.starts_with(p)) {
                continue;
            }
            for (fname, f) in &iface.functions {
                if matches!(f.stability, wit_parser::Stability::Unstable { .. }) {
                    continue;
                }
                if name == "wasi:cli/run" {
                    continue;
                }
                assert!(
                    wasi_p2::lookup_function(&name, fname).is_some(),
                    "the host lacks {name} {fname}"
                );
            }
        }
        for r in wasi_p2::WASI_P2_RESOURCES {
            let id = host_interface(r.interface).unwrap();
            assert!(
                resolve.interfaces[id].types.contains_key(r.name),
                "{}",
                r.name
            );
        }
    }
}
