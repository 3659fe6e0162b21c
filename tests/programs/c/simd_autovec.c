/*
 * Loops that clang's vectorizers turn into v128 code (this file is built with -msimd128,
 * as every tests/programs/c/simd_*.c is; see Makefile.inc). Each kernel exists twice:
 * NAME_vec, which is vectorized, and NAME_ref, the same loop kept scalar by a pragma.
 * Both run over the same pseudo-random inputs (lengths that are not a multiple of any
 * vector width, so the scalar tail runs too) and each prints a checksum; the line ends
 * in "ok" when the two agree. `wasm-objdump -d` of the .wasm shows v128 instructions in
 * every *_vec function and none in the *_ref ones; the comment on each kernel names what
 * clang 14 makes of it (reductions end in i8x16.shuffle and extract_lane).
 *
 * Only exactly specified arithmetic is used: unsigned wrap-around, integer min/max and
 * compares, and float operations whose inputs are small multiples of powers of two, so
 * every result is exact and no contraction or reassociation could change it. Results
 * are printed as integers or bit patterns.
 *
 * `simd_autovec KERNEL REPS [N]` runs only KERNEL_vec (KERNEL-ref: KERNEL_ref) REPS times
 * over N elements (default 65536) and prints its checksum: a timing mode for comparing
 * this file built with and without -msimd128. The tests never use it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_N 65536
#define SCALAR _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)")
#define KERNEL __attribute__((noinline))

static float fx[MAX_N], fy[MAX_N], fy2[MAX_N];
static double dx[MAX_N], dy[MAX_N];
static int32_t ia[MAX_N], ib[MAX_N];
static uint32_t ua[MAX_N], ub[MAX_N];
static int16_t sa[MAX_N], sb[MAX_N];
static uint16_t wa[MAX_N], wb[MAX_N], wout[MAX_N], wout2[MAX_N];
static uint64_t qa[MAX_N], qb[MAX_N];
static uint8_t text[MAX_N], bytes_a[MAX_N], bytes_b[MAX_N], bout[MAX_N], bout2[MAX_N];

static uint32_t rng_state = 12345;

static uint32_t rng(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static void init(size_t n) {
    rng_state = 12345;
    static const char alphabet[] = "The Quick Brown Fox, 0123456789 JUMPS over lazy dogs!\n";
    for (size_t i = 0; i < n; i++) {
        fx[i] = (float)((int)(rng() % 2001) - 1000) * 0.125f;
        fy[i] = (float)((int)(rng() % 2001) - 1000) * 0.25f;
        dx[i] = (double)((int)(rng() % 200001) - 100000) * 0.5;
        ia[i] = (int32_t)(rng() % 2000001) - 1000000;
        ib[i] = (int32_t)(rng() % 2000001) - 1000000;
        ua[i] = rng() * 2654435761u;
        ub[i] = rng() ^ (rng() << 16);
        sa[i] = (int16_t)(rng() & 0xffff);
        sb[i] = (int16_t)(rng() & 0xffff);
        wa[i] = (uint16_t)rng();
        wb[i] = (uint16_t)rng();
        qa[i] = ((uint64_t)rng() << 40) ^ ((uint64_t)rng() << 20) ^ rng();
        qb[i] = ((uint64_t)rng() << 40) ^ ((uint64_t)rng() << 20) ^ rng();
        text[i] = (uint8_t)alphabet[rng() % (sizeof alphabet - 1)];
        bytes_a[i] = (uint8_t)rng();
        bytes_b[i] = (uint8_t)(rng() >> 3);
    }
}

/* FNV-1a over 32-bit words: a serial dependency chain that stays scalar. */
static uint32_t fold(uint32_t h, uint32_t v) {
    return (h ^ v) * 16777619u;
}

static uint32_t hash_u32(const uint32_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = fold(h, p[i]);
    return h;
}

