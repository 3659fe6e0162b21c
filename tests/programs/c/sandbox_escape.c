/*
 * The sandbox escape battery: every way out of a preopened directory, tried with every path
 * function. `..` beyond the preopen, absolute paths, symlinks leading out (directly, in the
 * middle of a path, absolute, dangling, through a chain), hard links and renames out of and
 * into the preopen, symlinks created to point out. Each attempt must fail (`perm`, wasmtime's
 * errno) and the harness checks that nothing under `outside` was read, written, created or
 * deleted (`frozen outside` in sandbox_escape.setup). Operations on links that stay inside
 * the sandbox still work.
 */
#include "wasi_test.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define R (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK)

static int dir;
static int leaked;

static void try_open(__wasi_lookupflags_t lookup, const char *path, __wasi_oflags_t oflags) {
    __wasi_fd_t fd;
    char label[128];
    snprintf(label, sizeof label, "open %s%s%s", path, lookup ? " (follow)" : "",
             oflags & __WASI_OFLAGS_CREAT ? " (create)" : "");
    if (T(label, open_at(dir, lookup, path, oflags, R | __WASI_RIGHTS_FD_WRITE, 0, &fd)) == 0) {
        char buf[64];
        read_str(fd, buf, sizeof buf);
        if (strstr(buf, "SECRET"))
            leaked = 1;
        __wasi_fd_close(fd);
    }
}

static void try_stat(__wasi_lookupflags_t lookup, const char *path) {
    __wasi_filestat_t st;
    char label[128];
    snprintf(label, sizeof label, "stat %s%s", path, lookup ? " (follow)" : "");
    T(label, __wasi_path_filestat_get(dir, lookup, path, &st));
}

