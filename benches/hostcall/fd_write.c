/*
 * The host-call benchmark: 100,000 small write(2) calls on stdout, which the runner
 * points at /dev/null. Under WASI each call is exactly one fd_write import; natively
 * it is one system call, so the ratio shows the cost of the host-call path. The
 * byte count goes to stderr so the runner can check it.
 */
#include <stdio.h>
#include <unistd.h>

#define CALLS 100000

int main(void) {
    static const char msg[] = "0123456789abcdef\n";
    unsigned long long total = 0;
    for (int i = 0; i < CALLS; i++) {
        ssize_t n = write(1, msg + (i & 7), 1 + (unsigned)(i & 7));
        if (n < 0) {
            perror("fd_write: write");
            return 1;
        }
        total += (unsigned long long)n;
    }
    fprintf(stderr, "fd_write: %llu bytes in %d calls\n", total, CALLS);
    return 0;
}
