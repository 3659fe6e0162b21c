/*
 * memcpy/memmove/memset-heavy: shuffles blocks of a buffer with overlapping
 * memmoves, copies blocks between buffers and clears ranges, with sizes from a few
 * bytes to tens of kilobytes. The library routines do almost all of the work.
 *
 * Category: memory
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BUF (1u << 22)
#define OPS 6000000

static uint32_t pick_len(void) {
    uint32_t r = bench_below(100);
    if (r < 40) return 1 + bench_below(64);      /* small: call overhead dominates */
    if (r < 80) return 64 + bench_below(1024);   /* medium */
    if (r < 97) return 1024 + bench_below(8192); /* large */
    return 8192 + bench_below(65536);            /* very large */
}

int main(void) {
    uint8_t *a = malloc(BUF), *b = malloc(BUF);
    for (uint32_t i = 0; i < BUF; i++) {
        a[i] = (uint8_t)(i * 31 + (i >> 9));
        b[i] = (uint8_t)(i ^ (i >> 7));
    }
    uint64_t sum = 0;
    for (uint32_t op = 0; op < OPS; op++) {
        uint32_t len = pick_len();
        uint32_t src = bench_below(BUF - len), dst = bench_below(BUF - len);
        switch (bench_below(8)) {
        case 0: case 1: case 2:
            memmove(a + dst, a + src, len); /* may overlap in either direction */
            break;
        case 3: {
            /* Short-distance overlap: the case a naive copy gets wrong. */
            uint32_t d = bench_below(16) + 1;
            uint32_t at = src + d + len <= BUF ? src : src - d;
            memmove(a + at + d, a + at, len);
            memmove(b + at, b + at + d, len);
            break;
        }
        case 4: case 5:
            memcpy(b + dst, a + src, len);
            break;
        case 6:
            memcpy(a + dst, b + src, len);
            break;
        default:
            memset(b + dst, (int)(op & 0xff), len / 4 + 1);
            break;
        }
        sum = bench_mix(sum, (uint64_t)a[dst] << 8 | b[src]);
    }
    for (uint32_t i = 0; i < BUF; i += 64) {
        uint64_t wa, wb;
        memcpy(&wa, a + i, 8);
        memcpy(&wb, b + i, 8);
        sum = bench_mix(sum, wa ^ (wb << 1));
    }
    free(a);
    free(b);
    bench_report("memmove", sum);
    return 0;
}