static uint32_t hash_f32(const float *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i], 4);
        h = fold(h, u);
    }
    return h;
}

static uint32_t hash_f64(const double *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &p[i], 8);
        h = fold(fold(h, (uint32_t)u), (uint32_t)(u >> 32));
    }
    return h;
}

static uint32_t hash_u16(const uint16_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = fold(h, p[i]);
    return h;
}

/* A byte histogram of a buffer, folded into one checksum. */
static uint32_t hash_histogram(const uint8_t *p, size_t n) {
    uint32_t hist[256] = {0};
    for (size_t i = 0; i < n; i++)
        hist[p[i]]++;
    return hash_u32(hist, 256);
}

/* The kernels, each as a vectorized and a scalar twin. */

#define DEFINE_KERNEL(NAME, PARAMS, BODY)   \
    KERNEL static void NAME##_vec PARAMS {  \
        BODY                                \
    }                                       \
    KERNEL static void NAME##_ref PARAMS {  \
        SCALAR BODY                         \
    }

#define DEFINE_REDUCTION(NAME, TYPE, PARAMS, INIT, BODY) \
    KERNEL static TYPE NAME##_vec PARAMS {               \
        TYPE acc = INIT;                                 \
        BODY                                             \
        return acc;                                      \
    }                                                    \
    KERNEL static TYPE NAME##_ref PARAMS {               \
        TYPE acc = INIT;                                 \
        SCALAR BODY                                      \
        return acc;                                      \
    }

/* y = a*x + y (f32x4.mul, f32x4.add). */
DEFINE_KERNEL(saxpy, (float a, const float *restrict x, float *restrict y, size_t n),
              for (size_t i = 0; i < n; i++) y[i] = a * x[i] + y[i];)

/* y = x*1.5 + 0.25 over doubles (f64x2). */
DEFINE_KERNEL(scale_f64, (const double *restrict x, double *restrict y, size_t n),
              for (size_t i = 0; i < n; i++) y[i] = x[i] * 1.5 + 0.25;)

/* Clamp to [-50, 75] (f32x4.lt, f32x4.min, v128.bitselect). */
DEFINE_KERNEL(clamp_f32, (const float *restrict x, float *restrict y, size_t n),
              for (size_t i = 0; i < n; i++) {
                  float v = x[i];
                  y[i] = v < -50.0f ? -50.0f : (v > 75.0f ? 75.0f : v);
              })

/* int -> float conversion, then a scale (f32x4.convert_i32x4_s). */
DEFINE_KERNEL(int_to_float, (const int32_t *restrict x, float *restrict y, size_t n),
              for (size_t i = 0; i < n; i++) y[i] = (float)x[i] * 0.5f;)

/* |a| >> 3 | b << 5 (i32x4.abs, shifts, or). */
DEFINE_KERNEL(abs_shift, (const int32_t *restrict a, const uint32_t *restrict b,
                          uint32_t *restrict out, size_t n),
              for (size_t i = 0; i < n; i++) {
                  int32_t v = a[i] < 0 ? -a[i] : a[i];
                  out[i] = ((uint32_t)v >> 3) | (b[i] << 5);
              })

/* ASCII upper case to lower case (i8x16.add, i8x16.lt_u, v128.bitselect). */
DEFINE_KERNEL(to_lower, (const uint8_t *restrict in, uint8_t *restrict out, size_t n),
              for (size_t i = 0; i < n; i++) {
                  uint8_t c = in[i];
                  out[i] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
              })

/* Saturating byte add (widened: i32x4.add and i32x4.min_u, then narrowed back). */
DEFINE_KERNEL(add_sat_u8, (const uint8_t *restrict a, const uint8_t *restrict b,
                           uint8_t *restrict out, size_t n),
              for (size_t i = 0; i < n; i++) {
                  unsigned s = (unsigned)a[i] + b[i];
                  out[i] = (uint8_t)(s > 255 ? 255 : s);
              })

