/*
 * Spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2 + i + 1), by power
 * iteration: floating-point division and multiply-add in tight nested loops.
 *
 * Category: float
 */
#include <math.h>
#include <stdlib.h>

#include "bench.h"

#define N 4000

static double eval_a(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_av(const double *v, double *av) {
    for (int i = 0; i < N; i++) {
        double s = 0.0;
        for (int j = 0; j < N; j++) s += eval_a(i, j) * v[j];
        av[i] = s;
    }
}

static void mul_atv(const double *v, double *atv) {
    for (int i = 0; i < N; i++) {
        double s = 0.0;
        for (int j = 0; j < N; j++) s += eval_a(j, i) * v[j];
        atv[i] = s;
    }
}

static void mul_atav(const double *v, double *out, double *tmp) {
    mul_av(v, tmp);
    mul_atv(tmp, out);
}

int main(void) {
    double *u = malloc(N * sizeof(double)), *v = malloc(N * sizeof(double));
    double *tmp = malloc(N * sizeof(double));
    for (int i = 0; i < N; i++) u[i] = 1.0;
    for (int i = 0; i < 10; i++) {
        mul_atav(u, v, tmp);
        mul_atav(v, u, tmp);
    }
    double vbv = 0, vv = 0;
    for (int i = 0; i < N; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    double norm = sqrt(vbv / vv);
    printf("spectral: norm %.9f\n", norm);
    union { double d; uint64_t u; } bits = {norm};
    bench_report("spectral", bits.u);
    free(u);
    free(v);
    free(tmp);
    return 0;
}
