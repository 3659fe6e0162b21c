/*
 * poll_oneoff: clock subscriptions (relative and absolute, every clock id, invalid ones),
 * descriptor subscriptions on stdin (poll.stdin), stdout and a regular file, several
 * subscriptions at once, and the errors (no subscriptions, a bad descriptor, reading stdout,
 * a directory). Times are checked as bounds, never printed.
 */
#include "wasi_test.h"

static __wasi_timestamp_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t = 0;
    __wasi_clock_time_get(id, 1, &t);
    return t;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t userdata, __wasi_clockid_t id,
                                       __wasi_timestamp_t timeout, __wasi_subclockflags_t flags) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.flags = flags;
    return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t userdata, __wasi_eventtype_t type,
                                    __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = type;
    if (type == __WASI_EVENTTYPE_FD_READ)
        s.u.u.fd_read.file_descriptor = fd;
    else
        s.u.u.fd_write.file_descriptor = fd;
    return s;
}

static const char *type_name(__wasi_eventtype_t type) {
    return type == __WASI_EVENTTYPE_CLOCK ? "clock" : type == __WASI_EVENTTYPE_FD_READ ? "fd_read" : "fd_write";
}

/* Polls `n` subscriptions and prints each event (userdata, type, error; the hangup flag when
 * `flags` is set). */
static void poll(const char *label, const __wasi_subscription_t *subs, size_t n, int flags) {
    __wasi_event_t events[8];
    __wasi_size_t count = 0;
    if (T(label, __wasi_poll_oneoff(subs, events, n, &count)) != 0)
        return;
    printf("  %u event(s)\n", (unsigned)count);
    for (size_t i = 0; i < count; i++) {
        printf("  userdata %llu %s %s", (unsigned long long)events[i].userdata,
               type_name(events[i].type), errname(events[i].error));
        if (flags)
            printf(" hangup %d", events[i].fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP);
        printf("\n");
    }
}