/* Rounding average of u16 (widened i32x4.add and shr_u, narrowed) and u16 min (i16x8.min_u). */
DEFINE_KERNEL(avg_min_u16, (const uint16_t *restrict a, const uint16_t *restrict b,
                            uint16_t *restrict avg, uint16_t *restrict mn, size_t n),
              for (size_t i = 0; i < n; i++) {
                  avg[i] = (uint16_t)(((uint32_t)a[i] + b[i] + 1) >> 1);
                  mn[i] = a[i] < b[i] ? a[i] : b[i];
              })

/* Sum of u32 products, wrapping (i32x4.mul, i32x4.add). */
DEFINE_REDUCTION(dot_u32, uint32_t, (const uint32_t *a, const uint32_t *b, size_t n), 0,
                 for (size_t i = 0; i < n; i++) acc += a[i] * b[i];)

/* Sum of widened i16 products (v128.load16x4_s, i32x4.mul). */
DEFINE_REDUCTION(dot_i16, uint32_t, (const int16_t *a, const int16_t *b, size_t n), 0,
                 for (size_t i = 0; i < n; i++) acc += (uint32_t)((int32_t)a[i] * b[i]);)

/* Sum of u64 xors (i64x2). */
DEFINE_REDUCTION(xor_sum_u64, uint64_t, (const uint64_t *a, const uint64_t *b, size_t n), 0,
                 for (size_t i = 0; i < n; i++) acc += a[i] ^ b[i];)

/* Minimum and maximum of i32 (i32x4.min_s, i32x4.max_s). */
DEFINE_REDUCTION(min_i32, int32_t, (const int32_t *a, size_t n), INT32_MAX,
                 for (size_t i = 0; i < n; i++) acc = a[i] < acc ? a[i] : acc;)
DEFINE_REDUCTION(max_i32, int32_t, (const int32_t *a, size_t n), INT32_MIN,
                 for (size_t i = 0; i < n; i++) acc = a[i] > acc ? a[i] : acc;)

/* Maximum of u8 (i8x16.max_u). */
DEFINE_REDUCTION(max_u8, uint8_t, (const uint8_t *a, size_t n), 0,
                 for (size_t i = 0; i < n; i++) acc = a[i] > acc ? a[i] : acc;)

/* How many a[i] > b[i] (i32x4.gt_s, i32x4.sub of the all-ones mask). */
DEFINE_REDUCTION(count_gt, uint32_t, (const int32_t *a, const int32_t *b, size_t n), 0,
                 for (size_t i = 0; i < n; i++) acc += a[i] > b[i];)

static int failures;

static void report(const char *name, uint64_t vec, uint64_t ref) {
    printf("%-12s vec=%016" PRIx64 " ref=%016" PRIx64 " %s\n", name, vec, ref,
           vec == ref ? "ok" : "MISMATCH");
    if (vec != ref)
        failures++;
}

