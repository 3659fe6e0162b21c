//! `wasi_snapshot_preview1`: one function per witx function, named after it, all 46.
//!
//! Every function has the shape the runtime's host trampolines call:
//! `(ctx, mem, params...) -> Result<(), HostError>`, with the parameters exactly as the
//! `for_each_wasi_p1_function!` list in `wasi-aot-abi` gives them (core wasm `i32`/`i64`).
//! Pointers and sizes are those `i32`s reinterpreted as `u32`. Results the witx function
//! returns through pointers are written to guest memory only on success; `Ok(())` is errno 0.
//!
//! This is a thin layer: the descriptor table and rights are P1's own, everything else is
//! `crate::p2` (filesystem, clocks, random, sockets, poll).
//!
//! The set of functions is the `wasi-aot-abi` list; a test checks each entry has a function
//! here with that signature.

// The functions take the witx parameters one for one, so some take many.
#![allow(clippy::too_many_arguments)]

mod clocks;
mod environment;
mod fd;
mod fd_io;
pub(crate) mod fd_table;
mod filestat;
mod iovec;
mod path;
mod poll;
mod preopens;
mod process;
mod random;
mod readdir;
mod sock;
pub(crate) mod types;

pub use clocks::{clock_res_get, clock_time_get};
pub use environment::{args_get, args_sizes_get, environ_get, environ_sizes_get};
pub use fd::{
    fd_advise, fd_allocate, fd_close, fd_datasync, fd_fdstat_get, fd_fdstat_set_flags,
    fd_fdstat_set_rights, fd_filestat_get, fd_filestat_set_size, fd_filestat_set_times,
    fd_renumber, fd_sync,
};
pub use fd_io::{fd_pread, fd_pwrite, fd_read, fd_seek, fd_tell, fd_write};
pub use path::{
    path_create_directory, path_filestat_get, path_filestat_set_times, path_link, path_open,
    path_readlink, path_remove_directory, path_rename, path_symlink, path_unlink_file,
};
pub use poll::poll_oneoff;
pub use preopens::{fd_prestat_dir_name, fd_prestat_get};
pub use process::{proc_exit, proc_raise, sched_yield};
pub use random::random_get;
pub use readdir::fd_readdir;
pub use sock::{sock_accept, sock_recv, sock_send, sock_shutdown};

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
