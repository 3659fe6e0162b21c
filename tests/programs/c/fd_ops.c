/*
 * Every fd_* function on files, directories and stdio, each call's errno printed: reads and
 * writes (plain, positioned, vectored), seek and tell, append mode, fdstat and filestat,
 * size and times, sync, advice, renumbering and closing, and the wrong-kind errors (a
 * directory read or seeked, stdin written, stdout read, positioned I/O on stdio, closed
 * descriptors). Run with `sandbox` preopened as `/sandbox` (fd_ops.dirs, fd_ops.setup).
 */
#include "wasi_test.h"

static void show_offset(const char *label, __wasi_fd_t fd) {
    __wasi_filesize_t at = 0;
    if (T(label, __wasi_fd_tell(fd, &at)) == 0)
        printf("  offset %llu\n", (unsigned long long)at);
}

static void show_size(const char *label, __wasi_fd_t fd) {
    __wasi_filestat_t st;
    if (T(label, __wasi_fd_filestat_get(fd, &st)) == 0)
        printf("  %s size %llu nlink %llu\n", filetype_name(st.filetype),
               (unsigned long long)st.size, (unsigned long long)st.nlink);
}

static void show_contents(int dir, const char *path) {
    __wasi_fd_t fd;
    char buf[128];
    if (open_at(dir, 0, path, 0, RIGHTS_RW, 0, &fd) == 0) {
        read_str(fd, buf, sizeof buf);
        printf("  %s holds \"", path);
        for (char *c = buf; *c; c++)
            printf(*c == '\n' ? "\\n" : *c ? "%c" : "\\0", *c);
        printf("\"\n");
        __wasi_fd_close(fd);
    }
}

