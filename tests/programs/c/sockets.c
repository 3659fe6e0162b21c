/*
 * sock_accept, sock_recv, sock_send and sock_shutdown over loopback, on the listening socket
 * the executable preopens (`--tcp-listen`, fd 3: there are no preopened directories). The
 * harness is the client (sockets.tcp): it connects once the program prints "ready", sends,
 * and receives what the program sends (sockets.tcp-received). Also: peeking, waiting for a
 * full buffer, non-blocking accept and receive (`again`), fd_read/fd_write on a connection,
 * end of stream, and the errors of each call on the wrong kind of descriptor.
 */
#include "wasi_test.h"

#define LISTENER 3

static void show_fdstat(const char *label, __wasi_fd_t fd) {
    __wasi_fdstat_t st;
    if (T(label, __wasi_fd_fdstat_get(fd, &st)) == 0)
        printf("  %s flags %u accept %d read %d write %d shutdown %d\n", filetype_name(st.fs_filetype),
               st.fs_flags, !!(st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT),
               !!(st.fs_rights_base & __WASI_RIGHTS_FD_READ), !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE),
               !!(st.fs_rights_base & __WASI_RIGHTS_SOCK_SHUTDOWN));
}

static __wasi_errno_t recv_into(__wasi_fd_t fd, char *buf, size_t len, __wasi_riflags_t flags,
                                __wasi_size_t *n) {
    __wasi_iovec_t iov = {(uint8_t *)buf, len};
    __wasi_roflags_t roflags = 0;
    return __wasi_sock_recv(fd, &iov, 1, flags, n, &roflags);
}

int main(void) {
    __wasi_fd_t conn, other;
    __wasi_size_t n;
    char buf[64];

    show_fdstat("fdstat of the listener", LISTENER);
    T("prestat of the listener", __wasi_fd_prestat_get(LISTENER, &(__wasi_prestat_t){0}));
    T("make the listener non-blocking", __wasi_fd_fdstat_set_flags(LISTENER, __WASI_FDFLAGS_NONBLOCK));
    T("accept with no client waiting", __wasi_sock_accept(LISTENER, 0, &conn));
    T("make the listener blocking", __wasi_fd_fdstat_set_flags(LISTENER, 0));
    T("accept with invalid flags", __wasi_sock_accept(LISTENER, __WASI_FDFLAGS_APPEND, &conn));
    T("accept on stdout", __wasi_sock_accept(1, 0, &conn));
    T("accept on a closed fd", __wasi_sock_accept(9, 0, &conn));
    T("recv on the listener", recv_into(LISTENER, buf, 4, 0, &n));
    T("shutdown the listener", __wasi_sock_shutdown(LISTENER, __WASI_SDFLAGS_WR));
    T("read the listener", read_str(LISTENER, buf, sizeof buf));
    printf("ready\n");
    fflush(stdout);

    if (T("accept", __wasi_sock_accept(LISTENER, 0, &conn)) != 0)
        return 1;
    show_fdstat("fdstat of the connection", conn);
    memset(buf, 0, sizeof buf);
    T("peek 5 bytes", recv_into(conn, buf, 5, __WASI_RIFLAGS_RECV_PEEK, &n));
    printf("  %u: %.*s\n", (unsigned)n, (int)n, buf);
    T("receive 14 bytes, waiting for all", recv_into(conn, buf, 14, __WASI_RIFLAGS_RECV_WAITALL, &n));
    printf("  %u: %.*s", (unsigned)n, (int)n, buf);
    T("make the connection non-blocking", __wasi_fd_fdstat_set_flags(conn, __WASI_FDFLAGS_NONBLOCK));
    show_fdstat("fdstat of the connection", conn);
    T("receive with nothing sent", recv_into(conn, buf, sizeof buf, 0, &n));
    T("read with nothing sent", read_str(conn, buf, sizeof buf));
    T("make the connection blocking", __wasi_fd_fdstat_set_flags(conn, 0));
    T("set append on a connection", __wasi_fd_fdstat_set_flags(conn, __WASI_FDFLAGS_APPEND));
    printf("received: hello, server\n");
    fflush(stdout);

    /* The client sends more and shuts down its side: read to the end with fd_read. */
    {
        char all[64] = {0};
        size_t total = 0;
        for (;;) {
            __wasi_iovec_t iov = {(uint8_t *)all + total, sizeof all - 1 - total};
            if (__wasi_fd_read(conn, &iov, 1, &n) != 0 || n == 0)
                break;
            total += n;
        }
        printf("read to the end: %s", all);
    }
    T("receive at the end", recv_into(conn, buf, sizeof buf, 0, &n));
    printf("  %u bytes\n", (unsigned)n);
    {
        __wasi_ciovec_t iov[2] = {{(const uint8_t *)"reply ", 6}, {(const uint8_t *)"1\n", 2}};
        T("send two buffers", __wasi_sock_send(conn, iov, 2, 0, &n));
        printf("  sent %u\n", (unsigned)n);
    }
    T("fd_write", write_str(conn, "reply 2\n"));
    T("seek a connection", __wasi_fd_seek(conn, 0, __WASI_WHENCE_SET, &(__wasi_filesize_t){0}));
    T("accept on a connection", __wasi_sock_accept(conn, 0, &other));
    T("shutdown with no direction", __wasi_sock_shutdown(conn, 0));
    T("shutdown sending", __wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR));
    T("send after shutting down", write_str(conn, "late"));
    T("shutdown both", __wasi_sock_shutdown(conn, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR));
    printf("closing\n");
    fflush(stdout);
    T("recv on stdin", recv_into(0, buf, 4, 0, &n));
    T("send on stdout", __wasi_sock_send(1, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, 0, &n));
    T("shutdown stderr", __wasi_sock_shutdown(2, __WASI_SDFLAGS_WR));
    T("close the connection", __wasi_fd_close(conn));
    T("recv on the closed connection", recv_into(conn, buf, 4, 0, &n));
    return 0;
}
