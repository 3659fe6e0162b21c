/*
 * Explicit SIMD through clang's wasm_simd128.h (built with -msimd128, as every
 * tests/programs/c/simd_*.c is; see Makefile.inc): loads and stores of every shape,
 * shuffles and swizzles, integer and float lane arithmetic, comparisons with bitmask,
 * all_true and any_true, narrowing and widening, saturating arithmetic and bitwise
 * operations. Every result is printed lane by lane.
 *
 * Each input passes through opaque(), a volatile round trip through memory, so that clang
 * cannot fold the operations at compile time and they run as v128 instructions. Only
 * results that the spec fixes are printed: a NaN result is printed as "nan" (its sign and
 * payload are not deterministic), everything else exactly.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasm_simd128.h>

static v128_t opaque(v128_t v) {
    volatile v128_t t = v;
    return t;
}

static int32_t opaque_i32(int32_t v) {
    volatile int32_t t = v;
    return t;
}

static void label(const char *name) {
    printf("%-24s", name);
}

static void p_i8(const char *name, v128_t v) {
    int8_t a[16];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 16; i++)
        printf(" %d", a[i]);
    printf("\n");
}

static void p_u8(const char *name, v128_t v) {
    uint8_t a[16];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 16; i++)
        printf(" %u", a[i]);
    printf("\n");
}

static void p_i16(const char *name, v128_t v) {
    int16_t a[8];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 8; i++)
        printf(" %d", a[i]);
    printf("\n");
}

static void p_u16(const char *name, v128_t v) {
    uint16_t a[8];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 8; i++)
        printf(" %u", a[i]);
    printf("\n");
}

static void p_i32(const char *name, v128_t v) {
    int32_t a[4];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 4; i++)
        printf(" %" PRId32, a[i]);
    printf("\n");
}

static void p_u32(const char *name, v128_t v) {
    uint32_t a[4];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 4; i++)
        printf(" %" PRIu32, a[i]);
    printf("\n");
}

static void p_x32(const char *name, v128_t v) {
    uint32_t a[4];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 4; i++)
        printf(" %08" PRIx32, a[i]);
    printf("\n");
}

static void p_i64(const char *name, v128_t v) {
    int64_t a[2];
    memcpy(a, &v, 16);
    label(name);
    printf(" %" PRId64 " %" PRId64 "\n", a[0], a[1]);
}

static void p_f32(const char *name, v128_t v) {
    float a[4];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 4; i++) {
        if (isnan(a[i]))
            printf(" nan");
        else
            printf(" %.9g", a[i]);
    }
    printf("\n");
}

static void p_f64(const char *name, v128_t v) {
    double a[2];
    memcpy(a, &v, 16);
    label(name);
    for (int i = 0; i < 2; i++) {
        if (isnan(a[i]))
            printf(" nan");
        else
            printf(" %.17g", a[i]);
    }
    printf("\n");
}

/* A comparison result: its lanes must be all-ones or all-zeros; print the bitmask. */
static void p_mask(const char *name, v128_t v, int lanes) {
    uint8_t a[16];
    memcpy(a, &v, 16);
    int size = 16 / lanes;
    int ok = 1;
    for (int i = 0; i < 16; i++)
        ok &= a[i] == a[i - i % size];
    label(name);
    for (int l = 0; l < lanes; l++)
        printf("%c", a[l * size] == 0xff ? '1' : a[l * size] == 0 ? '0' : '?');
    printf("%s\n", ok ? "" : " (lanes not uniform)");
}

static uint8_t memory[64];

