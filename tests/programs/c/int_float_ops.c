/*
 * Integer and floating-point operators with results printed exactly (doubles
 * also as bit patterns). Inputs come from volatile arrays so the operations
 * run as wasm instructions instead of being folded at compile time. Only
 * operations whose results are fully specified are used: no signed overflow,
 * shift counts in range, float-to-int conversions in range, no NaN bit
 * patterns, and only correctly rounded math.h functions.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile int64_t i64s[] = {0, 1, -1, 7, -7, 1000000007, -123456789012345, INT64_MAX, INT64_MIN + 1};
static volatile int32_t i32s[] = {0, 1, -1, 13, -13, 0x7fffffff, -0x7fffffff, 0x12345678};
static volatile double f64s[] = {0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e10, -1e-10, 123456.789, 0.1};
static volatile float f32s[] = {0.0f, 1.25f, -2.75f, 3.3f, 1e20f, 16777217.0f};
static volatile uint32_t shifts[] = {1, 7, 31, 33, 63};

static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int main(void) {
    uint64_t h = 0;
    for (size_t i = 0; i < COUNT(i64s); i++) {
        for (size_t j = 0; j < COUNT(i64s); j++) {
            int64_t a = i64s[i], b = i64s[j];
            uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
            h = h * 1099511628211u + ua * ub;            /* i64.mul, wrapping */
            h = h * 1099511628211u + (ua + ub) + (ua - ub);
            if (b != 0 && !(a == INT64_MIN && b == -1)) {
                h = h * 31u + (uint64_t)(a / b) + (uint64_t)(a % b); /* div_s, rem_s */
                h = h * 31u + ua / ub + ua % ub;                     /* div_u, rem_u */
            }
            h = h * 31u + (uint64_t)(a < b) + 2u * (ua < ub) + 4u * (a >= b) + 8u * (ua >= ub);
        }
        printf("i64 %" PRId64 ": ", i64s[i]);
        for (size_t s = 0; s < COUNT(shifts); s++) {
            uint32_t n = shifts[s] & 63;
            uint64_t u = (uint64_t)i64s[i];
            uint64_t rotl = (u << n) | (u >> ((64 - n) & 63));
            uint64_t rotr = (u >> n) | (u << ((64 - n) & 63));
            printf("%" PRIx64 "/%" PRIx64 "/%" PRIx64 "/%" PRIx64 " ", u << n, (uint64_t)(i64s[i] >> n), rotl, rotr);
        }
        uint64_t u = (uint64_t)i64s[i];
        printf("clz=%d ctz=%d pop=%d\n", u ? __builtin_clzll(u) : 64, u ? __builtin_ctzll(u) : 64, __builtin_popcountll(u));
    }
    printf("i64 hash %016" PRIx64 "\n", h);

    uint32_t h32 = 0;
    for (size_t i = 0; i < COUNT(i32s); i++) {
        for (size_t j = 0; j < COUNT(i32s); j++) {
            int32_t a = i32s[i], b = i32s[j];
            uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
            h32 = h32 * 16777619u + ua * ub + (ua ^ ub) + (ua & ~ub) + (ub >> (ua & 31));
            if (b != 0 && !(a == INT32_MIN && b == -1))
                h32 = h32 * 31u + (uint32_t)(a / b) + (uint32_t)(a % b) + ua / ub + ua % ub;
            h32 = h32 * 31u + (uint32_t)(a < b) + 2u * (ua < ub) + 4u * (a <= b) + 8u * (ua > ub);
        }
        int32_t v = i32s[i];
        printf("i32 %" PRId32 ": sx8=%" PRId32 " sx16=%" PRId32 " >>3=%" PRId32 " >>>3=%" PRIu32 " to_i64=%" PRId64 " to_u64=%" PRIu64 "\n",
               v, (int32_t)(int8_t)v, (int32_t)(int16_t)v, v >> 3, (uint32_t)v >> 3, (int64_t)v, (uint64_t)(uint32_t)v);
    }
    printf("i32 hash %08" PRIx32 "\n", h32);

    for (size_t i = 0; i < COUNT(f64s); i++) {
        double d = f64s[i];
        printf("f64 %.17g: sqrt=%.17g floor=%g ceil=%g trunc=%g rint=%g nearbyint=%g round=%g fabs=%g neg=%016" PRIx64 "\n",
               d, d < 0 ? -sqrt(-d) : sqrt(d), floor(d), ceil(d), trunc(d), rint(d), nearbyint(d), round(d), fabs(d), bits(-d));
        if (d > -2147483648.0 && d < 2147483648.0)
            printf("  to_i32=%" PRId32 " to_i64=%" PRId64 " to_u32=%" PRIu32 "\n",
                   (int32_t)d, (int64_t)d, d >= 0 ? (uint32_t)d : 0u);
        else
            printf("  to_i64=%" PRId64 " to_u64=%" PRIu64 "\n", (int64_t)d, d >= 0 ? (uint64_t)d : 0u);
        double e = f64s[(i + 5) % COUNT(f64s)];
        printf("  with %.17g: add=%.17g sub=%.17g mul=%.17g div=%.17g min=%g max=%g copysign=%g lt=%d eq=%d\n",
               e, d + e, d - e, d * e, e != 0 ? d / e : 0.0, fmin(d, e), fmax(d, e), copysign(d, e), d < e, d == e);
    }
    volatile double zero = 0.0;
    double nan = zero / zero;
    printf("fmin(nan,1)=%g fmax(1,nan)=%g nan==nan %d nan<1 %d isnan %d\n",
           fmin(nan, 1.0), fmax(1.0, nan), nan == nan, nan < 1.0, isnan(nan) != 0);
    printf("copysign(1,-0)=%g signbit(-0*1)=%d 1/-0=%g\n", copysign(1.0, -zero), signbit(-zero * 1.0) != 0, 1.0 / -zero);

    for (size_t i = 0; i < COUNT(f32s); i++) {
        float f = f32s[i];
        float g = f32s[(i + 1) % COUNT(f32s)];
        printf("f32 %.9g (%08" PRIx32 "): sqrtf=%.9g floorf=%g +=%.9g *=%.9g /=%.9g to_f64=%.17g i32->f32=%.9g i64->f32=%.9g\n",
               (double)f, fbits(f), (double)sqrtf(fabsf(f)), (double)floorf(f), (double)(f + g), (double)(f * g),
               (double)(g != 0 ? f / g : 0.0f), (double)f, (double)(float)(int32_t)(i * 33554435u),
               (double)(float)(int64_t)(i * 0x1234567890123ull));
    }
    volatile double big = 9007199254740993.0; /* not representable; rounds to even */
    volatile int64_t ib = 9007199254740993LL;
    printf("2^53+1 as double %.17g, i64->f64 %.17g, u64 max->f64 %.17g, f64->f32 %.9g\n",
           big, (double)ib, (double)(uint64_t)-1 * (double)(ib != 0), (double)(float)(1.0 / 3.0 + zero));
    return 0;
}
