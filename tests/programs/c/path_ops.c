/*
 * Every path_* function beneath a preopened directory, each call's errno printed: success
 * and the error paths (missing entries, wrong types, existing targets, symlink loops and
 * dangling links, trailing slashes, invalid flags, descriptors that are not directories).
 * Run with `sandbox` preopened as `/sandbox` (path_ops.dirs, path_ops.setup); the tree the
 * program leaves behind is path_ops.tree.
 */
#include "wasi_test.h"

#define R (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_FILESTAT_GET)
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static void show_file(int dir, __wasi_lookupflags_t lookup, const char *path) {
    __wasi_fd_t fd;
    if (T(path, open_at(dir, lookup, path, 0, R, 0, &fd)) == 0) {
        char buf[64];
        read_str(fd, buf, sizeof buf);
        printf("  contents: %s", buf);
        if (buf[0] == 0 || buf[strlen(buf) - 1] != '\n')
            printf("\n");
        __wasi_fd_close(fd);
    }
}

static void show_stat(int dir, __wasi_lookupflags_t lookup, const char *path) {
    __wasi_filestat_t st;
    char label[96];
    snprintf(label, sizeof label, "stat %s%s", path, lookup ? " (follow)" : "");
    if (T(label, __wasi_path_filestat_get(dir, lookup, path, &st)) == 0)
        printf("  %s size %llu nlink %llu\n", filetype_name(st.filetype),
               (unsigned long long)st.size, (unsigned long long)st.nlink);
}

static void show_link(int dir, const char *path, size_t cap) {
    char buf[64] = {0};
    __wasi_size_t used = 0;
    char label[96];
    snprintf(label, sizeof label, "readlink %s (buffer %zu)", path, cap);
    if (T(label, __wasi_path_readlink(dir, path, (uint8_t *)buf, cap, &used)) == 0)
        printf("  %u bytes: %.*s\n", (unsigned)used, (int)used, buf);
}

