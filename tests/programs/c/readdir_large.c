/*
 * fd_readdir over a directory of 1500 entries: the whole listing read with buffers of
 * several sizes (down to one that cuts nearly every entry, the cookie resuming after it),
 * every entry seen exactly once with its type, `.` and `..` first, and a directory that
 * changes between calls (entries added and removed) as wasmtime lists it. The program
 * builds and removes the big directory itself, so the trees stay small.
 */
#include "wasi_test.h"
#include <stdlib.h>

#define COUNT 1500

static char seen[COUNT];

/* Reads the directory `fd` with a `bufsize`-byte buffer; returns the number of entries and
 * counts the calls. Each name is checked against the expected pattern. */
static int list(__wasi_fd_t fd, size_t bufsize, int *calls, int *dots, int *others) {
    uint8_t *buf = malloc(bufsize);
    __wasi_dircookie_t cookie = 0;
    int entries = 0;
    memset(seen, 0, sizeof seen);
    *calls = *dots = *others = 0;
    for (;;) {
        __wasi_size_t used;
        if (__wasi_fd_readdir(fd, buf, bufsize, cookie, &used) != 0) {
            printf("  readdir failed\n");
            break;
        }
        (*calls)++;
        size_t at = 0;
        int progressed = 0;
        while (at + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + at, sizeof d);
            if (at + sizeof d + d.d_namlen > used)
                break; /* cut off: read again from this entry's cookie */
            char name[64] = {0};
            memcpy(name, buf + at + sizeof d, d.d_namlen < 63 ? d.d_namlen : 63);
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                (*dots)++;
            } else if (strncmp(name, "entry-", 6) == 0 && d.d_type == __WASI_FILETYPE_REGULAR_FILE) {
                int index = atoi(name + 6);
                if (index >= 0 && index < COUNT)
                    seen[index]++;
            } else {
                (*others)++;
            }
            entries++;
            cookie = d.d_next;
            at += sizeof d + d.d_namlen;
            progressed = 1;
        }
        if (used < bufsize && !progressed)
            break;
        if (used < bufsize && at >= used)
            break;
        if (!progressed) {
            printf("  buffer too small for one entry\n");
            break;
        }
    }
    free(buf);
    return entries;
}

static void report(__wasi_fd_t fd, size_t bufsize) {
    int calls, dots, others;
    int entries = list(fd, bufsize, &calls, &dots, &others);
    int once = 0;
    for (int i = 0; i < COUNT; i++)
        once += seen[i] == 1;
    printf("buffer %zu: %d entries (%d dots, %d others), each file seen once: %s, several calls: %s\n",
           bufsize, entries, dots, others, once == COUNT ? "yes" : "no", calls > 1 ? "yes" : "no");
}

int main(void) {
    int dir = preopen("/sandbox");
    __wasi_fd_t big;
    T("mkdir big", __wasi_path_create_directory(dir, "big"));
    T("open big", open_at(dir, 0, "big", __WASI_OFLAGS_DIRECTORY, RIGHTS_DIR, 0, &big));
    int created = 0;
    for (int i = 0; i < COUNT; i++) {
        char name[32];
        __wasi_fd_t fd;
        snprintf(name, sizeof name, "entry-%04d", i);
        if (open_at(big, 0, name, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_RW, 0, &fd) == 0) {
            __wasi_fd_close(fd);
            created++;
        }
    }
    T("mkdir big/subdir", __wasi_path_create_directory(big, "subdir"));
    printf("created %d files\n", created);

    report(big, 65536);
    report(big, 4096);
    report(big, 100);
    report(big, 40);

    /* A cookie past the end, and one in the middle. */
    {
        uint8_t buf[256];
        __wasi_size_t used;
        T("readdir from a cookie past the end", __wasi_fd_readdir(big, buf, sizeof buf, 100000, &used));
        printf("  used %u\n", (unsigned)used);
        T("readdir into an empty buffer", __wasi_fd_readdir(big, buf, 0, 0, &used));
        printf("  used %u\n", (unsigned)used);
        T("readdir of a file", __wasi_fd_readdir(1, buf, sizeof buf, 0, &used));
    }

    /* A directory that changes between calls: the cookie is a position in the listing as
     * the host gives it at each call, as in wasmtime. */
    {
        uint8_t buf[4096];
        __wasi_size_t used;
        __wasi_fd_readdir(big, buf, 200, 0, &used);
        for (int i = 0; i < 10; i++) {
            char name[32];
            snprintf(name, sizeof name, "entry-%04d", i);
            __wasi_path_unlink_file(big, name);
        }
        int calls, dots, others;
        int entries = list(big, 4096, &calls, &dots, &others);
        printf("after removing 10: %d entries\n", entries);
    }

    int removed = 0;
    for (int i = 0; i < COUNT; i++) {
        char name[32];
        snprintf(name, sizeof name, "entry-%04d", i);
        removed += __wasi_path_unlink_file(big, name) == 0;
    }
    printf("removed %d more files\n", removed);
    T("rmdir big/subdir", __wasi_path_remove_directory(big, "subdir"));
    {
        int calls, dots, others;
        printf("empty directory: %d entries\n", list(big, 4096, &calls, &dots, &others));
    }
    __wasi_fd_close(big);
    T("rmdir big", __wasi_path_remove_directory(dir, "big"));
    return 0;
}
