//! The contract between code compiled by `wasi-aot` and the runtime library it links against.
//!
//! Compiled code and the runtime are built separately but must agree bit for bit. Everything
//! they share lives here and nowhere else:
//!
//! - [`vmctx`]: the instance context layout ([`VmOffsets`]), computed from module counts;
//! - [`trap`]: trap codes and their spec-test messages ([`Trap`]);
//! - [`symbols`]: every symbol name that crosses the object/runtime boundary;
//! - [`wasi`]: the WASI Preview 1 functions the compiler accepts as imports;
//! - [`wasi_p2`]: the WASI 0.2 functions and resource types component imports bind to;
//! - [`canon`]: the canonical ABI's layout rules (alignment, size, flattening);
//! - [`libcalls`]: the runtime functions compiled code calls;
//! - [`metadata`]: the serialized program description the runtime reads at start;
//! - [`memory`]: the linear-memory strategy (reservation and guard sizes);
//! - [`net_policy`]: the syntax of the network policy's rules.
//!
//! This crate knows nothing of Cranelift, wasmparser or WASI semantics.
#![deny(missing_docs)]

pub mod canon;
pub mod libcalls;
pub mod memory;
pub mod metadata;
pub mod net_policy;
pub mod symbols;
pub mod trap;
pub mod vmctx;
pub mod wasi;
pub mod wasi_p2;

pub use memory::MemoryStrategy;
pub use trap::Trap;
pub use vmctx::VmOffsets;

/// Stack the runtime keeps between the guest's stack limit and the end of the process
/// stack: room for host calls and the runtime itself. Only compiled functions that call
/// into the runtime check the limit; the others run until they fault on the guard below
/// the stack (see the compiler's `compile.rs`).
pub const STACK_RESERVE: usize = 256 * 1024;

/// Version of the compiled-code/runtime contract. Bump it whenever anything in this crate
/// changes meaning; the runtime refuses a program built for another version.
pub const ABI_VERSION: u32 = 4;

/// Wasm value types as they are stored in 16-byte slots (globals, trampolines, metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ValType {
    /// 32-bit integer.
    I32 = 0,
    /// 64-bit integer.
    I64 = 1,
    /// 32-bit float (stored as its bits).
    F32 = 2,
    /// 64-bit float (stored as its bits).
    F64 = 3,
    /// 128-bit vector.
    V128 = 4,
    /// Function reference: a pointer to a [`vmctx::VmFuncRef`], null is 0.
    FuncRef = 5,
    /// External reference: an opaque pointer-sized host value, null is 0.
    ExternRef = 6,
    /// Exception reference: a pointer to a [`vmctx::VmException`], null is 0.
    ExnRef = 7,
}

impl ValType {
    /// Decodes the byte written by `as u8`.
    pub fn from_u8(byte: u8) -> Option<ValType> {
        Some(match byte {
            0 => ValType::I32,
            1 => ValType::I64,
            2 => ValType::F32,
            3 => ValType::F64,
            4 => ValType::V128,
            5 => ValType::FuncRef,
            6 => ValType::ExternRef,
            7 => ValType::ExnRef,
            _ => return None,
        })
    }

    /// Whether values of this type are references.
    pub fn is_ref(self) -> bool {
        matches!(
            self,
            ValType::FuncRef | ValType::ExternRef | ValType::ExnRef
        )
    }
}
