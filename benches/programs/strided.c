/*
 * Memory-bound strided access: column sums of a row-major matrix (a cache line per
 * element), a naive and a blocked transpose, and a gather through a random
 * permutation.
 *
 * Category: memory
 */
#include <stdlib.h>

#include "bench.h"

#define DIM 2048
#define GATHER (1u << 22)
#define REPEAT 3

int main(void) {
    uint32_t *m = malloc(sizeof(uint32_t) * DIM * DIM);
    uint32_t *t = malloc(sizeof(uint32_t) * DIM * DIM);
    for (uint32_t i = 0; i < DIM * DIM; i++) m[i] = i * 2654435761u;
    uint64_t sum = 0;
    for (int r = 0; r < REPEAT; r++) {
        /* Column sums: stride DIM*4 bytes. */
        for (uint32_t col = 0; col < DIM; col++) {
            uint32_t s = 0;
            for (uint32_t row = 0; row < DIM; row++) s += m[row * DIM + col] ^ row;
            sum = bench_mix(sum, s);
        }
        /* Naive transpose: writes at a large stride. */
        for (uint32_t row = 0; row < DIM; row++)
            for (uint32_t col = 0; col < DIM; col++) t[col * DIM + row] = m[row * DIM + col] + r;
        /* Blocked transpose back into m. */
        for (uint32_t bi = 0; bi < DIM; bi += 32)
            for (uint32_t bj = 0; bj < DIM; bj += 32)
                for (uint32_t i = bi; i < bi + 32; i++)
                    for (uint32_t j = bj; j < bj + 32; j++) m[j * DIM + i] = t[i * DIM + j] * 3u;
        sum = bench_mix(sum, m[(r * 7919u) % (DIM * DIM)]);
    }
    free(t);

    /* Gather through a random permutation (Fisher-Yates), then a second dependent pass. */
    uint32_t *perm = malloc(sizeof(uint32_t) * GATHER);
    for (uint32_t i = 0; i < GATHER; i++) perm[i] = i;
    for (uint32_t i = GATHER - 1; i > 0; i--) {
        uint32_t j = bench_below(i + 1);
        uint32_t x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
    uint32_t s = 0;
    for (uint32_t i = 0; i < GATHER; i++) s += m[perm[i] & (DIM * DIM - 1)];
    uint32_t at = 0;
    for (uint32_t i = 0; i < GATHER; i++) at = perm[at]; /* pointer chase */
    sum = bench_mix(sum, s);
    sum = bench_mix(sum, at);
    free(perm);
    free(m);
    bench_report("strided", sum);
    return 0;
}
