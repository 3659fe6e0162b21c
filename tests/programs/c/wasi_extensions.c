/*
 * What wasi-aot does that wasmtime's P1 does not (listed in wasmtime-differences.txt):
 * CPU-time clocks, fd_allocate, rights that the guest can drop (fd_fdstat_set_rights) and
 * that stay dropped, on a directory for everything opened beneath it,
 * opening with the sync flags, fsync of a directory, vectored reads and writes that
 * transfer every buffer, poll's byte count for a regular file, and proc_raise of a signal
 * whose default action is to be ignored.
 */
#include "wasi_test.h"

/* Every right witx defines (an undefined bit is a trap, as in wasmtime). */
#define ALL_RIGHTS ((__WASI_RIGHTS_SOCK_ACCEPT << 1) - 1)

int main(void) {
    int dir = preopen("/sandbox");
    __wasi_fd_t fd, sub;
    __wasi_size_t n;
    __wasi_timestamp_t t;
    __wasi_filestat_t st;
    __wasi_fdstat_t fs;
    __wasi_filesize_t off;

    printf("-- CPU-time clocks\n");
    T("process cputime now", __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t));
    T("thread cputime now", __wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t));
    T("process cputime resolution", __wasi_clock_res_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, &t));
    printf("  positive: %s\n", t > 0 ? "yes" : "no");

    printf("-- fd_allocate\n");
    T("create alloc.bin", open_at(dir, 0, "alloc.bin", __WASI_OFLAGS_CREAT, RIGHTS_RW | __WASI_RIGHTS_FD_ALLOCATE, 0, &fd));
    T("allocate 100 bytes at 28", __wasi_fd_allocate(fd, 28, 100));
    __wasi_fd_filestat_get(fd, &st);
    printf("  size %llu\n", (unsigned long long)st.size);
    T("allocate inside the file", __wasi_fd_allocate(fd, 0, 10));
    __wasi_fd_filestat_get(fd, &st);
    printf("  size %llu\n", (unsigned long long)st.size);
    T("allocate on a directory", __wasi_fd_allocate(dir, 0, 10));

    printf("-- vectored I/O\n");
    {
        __wasi_ciovec_t out[3] = {{(const uint8_t *)"ab", 2}, {(const uint8_t *)"", 0}, {(const uint8_t *)"cde", 3}};
        T("write three buffers", __wasi_fd_pwrite(fd, out, 3, 0, &n));
        printf("  wrote %u\n", (unsigned)n);
        char a[2], b[3];
        __wasi_iovec_t in[2] = {{(uint8_t *)a, 2}, {(uint8_t *)b, 3}};
        T("read into two buffers", __wasi_fd_pread(fd, in, 2, 0, &n));
        printf("  read %u: %.2s|%.3s\n", (unsigned)n, a, b);
    }

    printf("-- rights\n");
    __wasi_fd_fdstat_get(fd, &fs);
    printf("  allocate right: %d, readdir right: %d\n", !!(fs.fs_rights_base & __WASI_RIGHTS_FD_ALLOCATE),
           !!(fs.fs_rights_base & __WASI_RIGHTS_FD_READDIR));
    T("drop the write and seek rights",
      __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK), 0));
    T("write without the right", write_str(fd, "x"));
    T("seek without the right", __wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &off));
    T("tell still works", __wasi_fd_tell(fd, &off));
    T("take the write right back", __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base, 0));
    __wasi_fd_close(fd);
    /* Asking is never an error and a narrow request restricts nothing (as in wasmtime); only
     * what the guest dropped stays dropped, on a directory for everything beneath it. */
    T("open asking for rights a file cannot have",
      __wasi_path_open(dir, 0, "alloc.bin", 0, __WASI_RIGHTS_SOCK_ACCEPT | RIGHTS_RW, ALL_RIGHTS, 0, &fd));
    __wasi_fd_fdstat_get(fd, &fs);
    printf("  accept right: %d, seek right: %d\n", !!(fs.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT),
           !!(fs.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
    __wasi_fd_close(fd);
    T("open sub asking only for readdir", __wasi_path_open(dir, 0, "sub", __WASI_OFLAGS_DIRECTORY,
                                                          __WASI_RIGHTS_FD_READDIR, 0, 0, &sub));
    T("create a file beneath it", open_at(sub, 0, "f", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd));
    T("write to it", write_str(fd, "x"));
    __wasi_fd_close(fd);
    T("mkdir beneath it", __wasi_path_create_directory(sub, "d"));
    __wasi_fd_fdstat_get(sub, &fs);
    T("drop sub's mkdir right and the write right it hands down",
      __wasi_fd_fdstat_set_rights(sub, fs.fs_rights_base & ~__WASI_RIGHTS_PATH_CREATE_DIRECTORY,
                                  fs.fs_rights_inheriting & ~__WASI_RIGHTS_FD_WRITE));
    T("mkdir beneath it", __wasi_path_create_directory(sub, "e"));
    T("open the file asking to write", open_at(sub, 0, "f", 0, RIGHTS_RW, 0, &fd));
    T("write to it", write_str(fd, "x"));
    __wasi_fd_close(fd);
    T("open sub/d beneath it", __wasi_path_open(sub, 0, "d", __WASI_OFLAGS_DIRECTORY, ALL_RIGHTS, ALL_RIGHTS, 0, &fd));
    __wasi_fd_fdstat_get(fd, &fs);
    printf("  write right handed down: %d\n", !!(fs.fs_rights_inheriting & __WASI_RIGHTS_FD_WRITE));
    __wasi_fd_close(fd);
    __wasi_fd_close(sub);
    T("create read-only.txt asking only to read",
      open_at(dir, 0, "read-only.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, &fd));
    T("write to it", write_str(fd, "x"));
    __wasi_fd_close(fd);

    printf("-- sync flags and directory sync\n");
    T("open with sync", open_at(dir, 0, "sync.txt", __WASI_OFLAGS_CREAT, RIGHTS_RW, __WASI_FDFLAGS_SYNC, &fd));
    __wasi_fd_fdstat_get(fd, &fs);
    printf("  flags %u\n", fs.fs_flags);
    __wasi_fd_close(fd);
    T("open with dsync", open_at(dir, 0, "sync.txt", 0, RIGHTS_RW, __WASI_FDFLAGS_DSYNC, &fd));
    __wasi_fd_fdstat_get(fd, &fs);
    printf("  flags %u\n", fs.fs_flags);
    __wasi_fd_close(fd);
    T("fsync the preopen", __wasi_fd_sync(dir));

    printf("-- poll on a regular file\n");
    T("open alloc.bin", open_at(dir, 0, "alloc.bin", 0, RIGHTS_RW, 0, &fd));
    __wasi_fd_seek(fd, 100, __WASI_WHENCE_SET, &off);
    {
        __wasi_subscription_t s;
        __wasi_event_t e;
        memset(&s, 0, sizeof s);
        s.u.tag = __WASI_EVENTTYPE_FD_READ;
        s.u.u.fd_read.file_descriptor = fd;
        T("poll", __wasi_poll_oneoff(&s, &e, 1, &n));
        printf("  nbytes %llu\n", (unsigned long long)e.fd_readwrite.nbytes);
    }
    __wasi_fd_close(fd);

    printf("-- proc_raise\n");
    T("raise winch (ignored by default)", wasi_proc_raise(27));
    T("raise none", wasi_proc_raise(0));
    return 0;
}
