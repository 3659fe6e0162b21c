/*
 * malloc/free churn: a pool of live blocks where each step frees a random block and
 * allocates a new one of a random size (mostly small, sometimes large), with some
 * reallocs; block contents are written and checked so nothing is optimized away.
 *
 * Category: allocator
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SLOTS 8192
#define STEPS 16000000

static uint32_t pick_size(void) {
    uint32_t r = bench_below(1000);
    if (r < 700) return 8 + bench_below(120);
    if (r < 950) return 128 + bench_below(1024);
    if (r < 995) return 1024 + bench_below(16384);
    return 16384 + bench_below(131072);
}

int main(void) {
    uint8_t **slot = calloc(SLOTS, sizeof(uint8_t *));
    uint32_t *len = calloc(SLOTS, sizeof(uint32_t));
    uint64_t sum = 0;
    for (uint32_t s = 0; s < STEPS; s++) {
        uint32_t i = bench_below(SLOTS);
        if (slot[i]) {
            uint8_t *p = slot[i];
            sum = bench_mix(sum, p[0] + (uint64_t)p[len[i] - 1] * 256 + len[i]);
            if ((s & 7) == 0) {
                uint32_t n = pick_size();
                p = realloc(p, n);
                if (n > len[i]) memset(p + len[i], (int)(s & 0xff), n - len[i]);
                p[n - 1] = (uint8_t)(n ^ s);
                slot[i] = p;
                len[i] = n;
                continue;
            }
            free(p);
            slot[i] = NULL;
        }
        if ((s & 3) != 3) {
            uint32_t n = pick_size();
            uint8_t *p = malloc(n);
            p[0] = (uint8_t)s;
            p[n / 2] = (uint8_t)(s >> 8);
            p[n - 1] = (uint8_t)(n ^ s);
            slot[i] = p;
            len[i] = n;
        }
    }
    for (uint32_t i = 0; i < SLOTS; i++) {
        if (slot[i]) sum = bench_mix(sum, slot[i][0] ^ len[i]);
        free(slot[i]);
    }
    free(slot);
    free(len);
    bench_report("malloc", sum);
    return 0;
}
