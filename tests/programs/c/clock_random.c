/*
 * Exercises clock_time_get and random_get. Their values differ on every run,
 * so the program prints only properties that must hold: the monotonic clock
 * never goes backwards, the realtime clock is after 2020-01-01, and
 * getentropy fills a buffer with bytes that are not all the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int64_t nanos(clockid_t clock) {
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void) {
    int64_t previous = nanos(CLOCK_MONOTONIC);
    int monotonic_ok = previous >= 0;
    for (int i = 0; i < 1000 && monotonic_ok; i++) {
        int64_t now = nanos(CLOCK_MONOTONIC);
        monotonic_ok = now >= previous;
        previous = now;
    }
    printf("monotonic clock: %s\n", monotonic_ok ? "ok" : "FAILED");

    int64_t realtime = nanos(CLOCK_REALTIME);
    printf("realtime clock after 2020-01-01: %s\n", realtime > 1577836800LL * 1000000000 ? "ok" : "FAILED");
    time_t seconds = time(NULL);
    printf("time(): %s\n", seconds > 1577836800 ? "ok" : "FAILED");

    unsigned char buf[64];
    int random_ok = getentropy(buf, sizeof buf) == 0;
    int distinct = 0;
    for (size_t i = 1; i < sizeof buf; i++)
        distinct |= buf[i] != buf[0];
    printf("getentropy: %s\n", random_ok && distinct ? "ok" : "FAILED");
    return !(monotonic_ok && random_ok && distinct);
}