static void run_all(size_t n) {
    init(n);
    printf("n=%zu\n", n);

    memcpy(fy2, fy, n * sizeof fy[0]);
    saxpy_vec(0.5f, fx, fy, n);
    saxpy_ref(0.5f, fx, fy2, n);
    report("saxpy", hash_f32(fy, n), hash_f32(fy2, n));

    scale_f64_vec(dx, dy, n);
    uint32_t h = hash_f64(dy, n);
    memset(dy, 0, n * sizeof dy[0]);
    scale_f64_ref(dx, dy, n);
    report("scale_f64", h, hash_f64(dy, n));

    clamp_f32_vec(fx, fy, n);
    h = hash_f32(fy, n);
    clamp_f32_ref(fx, fy2, n);
    report("clamp_f32", h, hash_f32(fy2, n));

    int_to_float_vec(ia, fy, n);
    h = hash_f32(fy, n);
    int_to_float_ref(ia, fy2, n);
    report("int_to_float", h, hash_f32(fy2, n));

    abs_shift_vec(ia, ub, ua, n);
    h = hash_u32(ua, n);
    memset(ua, 0, n * sizeof ua[0]);
    abs_shift_ref(ia, ub, ua, n);
    report("abs_shift", h, hash_u32(ua, n));

    to_lower_vec(text, bout, n);
    to_lower_ref(text, bout2, n);
    report("to_lower", hash_histogram(bout, n), hash_histogram(bout2, n));
    report("to_lower_eq", memcmp(bout, bout2, n) == 0, 1);

    add_sat_u8_vec(bytes_a, bytes_b, bout, n);
    add_sat_u8_ref(bytes_a, bytes_b, bout2, n);
    report("add_sat_u8", hash_histogram(bout, n), hash_histogram(bout2, n));

    avg_min_u16_vec(wa, wb, wout, wout2, n);
    uint64_t h2 = (uint64_t)hash_u16(wout, n) << 32 | hash_u16(wout2, n);
    avg_min_u16_ref(wa, wb, wout, wout2, n);
    report("avg_min_u16", h2, (uint64_t)hash_u16(wout, n) << 32 | hash_u16(wout2, n));

    report("dot_u32", dot_u32_vec(ua, ub, n), dot_u32_ref(ua, ub, n));
    report("dot_i16", dot_i16_vec(sa, sb, n), dot_i16_ref(sa, sb, n));
    report("xor_sum_u64", xor_sum_u64_vec(qa, qb, n), xor_sum_u64_ref(qa, qb, n));
    report("min_i32", (uint32_t)min_i32_vec(ia, n), (uint32_t)min_i32_ref(ia, n));
    report("max_i32", (uint32_t)max_i32_vec(ia, n), (uint32_t)max_i32_ref(ia, n));
    report("max_u8", max_u8_vec(bytes_b, n), max_u8_ref(bytes_b, n));
    report("count_gt", count_gt_vec(ia, ib, n), count_gt_ref(ia, ib, n));
}

/* The timing mode: one kernel, REPS times. */
static int bench(const char *kernel, long reps, size_t n) {
    uint64_t sum = 0;
    int ref = strstr(kernel, "-ref") != NULL;
    size_t len = strcspn(kernel, "-");
#define IS(NAME) (len == strlen(NAME) && strncmp(kernel, NAME, len) == 0)
    for (long r = 0; r < reps; r++) {
        if (IS("saxpy")) {
            (ref ? saxpy_ref : saxpy_vec)(0.5f, fx, fy, n);
            sum += hash_f32(fy, 1);
        } else if (IS("dot_i16")) {
            sum += (ref ? dot_i16_ref : dot_i16_vec)(sa, sb, n);
        } else if (IS("dot_u32")) {
            sum += (ref ? dot_u32_ref : dot_u32_vec)(ua, ub, n);
        } else if (IS("to_lower")) {
            (ref ? to_lower_ref : to_lower_vec)(text, bout, n);
            sum += bout[r % n];
        } else if (IS("max_u8")) {
            sum += (ref ? max_u8_ref : max_u8_vec)(bytes_a, n);
        } else {
            fprintf(stderr, "unknown kernel %s (saxpy, dot_i16, dot_u32, to_lower, max_u8)\n",
                    kernel);
            return 2;
        }
    }
    if (IS("saxpy"))
        sum = hash_f32(fy, n);
    printf("%s x%ld n=%zu: %016" PRIx64 "\n", kernel, reps, n, sum);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3) {
        size_t n = argc >= 4 ? (size_t)atol(argv[3]) : MAX_N;
        if (n == 0 || n > MAX_N)
            n = MAX_N;
        init(n);
        return bench(argv[1], atol(argv[2]), n);
    }
    run_all(4099);
    run_all(37);
    printf("%s\n", failures ? "FAILED" : "all kernels agree");
    return failures != 0;
}
