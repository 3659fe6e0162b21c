//! The WASI functions the compiler accepts as imports, with their core wasm signatures.
//!
//! This table is the single list: the compiler rejects any other import at build time, and
//! the runtime defines one host symbol ([`crate::symbols::wasi_host_function`]) per entry
//! through [`for_each_wasi_p1_function`].
//!
//! Host calling convention: `extern "C" fn(vmctx, params...) -> i32`. A negative return
//! means the host function trapped or exited and the runtime holds the reason; compiled code
//! then raises [`crate::Trap::Host`]. Otherwise the value is the function's `errno` result
//! (functions with no wasm result return 0).

use crate::ValType;

/// Invokes `$mac!` with every `wasi_snapshot_preview1` function (all 46 of the witx), written as
/// `name(param: rust_type, ...) -> errno;` or `-> never;` for functions with no result.
#[macro_export]
macro_rules! for_each_wasi_p1_function {
    ($mac:ident) => {
        $mac! {
            args_get(argv: i32, argv_buf: i32) -> errno;
            args_sizes_get(argc: i32, argv_buf_size: i32) -> errno;
            environ_get(environ: i32, environ_buf: i32) -> errno;
            environ_sizes_get(environc: i32, environ_buf_size: i32) -> errno;
            clock_res_get(id: i32, resolution: i32) -> errno;
            clock_time_get(id: i32, precision: i64, time: i32) -> errno;
            fd_advise(fd: i32, offset: i64, len: i64, advice: i32) -> errno;
            fd_allocate(fd: i32, offset: i64, len: i64) -> errno;
            fd_close(fd: i32) -> errno;
            fd_datasync(fd: i32) -> errno;
            fd_fdstat_get(fd: i32, stat: i32) -> errno;
            fd_fdstat_set_flags(fd: i32, flags: i32) -> errno;
            fd_fdstat_set_rights(fd: i32, fs_rights_base: i64, fs_rights_inheriting: i64) -> errno;
            fd_filestat_get(fd: i32, buf: i32) -> errno;
            fd_filestat_set_size(fd: i32, size: i64) -> errno;
            fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, fst_flags: i32) -> errno;
            fd_pread(fd: i32, iovs: i32, iovs_len: i32, offset: i64, nread: i32) -> errno;
            fd_prestat_get(fd: i32, prestat: i32) -> errno;
            fd_prestat_dir_name(fd: i32, path: i32, path_len: i32) -> errno;
            fd_pwrite(fd: i32, iovs: i32, iovs_len: i32, offset: i64, nwritten: i32) -> errno;
            fd_read(fd: i32, iovs: i32, iovs_len: i32, nread: i32) -> errno;
            fd_readdir(fd: i32, buf: i32, buf_len: i32, cookie: i64, bufused: i32) -> errno;
            fd_renumber(fd: i32, to: i32) -> errno;
            fd_seek(fd: i32, offset: i64, whence: i32, newoffset: i32) -> errno;
            fd_sync(fd: i32) -> errno;
            fd_tell(fd: i32, offset: i32) -> errno;
            fd_write(fd: i32, iovs: i32, iovs_len: i32, nwritten: i32) -> errno;
            path_create_directory(fd: i32, path: i32, path_len: i32) -> errno;
            path_filestat_get(fd: i32, flags: i32, path: i32, path_len: i32, buf: i32) -> errno;
            path_filestat_set_times(fd: i32, flags: i32, path: i32, path_len: i32, atim: i64, mtim: i64, fst_flags: i32) -> errno;
            path_link(old_fd: i32, old_flags: i32, old_path: i32, old_path_len: i32, new_fd: i32, new_path: i32, new_path_len: i32) -> errno;
            path_open(fd: i32, dirflags: i32, path: i32, path_len: i32, oflags: i32, fs_rights_base: i64, fs_rights_inheriting: i64, fdflags: i32, opened_fd: i32) -> errno;
            path_readlink(fd: i32, path: i32, path_len: i32, buf: i32, buf_len: i32, bufused: i32) -> errno;
            path_remove_directory(fd: i32, path: i32, path_len: i32) -> errno;
            path_rename(fd: i32, old_path: i32, old_path_len: i32, new_fd: i32, new_path: i32, new_path_len: i32) -> errno;
            path_symlink(old_path: i32, old_path_len: i32, fd: i32, new_path: i32, new_path_len: i32) -> errno;
            path_unlink_file(fd: i32, path: i32, path_len: i32) -> errno;
            poll_oneoff(in_: i32, out: i32, nsubscriptions: i32, nevents: i32) -> errno;
            proc_exit(code: i32) -> never;
            proc_raise(sig: i32) -> errno;
            random_get(buf: i32, buf_len: i32) -> errno;
            sched_yield() -> errno;
            sock_accept(fd: i32, flags: i32, accepted: i32) -> errno;
            sock_recv(fd: i32, ri_data: i32, ri_data_len: i32, ri_flags: i32, ro_datalen: i32, ro_flags: i32) -> errno;
            sock_send(fd: i32, si_data: i32, si_data_len: i32, si_flags: i32, so_datalen: i32) -> errno;
            sock_shutdown(fd: i32, how: i32) -> errno;
        }
    };
}

/// One accepted import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasiFunction {
    /// Import module name.
    pub module: &'static str,
    /// Import field name.
    pub name: &'static str,
    /// Core wasm parameter types.
    pub params: &'static [ValType],
    /// Core wasm result types.
    pub results: &'static [ValType],
}

macro_rules! wasi_val_type {
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
}

macro_rules! wasi_results {
    (errno) => {
        &[ValType::I32]
    };
    (never) => {
        &[]
    };
}

macro_rules! wasi_table {
    ($($name:ident($($param:ident: $ty:ident),*) -> $result:ident;)*) => {
        /// Every accepted `wasi_snapshot_preview1` import.
        pub const WASI_P1: &[WasiFunction] = &[
            $(WasiFunction {
                module: P1_MODULE,
                name: stringify!($name),
                params: &[$(wasi_val_type!($ty)),*],
                results: wasi_results!($result),
            },)*
        ];
    };
}

/// The Preview 1 import module name.
pub const P1_MODULE: &str = "wasi_snapshot_preview1";

for_each_wasi_p1_function!(wasi_table);

/// Finds the accepted import `module`.`name`, if any.
pub fn lookup(module: &str, name: &str) -> Option<&'static WasiFunction> {
    WASI_P1
        .iter()
        .find(|f| f.module == module && f.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_all_of_preview1() {
        assert_eq!(super::WASI_P1.len(), 46);
        let f = super::lookup("wasi_snapshot_preview1", "path_open").unwrap();
        assert_eq!(f.params.len(), 9);
    }

    #[test]
    fn table_has_fd_write() {
        let f = super::lookup("wasi_snapshot_preview1", "fd_write").unwrap();
        assert_eq!(f.params.len(), 4);
        assert_eq!(f.results.len(), 1);
        assert!(super::lookup("wasi_snapshot_preview1", "proc_exit")
            .unwrap()
            .results
            .is_empty());
        assert!(super::lookup("env", "fd_write").is_none());
    }
}
