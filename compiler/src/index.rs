//! One newtype per wasm index space, split into imported-or-defined and defined-only.
//! Raw `u32` indices do not cross module boundaries.

use cranelift_entity::entity_impl;

macro_rules! index {
    ($($(#[$doc:meta])* $name:ident, $prefix:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);
        entity_impl!($name, $prefix);
    )*};
}

index! {
    /// A function, imports first.
    FuncIndex, "func";
    /// A function defined in the module.
    DefinedFuncIndex, "defined_func";
    /// A type in the module's type section.
    TypeIndex, "type";
    /// A memory, imports first.
    MemoryIndex, "memory";
    /// A table, imports first.
    TableIndex, "table";
    /// A global, imports first.
    GlobalIndex, "global";
    /// A data segment.
    DataIndex, "data";
    /// An element segment.
    ElemIndex, "elem";
    /// An exception tag, imports first.
    TagIndex, "tag";
}
