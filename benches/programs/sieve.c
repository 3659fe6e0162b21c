/*
 * Sieve of Eratosthenes over odd numbers (one byte per odd number), repeated, plus a
 * segmented sieve over a window far from zero. Integer-only, store-heavy.
 *
 * Category: integer
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define LIMIT 20000000u
#define REPEAT 30
#define SEG_LO 4000000000u
#define SEG_WIDTH 2000000u

static uint64_t sieve_odd(uint8_t *composite, uint32_t limit) {
    uint32_t n = limit / 2; /* composite[i] describes 2*i+1 */
    memset(composite, 0, n);
    for (uint32_t i = 1; (2 * i + 1) * (2 * i + 1) < limit; i++) {
        if (composite[i]) continue;
        uint32_t p = 2 * i + 1;
        for (uint32_t j = (p * p) / 2; j < n; j += p) composite[j] = 1;
    }
    uint64_t count = 1, total = 2;
    for (uint32_t i = 1; i < n; i++) {
        if (!composite[i]) {
            count++;
            total += 2 * i + 1;
        }
    }
    return count * 1000003u + total;
}

int main(void) {
    uint64_t sum = 0;
    uint8_t *composite = malloc(LIMIT / 2);
    for (int r = 0; r < REPEAT; r++) sum = bench_mix(sum, sieve_odd(composite, LIMIT - r * 1000));

    /* Segmented: primes in [SEG_LO, SEG_LO + SEG_WIDTH) using the small primes. */
    uint8_t *seg = malloc(SEG_WIDTH);
    sieve_odd(composite, 70000);
    memset(seg, 0, SEG_WIDTH);
    for (uint32_t i = 1; i < 35000; i++) {
        if (composite[i]) continue;
        uint64_t p = 2 * i + 1;
        uint64_t start = ((uint64_t)SEG_LO + p - 1) / p * p;
        for (uint64_t m = start; m < (uint64_t)SEG_LO + SEG_WIDTH; m += p) seg[m - SEG_LO] = 1;
    }
    uint64_t seg_count = 0;
    for (uint32_t i = 0; i < SEG_WIDTH; i++) {
        if (!seg[i] && ((SEG_LO + i) & 1)) {
            seg_count++;
            sum = bench_mix(sum, SEG_LO + i);
        }
    }
    sum = bench_mix(sum, seg_count);
    free(seg);
    free(composite);
    bench_report("sieve", sum);
    return 0;
}
