/*
 * Recursion: naive Fibonacci, Takeuchi's function and Ackermann(2, n), all
 * dominated by call and return overhead.
 *
 * Category: calls
 */
#include "bench.h"

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int32_t tak(int32_t x, int32_t y, int32_t z) {
    if (y >= x) return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

static uint32_t ack(uint32_t m, uint32_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

int main(void) {
    uint64_t sum = 0;
    sum = bench_mix(sum, fib(43));
    sum = bench_mix(sum, (uint32_t)tak(30, 20, 10));
    for (uint32_t n = 0; n < 700; n++) sum = bench_mix(sum, ack(2, n));
    bench_report("fib", sum);
    return 0;
}
