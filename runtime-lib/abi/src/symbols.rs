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

/// The host function symbol of WASI 0.2 function `host` (a `module::function` path of
/// [`crate::wasi_p2::WasiP2Function::host`]).
pub fn wasi_p2_host_function(host: &str) -> String {
    format!("{HOST_PREFIX}p2_{}", host.replace("::", "_"))
}

/// The symbol of component built-in `name` (`resource_new`, `resource_rep`,
/// `resource_drop`): the same calling convention as WASI 0.2 host functions.
pub fn component_builtin(name: &str) -> String {
    format!("{LIBCALL_PREFIX}component_{name}")
}

/// The trampoline of component trampoline `index` (a lowered import or a built-in).
pub fn component_trampoline(index: u32) -> String {
    format!("__wasm_component_trampoline_{index}")
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
        assert_eq!(
            super::wasi_p2_host_function("cli::get_stdout"),
            "wasi_aot_host_p2_cli_get_stdout"
        );
    }
}