int main(void) {
    int dir = preopen("/sandbox");
    printf("preopen /sandbox is fd %d\n", dir);
    __wasi_fd_t fd;

    printf("-- path_open\n");
    show_file(dir, 0, "hello.txt");
    show_file(dir, 0, "sub/inner.txt");
    show_file(dir, FOLLOW, "link-to-hello");
    T("open missing", open_at(dir, 0, "missing", 0, R, 0, &fd));
    T("open empty path", open_at(dir, 0, "", 0, R, 0, &fd));
    T("open symlink without follow", open_at(dir, 0, "link-to-hello", 0, R, 0, &fd));
    T("open symlink loop", open_at(dir, FOLLOW, "loop1", 0, R, 0, &fd));
    T("open dangling symlink", open_at(dir, FOLLOW, "dangling", 0, R, 0, &fd));
    T("open file with directory flag", open_at(dir, 0, "hello.txt", __WASI_OFLAGS_DIRECTORY, R, 0, &fd));
    T("open file with trailing slash", open_at(dir, 0, "hello.txt/", 0, R, 0, &fd));
    T("open beneath a file", open_at(dir, 0, "hello.txt/x", 0, R, 0, &fd));
    T("open directory|creat", open_at(dir, 0, "newdir", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_CREAT, R, 0, &fd));
    T("open directory|trunc", open_at(dir, 0, "sub", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_TRUNC, R, 0, &fd));
    T("open beneath stdout", open_at(1, 0, "hello.txt", 0, R, 0, &fd));
    T("open beneath closed fd", open_at(77, 0, "hello.txt", 0, R, 0, &fd));
    if (T("open sub with directory flag", open_at(dir, 0, "sub/", __WASI_OFLAGS_DIRECTORY, RIGHTS_DIR, 0, &fd)) == 0) {
        __wasi_fdstat_t st;
        __wasi_fd_fdstat_get(fd, &st);
        printf("  filetype %s\n", filetype_name(st.fs_filetype));
        show_file(fd, 0, "inner.txt");
        __wasi_fd_close(fd);
    }
    if (T("open sub without directory flag", open_at(dir, 0, "sub", 0, R | RIGHTS_DIR, 0, &fd)) == 0) {
        __wasi_fd_t inner;
        T("open beneath a directory opened without the flag", open_at(fd, 0, "inner.txt", 0, R, 0, &inner));
        __wasi_fd_close(fd);
    }
    if (T("open hello.txt", open_at(dir, 0, "hello.txt", 0, R, 0, &fd)) == 0) {
        __wasi_fd_t inner;
        T("open beneath a file descriptor", open_at(fd, 0, "x", 0, R, 0, &inner));
        T("mkdir beneath a file descriptor", __wasi_path_create_directory(fd, "x"));
        __wasi_fd_close(fd);
    }
    if (T("create new.txt", open_at(dir, 0, "new.txt", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd)) == 0) {
        T("  write", write_str(fd, "abc\n"));
        __wasi_fd_close(fd);
    }
    T("create new.txt again, exclusive", open_at(dir, 0, "new.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_RW, 0, &fd));
    if (T("create new.txt again", open_at(dir, 0, "new.txt", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd)) == 0)
        __wasi_fd_close(fd);
    show_file(dir, 0, "new.txt");
    if (T("truncate new.txt", open_at(dir, 0, "new.txt", __WASI_OFLAGS_TRUNC, RIGHTS_RW, 0, &fd)) == 0)
        __wasi_fd_close(fd);
    show_stat(dir, 0, "new.txt");
    T("create in a missing directory", open_at(dir, 0, "nodir/f", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd));
    T("create with a trailing slash", open_at(dir, 0, "slash/", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd));

    printf("-- path_create_directory\n");
    T("mkdir made", __wasi_path_create_directory(dir, "made"));
    T("mkdir made again", __wasi_path_create_directory(dir, "made"));
    T("mkdir made2/ (trailing slash)", __wasi_path_create_directory(dir, "made2/"));
    T("mkdir in a missing directory", __wasi_path_create_directory(dir, "no/such"));
    T("mkdir beneath a file", __wasi_path_create_directory(dir, "hello.txt/d"));
    T("mkdir over a symlink", __wasi_path_create_directory(dir, "dangling"));
    T("mkdir empty path", __wasi_path_create_directory(dir, ""));
    T("mkdir beneath stdin", __wasi_path_create_directory(0, "x"));

    printf("-- path_filestat_get\n");
    show_stat(dir, 0, "hello.txt");
    show_stat(dir, 0, "sub");
    show_stat(dir, 0, ".");
    show_stat(dir, 0, "link-to-hello");
    show_stat(dir, FOLLOW, "link-to-hello");
    show_stat(dir, 0, "dangling");
    show_stat(dir, FOLLOW, "dangling");
    show_stat(dir, FOLLOW, "loop1");
    show_stat(dir, 0, "missing");
    show_stat(dir, 0, "hello.txt/");
    {
        __wasi_filestat_t st;
        T("stat beneath stdout", __wasi_path_filestat_get(1, 0, "hello.txt", &st));
    }

    printf("-- path_filestat_set_times\n");
    {
        __wasi_filestat_t st;
        T("set both times of hello.txt",
          __wasi_path_filestat_set_times(dir, 0, "hello.txt", 1000000000000000000ULL, 1200000000123456789ULL,
                                         __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
        __wasi_path_filestat_get(dir, 0, "hello.txt", &st);
        printf("  atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
        T("set mtime only", __wasi_path_filestat_set_times(dir, 0, "hello.txt", 0, 1300000000000000000ULL, __WASI_FSTFLAGS_MTIM));
        __wasi_path_filestat_get(dir, 0, "hello.txt", &st);
        printf("  atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
        T("set mtime to now", __wasi_path_filestat_set_times(dir, 0, "hello.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
        __wasi_path_filestat_get(dir, 0, "hello.txt", &st);
        printf("  mtime is now: %s\n", st.mtim > 1600000000000000000ULL ? "yes" : "no");
        T("set atime both explicitly and now",
          __wasi_path_filestat_set_times(dir, 0, "hello.txt", 1, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
        T("set times of a symlink itself",
          __wasi_path_filestat_set_times(dir, 0, "link-to-hello", 0, 1100000000000000000ULL, __WASI_FSTFLAGS_MTIM));
        __wasi_path_filestat_get(dir, 0, "link-to-hello", &st);
        printf("  link mtim %llu\n", (unsigned long long)st.mtim);
        T("set times of a missing file", __wasi_path_filestat_set_times(dir, 0, "missing", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    }

    printf("-- path_link\n");
    T("link hello.txt to hard.txt", __wasi_path_link(dir, 0, "hello.txt", dir, "hard.txt"));
    show_stat(dir, 0, "hello.txt");
    show_file(dir, 0, "hard.txt");
    T("link onto an existing name", __wasi_path_link(dir, 0, "hello.txt", dir, "new.txt"));
    T("link a missing file", __wasi_path_link(dir, 0, "missing", dir, "m2"));
    T("link a directory", __wasi_path_link(dir, 0, "sub", dir, "sub2"));
    T("link following symlinks", __wasi_path_link(dir, FOLLOW, "link-to-hello", dir, "l2"));
    T("link a symlink itself", __wasi_path_link(dir, 0, "link-to-hello", dir, "link-copy"));
    show_stat(dir, 0, "link-copy");
    T("link into a missing directory", __wasi_path_link(dir, 0, "hello.txt", dir, "nodir/x"));
    T("link from stdout", __wasi_path_link(1, 0, "hello.txt", dir, "x"));

    printf("-- path_symlink and path_readlink\n");
    T("symlink sym2 -> hello.txt", __wasi_path_symlink("hello.txt", dir, "sym2"));
    show_link(dir, "sym2", 64);
    show_link(dir, "sym2", 4);
    show_link(dir, "sym2", 0);
    T("symlink onto an existing name", __wasi_path_symlink("x", dir, "hello.txt"));
    T("symlink with an empty target", __wasi_path_symlink("", dir, "empty-target"));
    T("symlink in a missing directory", __wasi_path_symlink("x", dir, "nodir/s"));
    T("symlink sub/up -> ../hello.txt", __wasi_path_symlink("../hello.txt", dir, "sub/up"));
    show_file(dir, FOLLOW, "sub/up");
    show_link(dir, "hello.txt", 64);
    show_link(dir, "missing", 64);
    show_link(dir, "sub/", 64);
    show_link(dir, "link-to-hello/", 64);

    printf("-- path_rename\n");
    T("rename new.txt to renamed.txt", __wasi_path_rename(dir, "new.txt", dir, "renamed.txt"));
    show_stat(dir, 0, "new.txt");
    show_stat(dir, 0, "renamed.txt");
    T("rename a missing file", __wasi_path_rename(dir, "missing", dir, "x"));
    T("rename a file over a directory", __wasi_path_rename(dir, "renamed.txt", dir, "made"));
    T("rename a directory over a file", __wasi_path_rename(dir, "made", dir, "renamed.txt"));
    T("rename a directory into itself", __wasi_path_rename(dir, "made", dir, "made/inside"));
    T("rename a file to a trailing slash", __wasi_path_rename(dir, "renamed.txt", dir, "x/"));
    T("mkdir made/x", __wasi_path_create_directory(dir, "made/x"));
    T("rename a directory over a non-empty directory", __wasi_path_rename(dir, "made2", dir, "made"));
    T("rename a directory over an empty directory", __wasi_path_rename(dir, "made", dir, "made2"));
    T("rename a symlink", __wasi_path_rename(dir, "sym2", dir, "sub/sym3"));
    show_file(dir, FOLLOW, "sub/sym3");
    T("rename onto itself", __wasi_path_rename(dir, "hard.txt", dir, "hard.txt"));

    printf("-- path_unlink_file\n");
    T("unlink renamed.txt", __wasi_path_unlink_file(dir, "renamed.txt"));
    T("unlink renamed.txt again", __wasi_path_unlink_file(dir, "renamed.txt"));
    T("unlink a directory", __wasi_path_unlink_file(dir, "sub"));
    T("unlink with a trailing slash", __wasi_path_unlink_file(dir, "hard.txt/"));
    T("symlink dirlink -> sub", __wasi_path_symlink("sub", dir, "dirlink"));
    T("unlink a symlink to a directory", __wasi_path_unlink_file(dir, "dirlink"));
    T("unlink a dangling symlink", __wasi_path_unlink_file(dir, "empty-target"));
    T("unlink beneath stdin", __wasi_path_unlink_file(0, "x"));

    printf("-- path_remove_directory\n");
    T("rmdir made2/x", __wasi_path_remove_directory(dir, "made2/x"));
    T("rmdir made2/", __wasi_path_remove_directory(dir, "made2/"));
    T("rmdir made2 again", __wasi_path_remove_directory(dir, "made2"));
    T("rmdir a non-empty directory", __wasi_path_remove_directory(dir, "sub"));
    T("rmdir a file", __wasi_path_remove_directory(dir, "hard.txt"));
    T("rmdir a symlink", __wasi_path_remove_directory(dir, "link-copy"));
    T("rmdir .", __wasi_path_remove_directory(dir, "."));
    T("rmdir beneath stdout", __wasi_path_remove_directory(1, "x"));
    return 0;
}
