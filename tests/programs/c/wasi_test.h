/*
 * Helpers shared by the WASI test programs: raw wasi_snapshot_preview1 calls with their
 * errno printed by its witx name, so that an expected output reads like the spec.
 */
#ifndef WASI_TEST_H
#define WASI_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

/* The programs ignore the errno of calls that only set up or clean up (closing, stats). */
#pragma clang diagnostic ignored "-Wunused-result"

/* wasi-libc's header no longer declares `proc_raise`; the witx still defines it. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t wasi_proc_raise(int32_t sig);

static const char *const ERRNO_NAMES[] = {
    "success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport", "again",
    "already", "badf", "badmsg", "busy", "canceled", "child", "connaborted", "connrefused",
    "connreset", "deadlk", "destaddrreq", "dom", "dquot", "exist", "fault", "fbig",
    "hostunreach", "idrm", "ilseq", "inprogress", "intr", "inval", "io", "isconn", "isdir",
    "loop", "mfile", "mlink", "msgsize", "multihop", "nametoolong", "netdown", "netreset",
    "netunreach", "nfile", "nobufs", "nodev", "noent", "noexec", "nolck", "nolink", "nomem",
    "nomsg", "noprotoopt", "nospc", "nosys", "notconn", "notdir", "notempty",
    "notrecoverable", "notsock", "notsup", "notty", "nxio", "overflow", "ownerdead", "perm",
    "pipe", "proto", "protonosupport", "prototype", "range", "rofs", "spipe", "srch",
    "stale", "timedout", "txtbsy", "xdev", "notcapable",
};

__attribute__((unused)) static const char *errname(__wasi_errno_t e) {
    static char buf[32];
    if (e < sizeof ERRNO_NAMES / sizeof ERRNO_NAMES[0])
        return ERRNO_NAMES[e];
    snprintf(buf, sizeof buf, "errno %u", (unsigned)e);
    return buf;
}

/* Prints `label: errno-name` for a call and returns its errno. */
#define T(label, call)                                      \
    ({                                                      \
        __wasi_errno_t err_ = (call);                       \
        printf("%s: %s\n", (label), errname(err_));         \
        err_;                                               \
    })

/* Rights a test asks for when it opens a file to read and write. */
#define RIGHTS_RW                                                                    \
    (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |          \
     __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_GET |                           \
     __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES |        \
     __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_ADVISE |     \
     __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_POLL_FD_READWRITE)

/* Rights for a directory opened to work beneath it. */
#define RIGHTS_DIR                                                                   \
    (__WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_CREATE_FILE |            \
     __WASI_RIGHTS_PATH_LINK_SOURCE | __WASI_RIGHTS_PATH_LINK_TARGET |                 \
     __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_READLINK | \
     __WASI_RIGHTS_PATH_RENAME_SOURCE | __WASI_RIGHTS_PATH_RENAME_TARGET |             \
     __WASI_RIGHTS_PATH_SYMLINK | __WASI_RIGHTS_PATH_REMOVE_DIRECTORY |                \
     __WASI_RIGHTS_PATH_UNLINK_FILE | __WASI_RIGHTS_PATH_FILESTAT_GET |                \
     __WASI_RIGHTS_PATH_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_FILESTAT_GET |           \
     __WASI_RIGHTS_FD_FILESTAT_SET_TIMES)

/* The descriptor of the preopened directory the guest knows as `name`, or -1. */
__attribute__((unused)) static int preopen(const char *name) {
    for (__wasi_fd_t fd = 3;; fd++) {
        __wasi_prestat_t prestat;
        if (__wasi_fd_prestat_get(fd, &prestat) != 0)
            return -1;
        char buf[256];
        size_t len = prestat.u.dir.pr_name_len;
        if (len >= sizeof buf || __wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, len) != 0)
            continue;
        buf[len] = 0;
        if (strcmp(buf, name) == 0)
            return (int)fd;
    }
}

/* path_open with the rights `rights`, able to hand down the rights of RIGHTS_RW and
 * RIGHTS_DIR; returns the errno and stores the fd. */
__attribute__((unused)) static __wasi_errno_t open_at(__wasi_fd_t dir, __wasi_lookupflags_t lookup, const char *path,
                              __wasi_oflags_t oflags, __wasi_rights_t rights,
                              __wasi_fdflags_t fdflags, __wasi_fd_t *fd) {
    return __wasi_path_open(dir, lookup, path, oflags, rights, RIGHTS_RW | RIGHTS_DIR, fdflags,
                            fd);
}

/* Writes a whole string to `fd`; returns the errno. */
__attribute__((unused)) static __wasi_errno_t write_str(__wasi_fd_t fd, const char *s) {
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    __wasi_size_t n;
    return __wasi_fd_write(fd, &iov, 1, &n);
}

/* Reads up to `cap - 1` bytes of `fd` into `buf` as a string; returns the errno. */
__attribute__((unused)) static __wasi_errno_t read_str(__wasi_fd_t fd, char *buf, size_t cap) {
    __wasi_iovec_t iov = {(uint8_t *)buf, cap - 1};
    __wasi_size_t n = 0;
    __wasi_errno_t err = __wasi_fd_read(fd, &iov, 1, &n);
    buf[err == 0 ? n : 0] = 0;
    return err;
}

__attribute__((unused)) static const char *filetype_name(__wasi_filetype_t type) {
    static const char *const names[] = {"unknown", "block_device", "character_device",
                                        "directory", "regular_file", "socket_dgram",
                                        "socket_stream", "symbolic_link"};
    return type < 8 ? names[type] : "?";
}

#endif