int main(void) {
    dir = preopen("/sandbox");

    printf("-- opening\n");
    try_open(FOLLOW, "inside.txt", 0);
    try_open(FOLLOW, "..", 0);
    try_open(FOLLOW, "../outside/secret.txt", 0);
    try_open(FOLLOW, "sub/../../outside/secret.txt", 0);
    try_open(FOLLOW, "sub/../inside.txt", 0);
    try_open(FOLLOW, "/etc/passwd", 0);
    try_open(FOLLOW, "/", 0);
    try_open(FOLLOW, "up/secret.txt", 0);
    try_open(0, "up/secret.txt", 0);
    try_open(FOLLOW, "up-file", 0);
    try_open(FOLLOW, "abs", 0);
    try_open(FOLLOW, "abs-dir/secret.txt", 0);
    try_open(FOLLOW, "etc/passwd", 0);
    try_open(FOLLOW, "chain1", 0);
    try_open(FOLLOW, "sub/mid/secret.txt", 0);
    try_open(FOLLOW, "sub/mid/../sandbox/inside.txt", 0);
    try_open(FOLLOW, "self/self/sub/back", 0);
    try_open(FOLLOW, "up", __WASI_OFLAGS_DIRECTORY);
    try_open(FOLLOW, "dangling-out", 0);
    {
        __wasi_fd_t sub, fd;
        T("open sub", open_at(dir, 0, "sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_DIR, 0, &sub));
        T("open ../inside.txt beneath sub", open_at(sub, FOLLOW, "../inside.txt", 0, R, 0, &fd));
        T("open back beneath sub (a link to ../inside.txt)", open_at(sub, FOLLOW, "back", 0, R, 0, &fd));
        __wasi_fd_close(sub);
    }

    printf("-- creating\n");
    try_open(FOLLOW, "../outside/new.txt", __WASI_OFLAGS_CREAT);
    try_open(FOLLOW, "up/new.txt", __WASI_OFLAGS_CREAT);
    try_open(FOLLOW, "dangling-out", __WASI_OFLAGS_CREAT);
    try_open(FOLLOW, "up-file", __WASI_OFLAGS_TRUNC);
    T("mkdir ../outside/newdir", __wasi_path_create_directory(dir, "../outside/newdir"));
    T("mkdir up/newdir", __wasi_path_create_directory(dir, "up/newdir"));
    T("mkdir sub/mid/newdir", __wasi_path_create_directory(dir, "sub/mid/newdir"));
    T("mkdir /tmp/escaped", __wasi_path_create_directory(dir, "/tmp/escaped"));

    printf("-- stat and times\n");
    try_stat(0, "..");
    try_stat(FOLLOW, "up");
    try_stat(0, "up");
    try_stat(FOLLOW, "up/secret.txt");
    try_stat(FOLLOW, "abs");
    try_stat(0, "abs");
    try_stat(FOLLOW, "chain1");
    try_stat(FOLLOW, "/etc");
    T("set times of up/secret.txt", __wasi_path_filestat_set_times(dir, FOLLOW, "up/secret.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    T("set times through up-file", __wasi_path_filestat_set_times(dir, FOLLOW, "up-file", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    T("set times of ../outside", __wasi_path_filestat_set_times(dir, 0, "../outside", 0, 0, __WASI_FSTFLAGS_ATIM_NOW));

    printf("-- readlink\n");
    {
        char buf[256];
        __wasi_size_t used;
        if (T("readlink up", __wasi_path_readlink(dir, "up", (uint8_t *)buf, sizeof buf, &used)) == 0)
            printf("  %.*s\n", (int)used, buf);
        T("readlink abs (an absolute target)", __wasi_path_readlink(dir, "abs", (uint8_t *)buf, sizeof buf, &used));
        T("readlink ../outside", __wasi_path_readlink(dir, "../outside", (uint8_t *)buf, sizeof buf, &used));
        T("readlink up/x", __wasi_path_readlink(dir, "up/x", (uint8_t *)buf, sizeof buf, &used));
    }

    printf("-- hard links\n");
    T("link up/secret.txt to stolen", __wasi_path_link(dir, 0, "up/secret.txt", dir, "stolen"));
    T("link ../outside/secret.txt to stolen", __wasi_path_link(dir, 0, "../outside/secret.txt", dir, "stolen"));
    T("link inside.txt to ../outside/planted", __wasi_path_link(dir, 0, "inside.txt", dir, "../outside/planted"));
    T("link inside.txt to up/planted", __wasi_path_link(dir, 0, "inside.txt", dir, "up/planted"));
    T("link the symlink up-file itself", __wasi_path_link(dir, 0, "up-file", dir, "up-file-copy"));
    try_open(FOLLOW, "up-file-copy", 0);

    printf("-- renames\n");
    T("rename inside.txt to ../outside/moved", __wasi_path_rename(dir, "inside.txt", dir, "../outside/moved"));
    T("rename inside.txt to up/moved", __wasi_path_rename(dir, "inside.txt", dir, "up/moved"));
    T("rename up/secret.txt to taken", __wasi_path_rename(dir, "up/secret.txt", dir, "taken"));
    T("rename ../outside to here", __wasi_path_rename(dir, "../outside", dir, "here"));
    T("rename up/dir to here", __wasi_path_rename(dir, "up/dir", dir, "here"));
    T("rename the symlink up itself", __wasi_path_rename(dir, "up", dir, "up-renamed"));
    try_open(FOLLOW, "up-renamed/secret.txt", 0);

    printf("-- symlinks\n");
    T("symlink to /etc/passwd", __wasi_path_symlink("/etc/passwd", dir, "new-abs"));
    T("symlink at ../outside/link", __wasi_path_symlink("x", dir, "../outside/link"));
    T("symlink at up-renamed/link", __wasi_path_symlink("x", dir, "up-renamed/link"));
    T("symlink to ../outside/secret.txt", __wasi_path_symlink("../outside/secret.txt", dir, "new-out"));
    try_open(FOLLOW, "new-out", 0);
    try_open(FOLLOW, "new-out", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC);

    printf("-- removing\n");
    T("unlink ../outside/secret.txt", __wasi_path_unlink_file(dir, "../outside/secret.txt"));
    T("unlink up-renamed/secret.txt", __wasi_path_unlink_file(dir, "up-renamed/secret.txt"));
    T("unlink sub/mid/secret.txt", __wasi_path_unlink_file(dir, "sub/mid/secret.txt"));
    T("rmdir ../outside/dir", __wasi_path_remove_directory(dir, "../outside/dir"));
    T("rmdir up-renamed/dir", __wasi_path_remove_directory(dir, "up-renamed/dir"));
    T("rmdir ..", __wasi_path_remove_directory(dir, ".."));
    T("unlink the symlink up-renamed itself", __wasi_path_unlink_file(dir, "up-renamed"));
    T("unlink the symlink abs itself", __wasi_path_unlink_file(dir, "abs"));

    printf("secret leaked: %s\n", leaked ? "YES" : "no");
    return 0;
}
