//! `wasi_snapshot_preview1`: one function per witx function, named after it.
//!
//! Every function has the shape the runtime's host trampolines call:
//! `(ctx, mem, params...) -> Result<(), HostError>`, with the parameters exactly as the
//! `for_each_wasi_p1_function!` list in `wasi-aot-abi` gives them (core wasm `i32`/`i64`).
//! Pointers and sizes are those `i32`s reinterpreted as `u32`. Results the witx function
//! returns through pointers are written to guest memory only on success; `Ok(())` is errno 0.
//!
//! The set of functions is the `wasi-aot-abi` list; a test checks each entry has a function
//! here with that signature.

mod clocks;
mod environment;
mod fd;
pub(crate) mod fd_table;
mod iovec;
mod preopens;
mod process;
mod random;
mod types;

pub use clocks::{clock_res_get, clock_time_get};
pub use environment::{args_get, args_sizes_get, environ_get, environ_sizes_get};
pub use fd::{fd_close, fd_fdstat_get, fd_read, fd_seek, fd_write};
pub use preopens::{fd_prestat_dir_name, fd_prestat_get};
pub use process::{proc_exit, sched_yield};
pub use random::random_get;

#[cfg(test)]
mod tests {
    use crate::{GuestMemory, HostError, WasiCtx};

    /// Turns each entry of the ABI list into a check that `p1::<name>` exists with the
    /// entry's parameters.
    macro_rules! assert_host_signatures {
        ($($name:ident($($param:ident: $ty:ident),*) -> $result:ident;)*) => {
            $(
                let _: fn(&mut WasiCtx, &mut GuestMemory $(, $ty)*) -> Result<(), HostError> =
                    super::$name;
            )*
        };
    }

    #[test]
    fn every_accepted_import_has_a_host_function() {
        wasi_aot_abi::for_each_wasi_p1_function!(assert_host_signatures);
    }
}