int main(void) {
    const __wasi_timestamp_t ms = 1000000, far = 60ULL * 1000 * ms;
    __wasi_timestamp_t start;

    printf("-- clocks\n");
    poll("no subscriptions", NULL, 0, 0);
    start = now(__WASI_CLOCKID_MONOTONIC);
    poll("monotonic, relative 20 ms", (__wasi_subscription_t[]){clock_sub(1, __WASI_CLOCKID_MONOTONIC, 20 * ms, 0)}, 1, 0);
    printf("  waited 20 ms: %s\n", now(__WASI_CLOCKID_MONOTONIC) - start >= 20 * ms ? "yes" : "no");
    start = now(__WASI_CLOCKID_MONOTONIC);
    poll("realtime, relative 20 ms", (__wasi_subscription_t[]){clock_sub(2, __WASI_CLOCKID_REALTIME, 20 * ms, 0)}, 1, 0);
    printf("  waited 20 ms: %s\n", now(__WASI_CLOCKID_MONOTONIC) - start >= 20 * ms ? "yes" : "no");
    start = now(__WASI_CLOCKID_MONOTONIC);
    poll("monotonic, absolute now + 20 ms",
         (__wasi_subscription_t[]){clock_sub(3, __WASI_CLOCKID_MONOTONIC, start + 20 * ms, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME)}, 1, 0);
    printf("  waited 20 ms: %s\n", now(__WASI_CLOCKID_MONOTONIC) - start >= 20 * ms ? "yes" : "no");
    poll("monotonic, absolute in the past",
         (__wasi_subscription_t[]){clock_sub(4, __WASI_CLOCKID_MONOTONIC, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME)}, 1, 0);
    poll("realtime, absolute in the past",
         (__wasi_subscription_t[]){clock_sub(5, __WASI_CLOCKID_REALTIME, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME)}, 1, 0);
    poll("relative 0", (__wasi_subscription_t[]){clock_sub(6, __WASI_CLOCKID_MONOTONIC, 0, 0)}, 1, 0);
    poll("process cputime clock", (__wasi_subscription_t[]){clock_sub(7, __WASI_CLOCKID_PROCESS_CPUTIME_ID, ms, 0)}, 1, 0);
    poll("thread cputime clock", (__wasi_subscription_t[]){clock_sub(8, __WASI_CLOCKID_THREAD_CPUTIME_ID, ms, 0)}, 1, 0);
    poll("clock id 9", (__wasi_subscription_t[]){clock_sub(9, 9, ms, 0)}, 1, 0);
    poll("invalid subclockflags", (__wasi_subscription_t[]){clock_sub(10, __WASI_CLOCKID_MONOTONIC, 0, 2)}, 1, 0);
    start = now(__WASI_CLOCKID_MONOTONIC);
    poll("two clocks, 30 ms and 10 ms",
         (__wasi_subscription_t[]){clock_sub(11, __WASI_CLOCKID_MONOTONIC, 30 * ms, 0),
                                   clock_sub(12, __WASI_CLOCKID_MONOTONIC, 10 * ms, 0)}, 2, 0);
    printf("  waited 10 ms but not 30 s: %s\n",
           now(__WASI_CLOCKID_MONOTONIC) - start >= 10 * ms && now(__WASI_CLOCKID_MONOTONIC) - start < far / 2 ? "yes" : "no");

    printf("-- descriptors\n");
    poll("stdout writable, with a far clock",
         (__wasi_subscription_t[]){clock_sub(20, __WASI_CLOCKID_MONOTONIC, far, 0), fd_sub(21, __WASI_EVENTTYPE_FD_WRITE, 1)}, 2, 0);
    poll("stdin readable (poll.stdin has data), with a far clock",
         (__wasi_subscription_t[]){fd_sub(22, __WASI_EVENTTYPE_FD_READ, 0), clock_sub(23, __WASI_CLOCKID_MONOTONIC, far, 0)}, 2, 0);
    poll("stdout and stderr writable, a far clock",
         (__wasi_subscription_t[]){fd_sub(24, __WASI_EVENTTYPE_FD_WRITE, 1), fd_sub(25, __WASI_EVENTTYPE_FD_WRITE, 2),
                                   clock_sub(26, __WASI_CLOCKID_MONOTONIC, far, 0)}, 3, 0);
    {
        int dir = preopen("/sandbox");
        __wasi_fd_t fd;
        __wasi_filesize_t off;
        T("open data.txt", open_at(dir, 0, "data.txt", 0, RIGHTS_RW, 0, &fd));
        poll("regular file readable", (__wasi_subscription_t[]){fd_sub(30, __WASI_EVENTTYPE_FD_READ, fd)}, 1, 1);
        __wasi_fd_seek(fd, 0, __WASI_WHENCE_END, &off);
        poll("regular file at its end", (__wasi_subscription_t[]){fd_sub(31, __WASI_EVENTTYPE_FD_READ, fd)}, 1, 1);
        poll("regular file writable", (__wasi_subscription_t[]){fd_sub(32, __WASI_EVENTTYPE_FD_WRITE, fd)}, 1, 1);
        poll("a directory", (__wasi_subscription_t[]){fd_sub(33, __WASI_EVENTTYPE_FD_READ, dir)}, 1, 0);
        __wasi_fd_close(fd);
    }
    poll("a closed descriptor", (__wasi_subscription_t[]){fd_sub(40, __WASI_EVENTTYPE_FD_READ, 77)}, 1, 0);
    poll("reading stdout", (__wasi_subscription_t[]){fd_sub(41, __WASI_EVENTTYPE_FD_READ, 1)}, 1, 0);
    poll("writing stdin", (__wasi_subscription_t[]){fd_sub(42, __WASI_EVENTTYPE_FD_WRITE, 0)}, 1, 0);
    {
        __wasi_subscription_t bad = clock_sub(43, __WASI_CLOCKID_MONOTONIC, 0, 0);
        bad.u.tag = 7;
        poll("an invalid event type", &bad, 1, 0);
    }
    return 0;
}