static void loads_and_stores(void) {
    printf("== loads and stores\n");
    for (int i = 0; i < 64; i++)
        memory[i] = (uint8_t)(i * 7 + 0x80);
    uint8_t *m = (uint8_t *)opaque_i32((int32_t)(uintptr_t)memory);
    p_u8("load +0", wasm_v128_load(m));
    p_u8("load +3 (unaligned)", wasm_v128_load(m + 3));
    p_u8("load8_splat", wasm_v128_load8_splat(m + 5));
    p_u16("load16_splat", wasm_v128_load16_splat(m + 6));
    p_x32("load32_splat", wasm_v128_load32_splat(m + 9));
    p_i64("load64_splat", wasm_v128_load64_splat(m + 16));
    p_x32("load32_zero", wasm_v128_load32_zero(m + 20));
    p_i64("load64_zero", wasm_v128_load64_zero(m + 24));
    p_i16("i16x8_load8x8 (s)", wasm_i16x8_load8x8(m + 1));
    p_u16("u16x8_load8x8", wasm_u16x8_load8x8(m + 1));
    p_i32("i32x4_load16x4 (s)", wasm_i32x4_load16x4(m + 2));
    p_u32("u32x4_load16x4", wasm_u32x4_load16x4(m + 2));
    p_i64("i64x2_load32x2 (s)", wasm_i64x2_load32x2(m + 4));
    p_i64("u64x2_load32x2", wasm_u64x2_load32x2(m + 4));
    v128_t base = opaque(wasm_i8x16_splat(0));
    p_u8("load8_lane 3", wasm_v128_load8_lane(m + 10, base, 3));
    p_u16("load16_lane 7", wasm_v128_load16_lane(m + 10, base, 7));
    p_x32("load32_lane 1", wasm_v128_load32_lane(m + 10, base, 1));
    p_i64("load64_lane 0", wasm_v128_load64_lane(m + 10, base, 0));

    v128_t v = opaque(wasm_i8x16_make(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
    wasm_v128_store(m + 33, v);
    wasm_v128_store8_lane(m + 50, v, 15);
    wasm_v128_store16_lane(m + 52, v, 2);
    wasm_v128_store32_lane(m + 56, v, 3);
    wasm_v128_store64_lane(m + 24, v, 1);
    label("memory after stores");
    for (int i = 24; i < 64; i++)
        printf(" %u", memory[i]);
    printf("\n");
}

static void shuffles(void) {
    printf("== shuffles and lanes\n");
    v128_t a = opaque(wasm_i8x16_make(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    v128_t b = opaque(wasm_i8x16_make(16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                      30, 31));
    p_u8("i8x16_shuffle reverse",
         wasm_i8x16_shuffle(a, b, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    p_u8("i8x16_shuffle interleave",
         wasm_i8x16_shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    p_u8("i8x16_shuffle mixed",
         wasm_i8x16_shuffle(a, b, 31, 0, 30, 1, 5, 5, 5, 5, 16, 16, 8, 24, 9, 25, 3, 28));
    p_u8("i16x8_shuffle", wasm_i16x8_shuffle(a, b, 7, 8, 6, 9, 0, 15, 3, 3));
    p_u8("i32x4_shuffle", wasm_i32x4_shuffle(a, b, 3, 4, 1, 6));
    p_u8("i64x2_shuffle", wasm_i64x2_shuffle(a, b, 1, 2));
    v128_t idx = opaque(wasm_i8x16_make(3, 0, 15, 16, 17, -1, 127, -128, 8, 8, 1, 2, 200 - 256,
                                        31, 4, 14));
    p_u8("i8x16_swizzle", wasm_i8x16_swizzle(b, idx));

    v128_t w = opaque(wasm_i32x4_make(-7, 100, 0x12345678, -1));
    printf("%-24s %d %u %d %u %" PRId32 " %" PRId64 " %g %g\n", "extract_lane",
           wasm_i8x16_extract_lane(w, 0), wasm_u8x16_extract_lane(w, 0),
           wasm_i16x8_extract_lane(w, 7), wasm_u16x8_extract_lane(w, 7),
           wasm_i32x4_extract_lane(w, 2), wasm_i64x2_extract_lane(w, 1),
           wasm_f32x4_extract_lane(opaque(wasm_f32x4_make(1.5f, -2.25f, 3, 4)), 1),
           wasm_f64x2_extract_lane(opaque(wasm_f64x2_make(0.125, -1e300)), 1));
    p_i8("i8x16_replace_lane 9", wasm_i8x16_replace_lane(w, 9, (int8_t)opaque_i32(-99)));
    p_i16("i16x8_replace_lane 0", wasm_i16x8_replace_lane(w, 0, (int16_t)opaque_i32(-300)));
    p_i32("i32x4_replace_lane 3", wasm_i32x4_replace_lane(w, 3, opaque_i32(77)));
    p_i64("i64x2_replace_lane 0", wasm_i64x2_replace_lane(w, 0, (int64_t)opaque_i32(-5) << 40));
    p_f32("f32x4_replace_lane 2",
          wasm_f32x4_replace_lane(opaque(wasm_f32x4_splat(1)), 2, (float)opaque_i32(-6)));
    p_f64("f64x2_replace_lane 1",
          wasm_f64x2_replace_lane(opaque(wasm_f64x2_splat(2)), 1, (double)opaque_i32(9) / 8));
    p_i8("i8x16_splat", wasm_i8x16_splat((int8_t)opaque_i32(-3)));
    p_i16("i16x8_splat", wasm_i16x8_splat((int16_t)opaque_i32(1234)));
    p_i32("i32x4_splat", wasm_i32x4_splat(opaque_i32(-123456)));
    p_i64("i64x2_splat", wasm_i64x2_splat((int64_t)opaque_i32(3) << 50));
    p_f32("f32x4_splat", wasm_f32x4_splat((float)opaque_i32(7) / 4));
    p_f64("f64x2_splat", wasm_f64x2_splat((double)opaque_i32(-7) / 16));
}

static void integer_ops(void) {
    printf("== integer lanes\n");
    v128_t a8 = opaque(wasm_i8x16_make(0, 1, -1, 127, -128, 100, -100, 50, 7, -7, 64, -64, 3,
                                       120, -120, 2));
    v128_t b8 = opaque(wasm_i8x16_make(5, -1, -1, 1, -1, 100, -100, -51, 9, 9, 64, -65, -3, 10,
                                       -10, 127));
    p_i8("i8x16_add", wasm_i8x16_add(a8, b8));
    p_i8("i8x16_sub", wasm_i8x16_sub(a8, b8));
    p_i8("i8x16_neg", wasm_i8x16_neg(a8));
    p_i8("i8x16_abs", wasm_i8x16_abs(a8));
    p_i8("i8x16_min", wasm_i8x16_min(a8, b8));
    p_u8("u8x16_min", wasm_u8x16_min(a8, b8));
    p_i8("i8x16_max", wasm_i8x16_max(a8, b8));
    p_u8("u8x16_max", wasm_u8x16_max(a8, b8));
    p_u8("u8x16_avgr", wasm_u8x16_avgr(a8, b8));
    p_u8("i8x16_popcnt", wasm_i8x16_popcnt(a8));
    int32_t s3 = opaque_i32(3), s11 = opaque_i32(11);
    p_i8("i8x16_shl 3", wasm_i8x16_shl(a8, s3));
    p_i8("i8x16_shl 11 (mod 8)", wasm_i8x16_shl(a8, s11));
    p_i8("i8x16_shr 3", wasm_i8x16_shr(a8, s3));
    p_u8("u8x16_shr 3", wasm_u8x16_shr(a8, s3));

    v128_t a16 = opaque(wasm_i16x8_make(0, 1, -1, 32767, -32768, 1000, -1000, 12345));
    v128_t b16 = opaque(wasm_i16x8_make(-5, 32767, -32768, 1, -1, 1000, 3, -2));
    p_i16("i16x8_add", wasm_i16x8_add(a16, b16));
    p_i16("i16x8_sub", wasm_i16x8_sub(a16, b16));
    p_i16("i16x8_mul", wasm_i16x8_mul(a16, b16));
    p_i16("i16x8_neg", wasm_i16x8_neg(a16));
    p_i16("i16x8_abs", wasm_i16x8_abs(a16));
    p_i16("i16x8_min", wasm_i16x8_min(a16, b16));
    p_u16("u16x8_max", wasm_u16x8_max(a16, b16));
    p_u16("u16x8_avgr", wasm_u16x8_avgr(a16, b16));
    p_i16("i16x8_q15mulr_sat", wasm_i16x8_q15mulr_sat(a16, b16));
    v128_t min16 = opaque(wasm_i16x8_splat(INT16_MIN));
    p_i16("q15mulr_sat min*min", wasm_i16x8_q15mulr_sat(min16, min16));
    p_i16("i16x8_shl 17 (mod 16)", wasm_i16x8_shl(a16, opaque_i32(17)));
    p_i16("i16x8_shr 4", wasm_i16x8_shr(a16, opaque_i32(4)));
    p_u16("u16x8_shr 4", wasm_u16x8_shr(a16, opaque_i32(4)));

    v128_t a32 = opaque(wasm_i32x4_make(INT32_MIN, -1, 123456789, 65536));
    v128_t b32 = opaque(wasm_i32x4_make(-1, -1, -987654321, 65536));
    p_i32("i32x4_add", wasm_i32x4_add(a32, b32));
    p_i32("i32x4_sub", wasm_i32x4_sub(a32, b32));
    p_i32("i32x4_mul", wasm_i32x4_mul(a32, b32));
    p_i32("i32x4_neg", wasm_i32x4_neg(a32));
    p_i32("i32x4_abs", wasm_i32x4_abs(a32));
    p_i32("i32x4_min", wasm_i32x4_min(a32, b32));
    p_u32("u32x4_min", wasm_u32x4_min(a32, b32));
    p_i32("i32x4_max", wasm_i32x4_max(a32, b32));
    p_u32("u32x4_max", wasm_u32x4_max(a32, b32));
    p_i32("i32x4_dot_i16x8", wasm_i32x4_dot_i16x8(a16, b16));
    p_x32("i32x4_shl 33 (mod 32)", wasm_i32x4_shl(a32, opaque_i32(33)));
    p_x32("i32x4_shr 31", wasm_i32x4_shr(a32, opaque_i32(31)));
    p_x32("u32x4_shr 31", wasm_u32x4_shr(a32, opaque_i32(31)));

    v128_t a64 = opaque(wasm_i64x2_make(INT64_MIN, 0x0123456789abcdefLL));
    v128_t b64 = opaque(wasm_i64x2_make(-1, -0x1000000001LL));
    p_i64("i64x2_add", wasm_i64x2_add(a64, b64));
    p_i64("i64x2_sub", wasm_i64x2_sub(a64, b64));
    p_i64("i64x2_mul", wasm_i64x2_mul(a64, b64));
    p_i64("i64x2_neg", wasm_i64x2_neg(b64));
    p_i64("i64x2_abs", wasm_i64x2_abs(b64));
    p_i64("i64x2_shl 65 (mod 64)", wasm_i64x2_shl(a64, opaque_i32(65)));
    p_i64("i64x2_shr 8", wasm_i64x2_shr(a64, opaque_i32(8)));
    p_i64("u64x2_shr 8", wasm_u64x2_shr(a64, opaque_i32(8)));
}

static void float_ops(void) {
    printf("== float lanes\n");
    v128_t a = opaque(wasm_f32x4_make(1.5f, -2.0f, 0.0f, 1e30f));
    v128_t b = opaque(wasm_f32x4_make(0.25f, 3.0f, -0.0f, 1e10f));
    v128_t nan = opaque(wasm_f32x4_make(NAN, 1.0f, -INFINITY, -0.0f));
    p_f32("f32x4_add", wasm_f32x4_add(a, b));
    p_f32("f32x4_sub", wasm_f32x4_sub(a, b));
    p_f32("f32x4_mul", wasm_f32x4_mul(a, b));
    p_f32("f32x4_div", wasm_f32x4_div(a, b));
    p_f32("f32x4_sqrt", wasm_f32x4_sqrt(opaque(wasm_f32x4_make(2, 0.25f, -0.0f, 1e30f))));
    p_f32("f32x4_neg", wasm_f32x4_neg(a));
    p_f32("f32x4_abs", wasm_f32x4_abs(b));
    p_f32("f32x4_min", wasm_f32x4_min(a, b));
    p_f32("f32x4_max", wasm_f32x4_max(a, b));
    p_f32("f32x4_min nan/-inf/0", wasm_f32x4_min(nan, b));
    p_f32("f32x4_max nan/-inf/0", wasm_f32x4_max(nan, b));
    p_f32("f32x4_pmin", wasm_f32x4_pmin(nan, b));
    p_f32("f32x4_pmax", wasm_f32x4_pmax(nan, b));
    v128_t r = opaque(wasm_f32x4_make(2.5f, -2.5f, 3.5f, -0.75f));
    p_f32("f32x4_ceil", wasm_f32x4_ceil(r));
    p_f32("f32x4_floor", wasm_f32x4_floor(r));
    p_f32("f32x4_trunc", wasm_f32x4_trunc(r));
    p_f32("f32x4_nearest", wasm_f32x4_nearest(r));

    v128_t c = opaque(wasm_f64x2_make(1.0 / 3, -1e-300));
    v128_t d = opaque(wasm_f64x2_make(3.0, 1e300));
    p_f64("f64x2_add", wasm_f64x2_add(c, d));
    p_f64("f64x2_sub", wasm_f64x2_sub(c, d));
    p_f64("f64x2_mul", wasm_f64x2_mul(c, d));
    p_f64("f64x2_div", wasm_f64x2_div(d, c));
    p_f64("f64x2_sqrt", wasm_f64x2_sqrt(d));
    p_f64("f64x2_min", wasm_f64x2_min(c, d));
    p_f64("f64x2_max", wasm_f64x2_max(c, d));
    p_f64("f64x2_pmin", wasm_f64x2_pmin(c, d));
    p_f64("f64x2_pmax", wasm_f64x2_pmax(opaque(wasm_f64x2_make(NAN, -0.0)),
                                        opaque(wasm_f64x2_make(1, 0.0))));
    v128_t e = opaque(wasm_f64x2_make(-1.5, 0.5));
    p_f64("f64x2_ceil", wasm_f64x2_ceil(e));
    p_f64("f64x2_floor", wasm_f64x2_floor(e));
    p_f64("f64x2_trunc", wasm_f64x2_trunc(e));
    p_f64("f64x2_nearest", wasm_f64x2_nearest(e));
    p_f64("f64x2_neg", wasm_f64x2_neg(e));
    p_f64("f64x2_abs", wasm_f64x2_abs(e));

    printf("== conversions\n");
    v128_t big = opaque(wasm_f32x4_make(3e9f, -3e9f, NAN, -1.75f));
    p_i32("i32x4_trunc_sat_f32x4", wasm_i32x4_trunc_sat_f32x4(big));
    p_u32("u32x4_trunc_sat_f32x4", wasm_u32x4_trunc_sat_f32x4(big));
    v128_t dbig = opaque(wasm_f64x2_make(-1e20, 4294967295.9));
    p_i32("i32x4_trunc_sat_f64x2_0", wasm_i32x4_trunc_sat_f64x2_zero(dbig));
    p_u32("u32x4_trunc_sat_f64x2_0", wasm_u32x4_trunc_sat_f64x2_zero(dbig));
    v128_t ints = opaque(wasm_i32x4_make(-1, 16777217, INT32_MIN, 7));
    p_f32("f32x4_convert_i32x4", wasm_f32x4_convert_i32x4(ints));
    p_f32("f32x4_convert_u32x4", wasm_f32x4_convert_u32x4(ints));
    p_f64("f64x2_convert_low_i32x4", wasm_f64x2_convert_low_i32x4(ints));
    p_f64("f64x2_convert_low_u32x4", wasm_f64x2_convert_low_u32x4(ints));
    p_f32("f32x4_demote_f64x2_zero",
          wasm_f32x4_demote_f64x2_zero(opaque(wasm_f64x2_make(1.0 / 3, 1e300))));
    p_f64("f64x2_promote_low_f32x4",
          wasm_f64x2_promote_low_f32x4(opaque(wasm_f32x4_make(0.1f, -1e30f, 5, 6))));
}

static void comparisons(void) {
    printf("== comparisons and masks\n");
    v128_t a8 = opaque(wasm_i8x16_make(0, 1, -1, 127, -128, 5, 5, -5, 0, 1, -1, 127, -128, 5, 5,
                                       -5));
    v128_t b8 = opaque(wasm_i8x16_make(0, -1, 1, -128, 127, 5, 6, -6, 1, 1, -1, 126, -127, 4, 6,
                                       -5));
    p_mask("i8x16_eq", wasm_i8x16_eq(a8, b8), 16);
    p_mask("i8x16_ne", wasm_i8x16_ne(a8, b8), 16);
    p_mask("i8x16_lt", wasm_i8x16_lt(a8, b8), 16);
    p_mask("u8x16_lt", wasm_u8x16_lt(a8, b8), 16);
    p_mask("i8x16_gt", wasm_i8x16_gt(a8, b8), 16);
    p_mask("u8x16_gt", wasm_u8x16_gt(a8, b8), 16);
    p_mask("i8x16_le", wasm_i8x16_le(a8, b8), 16);
    p_mask("u8x16_le", wasm_u8x16_le(a8, b8), 16);
    p_mask("i8x16_ge", wasm_i8x16_ge(a8, b8), 16);
    p_mask("u8x16_ge", wasm_u8x16_ge(a8, b8), 16);
    v128_t a16 = opaque(wasm_i16x8_make(0, -1, 300, -300, 32767, -32768, 7, 8));
    v128_t b16 = opaque(wasm_i16x8_make(0, 1, 300, 300, -32768, 32767, 8, 7));
    p_mask("i16x8_lt", wasm_i16x8_lt(a16, b16), 8);
    p_mask("u16x8_lt", wasm_u16x8_lt(a16, b16), 8);
    p_mask("i16x8_ge", wasm_i16x8_ge(a16, b16), 8);
    p_mask("u16x8_ge", wasm_u16x8_ge(a16, b16), 8);
    v128_t a32 = opaque(wasm_i32x4_make(-1, 1, INT32_MIN, 42));
    v128_t b32 = opaque(wasm_i32x4_make(1, -1, INT32_MAX, 42));
    p_mask("i32x4_eq", wasm_i32x4_eq(a32, b32), 4);
    p_mask("i32x4_lt", wasm_i32x4_lt(a32, b32), 4);
    p_mask("u32x4_lt", wasm_u32x4_lt(a32, b32), 4);
    p_mask("i32x4_le", wasm_i32x4_le(a32, b32), 4);
    p_mask("u32x4_gt", wasm_u32x4_gt(a32, b32), 4);
    v128_t a64 = opaque(wasm_i64x2_make(-1, INT64_MAX));
    v128_t b64 = opaque(wasm_i64x2_make(1, INT64_MAX));
    p_mask("i64x2_eq", wasm_i64x2_eq(a64, b64), 2);
    p_mask("i64x2_ne", wasm_i64x2_ne(a64, b64), 2);
    p_mask("i64x2_lt", wasm_i64x2_lt(a64, b64), 2);
    p_mask("i64x2_gt", wasm_i64x2_gt(a64, b64), 2);
    p_mask("i64x2_le", wasm_i64x2_le(a64, b64), 2);
    p_mask("i64x2_ge", wasm_i64x2_ge(a64, b64), 2);
    v128_t fa = opaque(wasm_f32x4_make(1, NAN, -0.0f, -INFINITY));
    v128_t fb = opaque(wasm_f32x4_make(2, NAN, 0.0f, -INFINITY));
    p_mask("f32x4_eq", wasm_f32x4_eq(fa, fb), 4);
    p_mask("f32x4_ne", wasm_f32x4_ne(fa, fb), 4);
    p_mask("f32x4_lt", wasm_f32x4_lt(fa, fb), 4);
    p_mask("f32x4_le", wasm_f32x4_le(fa, fb), 4);
    p_mask("f32x4_gt", wasm_f32x4_gt(fa, fb), 4);
    p_mask("f32x4_ge", wasm_f32x4_ge(fa, fb), 4);
    v128_t da = opaque(wasm_f64x2_make(NAN, 1e-310));
    v128_t db = opaque(wasm_f64x2_make(0, 0));
    p_mask("f64x2_eq", wasm_f64x2_eq(da, db), 2);
    p_mask("f64x2_ne", wasm_f64x2_ne(da, db), 2);
    p_mask("f64x2_gt", wasm_f64x2_gt(da, db), 2);
    p_mask("f64x2_le", wasm_f64x2_le(da, db), 2);

    printf("%-24s %04x %02x %x %x\n", "bitmask i8/i16/i32/i64",
           (unsigned)wasm_i8x16_bitmask(a8), (unsigned)wasm_i16x8_bitmask(a16),
           (unsigned)wasm_i32x4_bitmask(a32), (unsigned)wasm_i64x2_bitmask(a64));
    v128_t zero = opaque(wasm_i64x2_splat(0));
    v128_t one_byte = opaque(wasm_i64x2_make(0, 1LL << 56));
    v128_t ones = opaque(wasm_i8x16_splat(-1));
    v128_t hole = opaque(wasm_i32x4_make(-1, -1, 0x00ff0000, -1));
    printf("%-24s %d %d %d\n", "v128_any_true", wasm_v128_any_true(zero),
           wasm_v128_any_true(one_byte), wasm_v128_any_true(ones));
    printf("%-24s %d %d %d %d\n", "all_true i8 i8 i16 i32", wasm_i8x16_all_true(ones),
           wasm_i8x16_all_true(hole), wasm_i16x8_all_true(hole), wasm_i32x4_all_true(hole));
    printf("%-24s %d %d\n", "i64x2_all_true", wasm_i64x2_all_true(hole),
           wasm_i64x2_all_true(one_byte));
}

static void narrow_widen_saturate(void) {
    printf("== narrowing and widening\n");
    v128_t a16 = opaque(wasm_i16x8_make(-200, -128, -1, 0, 127, 128, 255, 256));
    v128_t b16 = opaque(wasm_i16x8_make(32767, -32768, 100, -100, 1, 2, 3, 300));
    p_i8("i8x16_narrow_i16x8", wasm_i8x16_narrow_i16x8(a16, b16));
    p_u8("u8x16_narrow_i16x8", wasm_u8x16_narrow_i16x8(a16, b16));
    v128_t a32 = opaque(wasm_i32x4_make(-40000, 40000, -1, 70000));
    v128_t b32 = opaque(wasm_i32x4_make(32768, -32769, 65535, 12));
    p_i16("i16x8_narrow_i32x4", wasm_i16x8_narrow_i32x4(a32, b32));
    p_u16("u16x8_narrow_i32x4", wasm_u16x8_narrow_i32x4(a32, b32));
    v128_t bytes = opaque(wasm_i8x16_make(-1, 2, -3, 4, -128, 127, 0, 9, 10, -11, 12, -13, 14,
                                          -15, 16, -17));
    p_i16("i16x8_extend_low_i8x16", wasm_i16x8_extend_low_i8x16(bytes));
    p_i16("i16x8_extend_high_i8x16", wasm_i16x8_extend_high_i8x16(bytes));
    p_u16("u16x8_extend_low_u8x16", wasm_u16x8_extend_low_u8x16(bytes));
    p_u16("u16x8_extend_high_u8x16", wasm_u16x8_extend_high_u8x16(bytes));
    p_i32("i32x4_extend_low_i16x8", wasm_i32x4_extend_low_i16x8(b16));
    p_i32("i32x4_extend_high_i16x8", wasm_i32x4_extend_high_i16x8(b16));
    p_u32("u32x4_extend_low_u16x8", wasm_u32x4_extend_low_u16x8(b16));
    p_i64("i64x2_extend_low_i32x4", wasm_i64x2_extend_low_i32x4(a32));
    p_i64("i64x2_extend_high_i32x4", wasm_i64x2_extend_high_i32x4(a32));
    p_i64("u64x2_extend_low_u32x4", wasm_u64x2_extend_low_u32x4(a32));
    p_i16("i16x8_extmul_low_i8x16", wasm_i16x8_extmul_low_i8x16(bytes, bytes));
    p_u16("u16x8_extmul_high_u8x16", wasm_u16x8_extmul_high_u8x16(bytes, bytes));
    p_i32("i32x4_extmul_high_i16x8", wasm_i32x4_extmul_high_i16x8(a16, b16));
    p_u32("u32x4_extmul_low_u16x8", wasm_u32x4_extmul_low_u16x8(a16, b16));
    p_i64("i64x2_extmul_low_i32x4", wasm_i64x2_extmul_low_i32x4(a32, b32));
    p_i64("u64x2_extmul_high_u32x4", wasm_u64x2_extmul_high_u32x4(a32, b32));
    p_i16("i16x8_extadd_pairwise_i8", wasm_i16x8_extadd_pairwise_i8x16(bytes));
    p_u16("u16x8_extadd_pairwise_u8", wasm_u16x8_extadd_pairwise_u8x16(bytes));
    p_i32("i32x4_extadd_pairwise_i16", wasm_i32x4_extadd_pairwise_i16x8(b16));
    p_u32("u32x4_extadd_pairwise_u16", wasm_u32x4_extadd_pairwise_u16x8(b16));

    printf("== saturating arithmetic\n");
    v128_t x8 = opaque(wasm_i8x16_make(100, -100, 127, -128, 0, 1, -1, 50, 200 - 256, 10, 120,
                                       -120, 64, -64, 5, 6));
    v128_t y8 = opaque(wasm_i8x16_make(100, -100, 1, -1, -128, 127, 1, -50, 100, -20, 20, -20,
                                       64, 64, -6, 250 - 256));
    p_i8("i8x16_add_sat", wasm_i8x16_add_sat(x8, y8));
    p_u8("u8x16_add_sat", wasm_u8x16_add_sat(x8, y8));
    p_i8("i8x16_sub_sat", wasm_i8x16_sub_sat(x8, y8));
    p_u8("u8x16_sub_sat", wasm_u8x16_sub_sat(x8, y8));
    v128_t x16 = opaque(wasm_i16x8_make(30000, -30000, 32767, -32768, 1000, 65000 - 65536, 5, 0));
    v128_t y16 = opaque(wasm_i16x8_make(30000, -30000, -1, 1, -2000, 1000, -6, -1));
    p_i16("i16x8_add_sat", wasm_i16x8_add_sat(x16, y16));
    p_u16("u16x8_add_sat", wasm_u16x8_add_sat(x16, y16));
    p_i16("i16x8_sub_sat", wasm_i16x8_sub_sat(x16, y16));
    p_u16("u16x8_sub_sat", wasm_u16x8_sub_sat(x16, y16));

    printf("== bitwise\n");
    v128_t p = opaque(wasm_i32x4_make(0x0f0f0f0f, (int32_t)0xffff0000, 0x12345678, 0));
    v128_t q = opaque(wasm_i32x4_make(0x00ff00ff, 0x0ff00ff0, -1, 0x7fffffff));
    v128_t m = opaque(wasm_i32x4_make((int32_t)0xf0f0f0f0, 0, -1, 0x55555555));
    p_x32("v128_and", wasm_v128_and(p, q));
    p_x32("v128_or", wasm_v128_or(p, q));
    p_x32("v128_xor", wasm_v128_xor(p, q));
    p_x32("v128_not", wasm_v128_not(p));
    p_x32("v128_andnot", wasm_v128_andnot(p, q));
    p_x32("v128_bitselect", wasm_v128_bitselect(p, q, m));
}

int main(void) {
    loads_and_stores();
    shuffles();
    integer_ops();
    float_ops();
    comparisons();
    narrow_widen_saturate();
    return 0;
}
