//! Every symbol name shared between compiled objects and the runtime library.
//!
//! Nobody else writes a symbol string: the compiler asks these functions, the runtime uses
//! the constants with `#[export_name]` or `extern` blocks.

/// The program descriptor the compiler emits and the runtime reads at start
/// (a [`crate::metadata::ProgramDescriptor`]).
pub const PROGRAM: &str = "wasi_aot_program";

/// Prefix of every runtime libcall (see [`crate::libcalls`]).
pub const LIBCALL_PREFIX: &str = "wasi_aot_rt_";

/// Prefix of every WASI host function (see [`crate::wasi`]).
pub const HOST_PREFIX: &str = "wasi_aot_host_";

/// The symbol of a defined wasm function `func_index` of module `module_index`.
pub fn wasm_function(module_index: u32, func_index: u32) -> String {
    format!("__wasm_m{module_index}_func_{func_index}")
}

/// The array-call trampoline for canonical signature `sig`: `extern "C" fn(code, vmctx,
/// values: *mut [u8; 16])` calls a wasm function and stores its results back into `values`.
pub fn array_trampoline(sig: u32) -> String {
    format!("__wasm_array_trampoline_{sig}")
}

/// The wasm-ABI adapter of host import `field` of module `module_index`, used when the
/// import is referenced as a value (tables, `ref.func`, exports).
pub fn host_adapter(module_index: u32, func_index: u32) -> String {
    format!("__wasm_m{module_index}_host_adapter_{func_index}")
}

/// The host function symbol for WASI import `field` of `module`.
pub fn wasi_host_function(module: &str, field: &str) -> String {
    let prefix = match module {
        "wasi_snapshot_preview1" => "p1_",
        other => panic!("no host symbols for module `{other}`: callers check `wasi::lookup` first"),
    };
    format!("{HOST_PREFIX}{prefix}{field}")
}

/// A runtime libcall symbol.
pub fn libcall(name: &str) -> String {
    format!("{LIBCALL_PREFIX}{name}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_distinct() {
        assert_ne!(super::wasm_function(1, 23), super::wasm_function(12, 3));
        assert_eq!(
            super::wasi_host_function("wasi_snapshot_preview1", "fd_write"),
            "wasi_aot_host_p1_fd_write"
        );
    }
}
