/*
 * Dense double-precision matrix multiply, C = A * B, in i-k-j order (unit stride in
 * the inner loop), repeated with a feedback step so no multiply can be skipped.
 *
 * Category: float
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define N 384
#define REPEAT 36

int main(void) {
    double *a = malloc(sizeof(double) * N * N);
    double *b = malloc(sizeof(double) * N * N);
    double *c = malloc(sizeof(double) * N * N);
    for (int i = 0; i < N * N; i++) {
        a[i] = (double)(bench_below(2001)) / 1000.0 - 1.0;
        b[i] = (double)(bench_below(2001)) / 1000.0 - 1.0;
    }
    uint64_t sum = 0;
    for (int r = 0; r < REPEAT; r++) {
        memset(c, 0, sizeof(double) * N * N);
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < N; k++) {
                double aik = a[i * N + k];
                for (int j = 0; j < N; j++) c[i * N + j] += aik * b[k * N + j];
            }
        }
        double trace = 0.0;
        for (int i = 0; i < N; i++) trace += c[i * N + i];
        sum = bench_mix(sum, (uint64_t)(int64_t)(trace * 1e6));
        /* Feed a scaled copy of C back into A so every round depends on the last. */
        for (int i = 0; i < N * N; i++) a[i] = c[i] * (1.0 / N);
    }
    double total = 0.0;
    for (int i = 0; i < N * N; i++) total += c[i];
    printf("matmul: total %.9e\n", total);
    free(a);
    free(b);
    free(c);
    bench_report("matmul", sum);
    return 0;
}
