/*
 * Jacobi relaxation on a 2D grid: a 5-point stencil with fixed hot and cold edges,
 * swapping two buffers each sweep.
 *
 * Category: float
 */
#include <stdlib.h>

#include "bench.h"

#define W 768
#define H 768
#define SWEEPS 1200

int main(void) {
    double *cur = calloc((size_t)W * H, sizeof(double));
    double *next = calloc((size_t)W * H, sizeof(double));
    for (int x = 0; x < W; x++) {
        cur[x] = next[x] = 100.0;                          /* hot top edge */
        cur[(H - 1) * W + x] = next[(H - 1) * W + x] = -20.0; /* cold bottom */
    }
    for (int y = 0; y < H; y++) {
        cur[y * W] = next[y * W] = (double)y / H * 50.0;
        cur[y * W + W - 1] = next[y * W + W - 1] = 10.0;
    }
    for (int s = 0; s < SWEEPS; s++) {
        for (int y = 1; y < H - 1; y++) {
            const double *up = cur + (y - 1) * W, *row = cur + y * W, *down = cur + (y + 1) * W;
            double *out = next + y * W;
            for (int x = 1; x < W - 1; x++)
                out[x] = 0.2 * (row[x] + row[x - 1] + row[x + 1] + up[x] + down[x]);
        }
        double *t = cur;
        cur = next;
        next = t;
    }
    uint64_t sum = 0;
    double total = 0.0;
    for (int y = 0; y < H; y += 7) {
        for (int x = 0; x < W; x += 5) {
            union { double d; uint64_t u; } v = {cur[y * W + x]};
            sum = bench_mix(sum, v.u);
            total += cur[y * W + x];
        }
    }
    printf("stencil: sampled total %.9f\n", total);
    free(cur);
    free(next);
    bench_report("stencil", sum);
    return 0;
}
