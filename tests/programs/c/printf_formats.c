/*
 * printf conversions of integers and doubles, snprintf truncation and puts.
 * Uses fixed-width types where native and wasm32 differ (long is 32-bit on
 * wasm32), so the expected output is the same on both. NaN is reported
 * through isnan because libcs disagree on printing its sign.
 */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Volatile so that the values reach printf at run time instead of being folded. */
static volatile double doubles[] = {
    0.0, -0.0, 0.1, 0.5, 1.0, -1.5, 3.141592653589793, 1e300, -1e-300,
    123456789.125, 1e21, 2.2250738585072014e-308, 4.9406564584124654e-324,
    1.1125369292536007e-308, DBL_MAX, 1.0 / 3.0, 100.0, 1e-5,
};

static void print_double(double d) {
    if (isnan(d)) {
        printf("nan (isnan)\n");
        return;
    }
    printf("%f|%e|%g|%.17g|%.3f|%12.4e|%-10g|%+g\n", d, d, d, d, d, d, d, d);
}

int main(void) {
    volatile int32_t ints[] = {0, 1, -1, 42, -42, 2147483647, INT32_MIN, 65535, -100000};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int32_t v = ints[i];
        printf("%d|%u|%x|%X|%o|%5d|%-5d|%05d|%+d|% d|%#x\n",
               v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, v, v, v, v, v, (unsigned)v);
    }
    volatile long l = -123456789L;
    printf("%ld|%10ld|%-12ld|\n", l, l, l);
    volatile long long ll = LLONG_MIN;
    volatile long long lmax = LLONG_MAX;
    volatile unsigned long long ull = ULLONG_MAX;
    printf("%lld|%lld|%llu|%llx\n", ll, lmax, ull, ull);
    volatile int64_t big = -9876543210123LL;
    printf("%" PRId64 "|%" PRIu64 "|%" PRIx64 "|%20" PRId64 "|\n", big, (uint64_t)big, (uint64_t)big, big);
    printf("%c%c%c|%s|%.3s|%8s|%-8s|%%\n", 'a', 'b', 'c', "str", "truncate", "right", "left");

    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++)
        print_double(doubles[i]);
    volatile double zero = 0.0;
    double inf = 1.0 / zero;
    print_double(inf);
    print_double(-inf);
    print_double(zero / zero);
    print_double(sqrt(-1.0 + zero));
    volatile float f = 0.1f;
    printf("float 0.1f as %%.17g: %.17g\n", (double)f);
    printf("signbit(-0.0)=%d\n", signbit(doubles[1]) != 0);

    char buf[16];
    int n = snprintf(buf, sizeof buf, "%s-%d-%.2f", "snprintf", 12345, 2.71828);
    printf("snprintf returned %d, buffer [%s] len %zu\n", n, buf, strlen(buf));
    n = snprintf(NULL, 0, "%d", INT32_MIN);
    printf("snprintf(NULL, 0) returned %d\n", n);
    puts("puts adds a newline");
    fputs("fputs to stdout\n", stdout);
    return 0;
}