int main(void) {
    int dir = preopen("/sandbox");
    __wasi_fd_t fd, fd2;
    __wasi_size_t n;
    __wasi_filesize_t off;
    char buf[64];

    printf("-- read, write, seek, tell\n");
    T("create data.txt", open_at(dir, 0, "data.txt", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd));
    {
        /* One buffer after an empty one: vectored I/O with several non-empty buffers is in
         * wasi_extensions.c, since wasmtime transfers only the first of them. */
        __wasi_ciovec_t iov[2] = {{(const uint8_t *)"", 0}, {(const uint8_t *)"one two\n", 8}};
        T("write after an empty buffer", __wasi_fd_write(fd, iov, 2, &n));
        printf("  wrote %u\n", (unsigned)n);
    }
    show_offset("tell after write", fd);
    T("seek to 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
    {
        char b[16] = {0};
        __wasi_iovec_t iov[2] = {{(uint8_t *)b, 0}, {(uint8_t *)b, 3}};
        T("read 3 after an empty buffer", __wasi_fd_read(fd, iov, 2, &n));
        printf("  read %u: \"%.*s\"\n", (unsigned)n, (int)n, b);
        T("read the rest", __wasi_fd_read(fd, &(__wasi_iovec_t){(uint8_t *)b, 15}, 1, &n));
        printf("  read %u\n", (unsigned)n);
    }
    T("read at end of file", __wasi_fd_read(fd, &(__wasi_iovec_t){(uint8_t *)buf, 8}, 1, &n));
    printf("  read %u\n", (unsigned)n);
    T("seek -4 from end", __wasi_fd_seek(fd, -4, __WASI_WHENCE_END, &off));
    printf("  offset %llu\n", (unsigned long long)off);
    T("seek +2 from current", __wasi_fd_seek(fd, 2, __WASI_WHENCE_CUR, &off));
    printf("  offset %llu\n", (unsigned long long)off);
    T("seek before the start", __wasi_fd_seek(fd, -100, __WASI_WHENCE_CUR, &off));
    T("seek past the end", __wasi_fd_seek(fd, 20, __WASI_WHENCE_SET, &off));
    T("write past the end", write_str(fd, "X"));
    show_size("size after a write past the end", fd);

    printf("-- pread and pwrite\n");
    T("pwrite at 4", __wasi_fd_pwrite(fd, &(__wasi_ciovec_t){(const uint8_t *)"TWO", 3}, 1, 4, &n));
    show_offset("tell after pwrite (unchanged)", fd);
    memset(buf, 0, sizeof buf);
    T("pread at 0", __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, 7}, 1, 0, &n));
    printf("  read %u: %.*s\n", (unsigned)n, (int)n, buf);
    T("pread past the end", __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, 7}, 1, 1000, &n));
    printf("  read %u\n", (unsigned)n);
    show_offset("tell after pread (unchanged)", fd);

    printf("-- filestat\n");
    show_size("filestat", fd);
    T("set size 5", __wasi_fd_filestat_set_size(fd, 5));
    show_size("filestat", fd);
    T("set size 10 (grow)", __wasi_fd_filestat_set_size(fd, 10));
    show_size("filestat", fd);
    {
        __wasi_filestat_t st;
        T("set times", __wasi_fd_filestat_set_times(fd, 1500000000000000000ULL, 1600000000000000000ULL,
                                                    __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
        __wasi_fd_filestat_get(fd, &st);
        printf("  atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
        T("set mtime now", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
        __wasi_fd_filestat_get(fd, &st);
        printf("  mtime is now: %s\n", st.mtim > 1700000000000000000ULL ? "yes" : "no");
        T("set mtime both now and explicitly",
          __wasi_fd_filestat_set_times(fd, 0, 5, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    }
    T("sync", __wasi_fd_sync(fd));
    T("datasync", __wasi_fd_datasync(fd));
    T("advise sequential", __wasi_fd_advise(fd, 0, 10, __WASI_ADVICE_SEQUENTIAL));
    T("advise dontneed", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_DONTNEED));
    {
        __wasi_fdstat_t st;
        T("fdstat", __wasi_fd_fdstat_get(fd, &st));
        printf("  %s flags %u read %d write %d seek %d\n", filetype_name(st.fs_filetype),
               st.fs_flags, !!(st.fs_rights_base & __WASI_RIGHTS_FD_READ),
               !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE), !!(st.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
    }
    __wasi_fd_close(fd);
    show_contents(dir, "data.txt");

    printf("-- append mode\n");
    T("open log.txt in append mode", open_at(dir, 0, "log.txt", __WASI_OFLAGS_CREAT, RIGHTS_RW, __WASI_FDFLAGS_APPEND, &fd));
    {
        __wasi_fdstat_t st;
        __wasi_fd_fdstat_get(fd, &st);
        printf("  flags %u\n", st.fs_flags);
    }
    T("write", write_str(fd, "first\n"));
    T("seek to 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
    T("write again (appends)", write_str(fd, "second\n"));
    show_offset("tell", fd);
    T("pwrite at 0 (appends too)", __wasi_fd_pwrite(fd, &(__wasi_ciovec_t){(const uint8_t *)"third\n", 6}, 1, 0, &n));
    T("clear append", __wasi_fd_fdstat_set_flags(fd, 0));
    {
        __wasi_fdstat_t st;
        __wasi_fd_fdstat_get(fd, &st);
        printf("  flags %u\n", st.fs_flags);
    }
    T("seek to 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
    T("overwrite the start", write_str(fd, "FIRST"));
    T("set append and nonblock", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK));
    {
        __wasi_fdstat_t st;
        __wasi_fd_fdstat_get(fd, &st);
        printf("  flags %u\n", st.fs_flags);
    }
    T("write (appends)", write_str(fd, "fourth\n"));
    T("set sync", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC));
    __wasi_fd_close(fd);
    show_contents(dir, "log.txt");

    printf("-- read-only and write-only files\n");
    T("open data.txt read-only", open_at(dir, 0, "data.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0, &fd));
    T("write to it", write_str(fd, "x"));
    T("pwrite to it", __wasi_fd_pwrite(fd, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, 0, &n));
    __wasi_fd_close(fd);
    T("open data.txt write-only", open_at(dir, 0, "data.txt", 0, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK, 0, &fd));
    T("read from it", read_str(fd, buf, sizeof buf));
    T("pread from it", __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, 1}, 1, 0, &n));
    __wasi_fd_close(fd);

    printf("-- directories\n");
    T("open sub", open_at(dir, 0, "sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_DIR, 0, &fd));
    T("read a directory", read_str(fd, buf, sizeof buf));
    T("write a directory", write_str(fd, "x"));
    T("seek a directory", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
    T("tell a directory", __wasi_fd_tell(fd, &off));
    T("pread a directory", __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, 1}, 1, 0, &n));
    T("set the size of a directory", __wasi_fd_filestat_set_size(fd, 0));
    T("advise a directory", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_NORMAL));
    T("set flags of a directory", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    T("set times of a directory", __wasi_fd_filestat_set_times(fd, 0, 1000000000000000000ULL, __WASI_FSTFLAGS_MTIM));
    show_size("filestat of a directory", fd);
    {
        __wasi_fdstat_t st;
        T("fdstat of a directory", __wasi_fd_fdstat_get(fd, &st));
        printf("  %s flags %u\n", filetype_name(st.fs_filetype), st.fs_flags);
    }
    __wasi_fd_close(fd);
    show_size("filestat of the preopen", dir);

    printf("-- stdio\n");
    T("write stdin", write_str(0, "x"));
    T("read stdout", read_str(1, buf, sizeof buf));
    T("pread stdin", __wasi_fd_pread(0, &(__wasi_iovec_t){(uint8_t *)buf, 1}, 1, 0, &n));
    T("pwrite stdout", __wasi_fd_pwrite(1, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, 0, &n));
    T("pread stdout", __wasi_fd_pread(1, &(__wasi_iovec_t){(uint8_t *)buf, 1}, 1, 0, &n));
    T("pwrite stdin", __wasi_fd_pwrite(0, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, 0, &n));
    T("set flags of stdout", __wasi_fd_fdstat_set_flags(1, 0));
    T("set the size of stdout", __wasi_fd_filestat_set_size(1, 0));
    T("sync stdout", __wasi_fd_sync(1));
    T("advise stdout", __wasi_fd_advise(1, 0, 0, __WASI_ADVICE_NORMAL));
    T("set times of stdout", __wasi_fd_filestat_set_times(1, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    {
        __wasi_filestat_t st;
        T("filestat of stdout", __wasi_fd_filestat_get(1, &st));
        printf("  %s size %llu ino %llu\n", filetype_name(st.filetype), (unsigned long long)st.size,
               (unsigned long long)st.ino);
    }

    printf("-- renumber and close\n");
    T("open data.txt", open_at(dir, 0, "data.txt", 0, RIGHTS_RW, 0, &fd));
    T("open log.txt", open_at(dir, 0, "log.txt", 0, RIGHTS_RW, 0, &fd2));
    printf("  fds %u and %u\n", fd, fd2);
    T("renumber data onto log", __wasi_fd_renumber(fd, fd2));
    memset(buf, 0, sizeof buf);
    read_str(fd2, buf, 8);
    printf("  fd %u now reads \"%s\"\n", fd2, buf);
    T("read the renumbered-away fd", read_str(fd, buf, sizeof buf));
    T("renumber onto a closed fd", __wasi_fd_renumber(fd2, 40));
    T("renumber a closed fd", __wasi_fd_renumber(40, fd2));
    T("renumber onto itself", __wasi_fd_renumber(fd2, fd2));
    T("open again (reuses the freed number)", open_at(dir, 0, "data.txt", 0, RIGHTS_RW, 0, &fd));
    printf("  fd %u\n", fd);
    T("close", __wasi_fd_close(fd));
    T("close again", __wasi_fd_close(fd));
    T("fdstat of a closed fd", __wasi_fd_fdstat_get(fd, &(__wasi_fdstat_t){0}));
    T("filestat of a closed fd", __wasi_fd_filestat_get(fd, &(__wasi_filestat_t){0}));
    T("sync a closed fd", __wasi_fd_sync(fd));
    T("seek a closed fd", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
    T("close stdin", __wasi_fd_close(0));
    T("read stdin after closing it", read_str(0, buf, sizeof buf));
    T("close fd 2 (renumbered stdout copy later)", __wasi_fd_renumber(fd2, 0));
    T("close the renumbered fd", __wasi_fd_close(0));
    return 0;
}
