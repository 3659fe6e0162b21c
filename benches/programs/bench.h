/*
 * Shared by every benchmark program: a deterministic pseudo-random generator and
 * the checksum line. The same source is built natively (gcc -O2) and to wasm32-wasi
 * (clang -O2), so nothing here may depend on the width of long, size_t or pointers:
 * checksums are computed in fixed-width unsigned types only.
 */
#ifndef WASI_AOT_BENCH_H
#define WASI_AOT_BENCH_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

/* splitmix64: tiny, fast, and identical on every target. */
static uint64_t bench_rng_state = 0x243F6A8885A308D3ull;

static inline void bench_seed(uint64_t seed) { bench_rng_state = seed; }

static inline uint64_t bench_rand64(void) {
    uint64_t z = (bench_rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint32_t bench_rand32(void) { return (uint32_t)(bench_rand64() >> 32); }

/* A value in [0, n): the high half of a 32x32 product, no modulo bias worth caring about. */
static inline uint32_t bench_below(uint32_t n) {
    return (uint32_t)(((uint64_t)bench_rand32() * n) >> 32);
}

/* Folds a value into a running checksum (order-sensitive). */
static inline uint64_t bench_mix(uint64_t sum, uint64_t v) {
    sum ^= v + 0x9E3779B97F4A7C15ull + (sum << 6) + (sum >> 2);
    return sum;
}

/*
 * Fills buf[0..n) with English-looking text: words drawn with a skewed distribution
 * from a fixed vocabulary, with spaces, punctuation and newlines. Compressible and
 * repetitive like real text. Returns n.
 */
static inline uint32_t bench_text(char *buf, uint32_t n) {
    static const char *const words[] = {
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with",
        "be", "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which",
        "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we",
        "compiler", "memory", "function", "module", "benchmark", "native", "executable",
        "instruction", "register", "allocation", "translation", "webassembly", "runtime",
        "performance", "interpreter", "checksum", "pipeline", "linker", "cranelift",
    };
    const uint32_t nwords = sizeof(words) / sizeof(words[0]);
    uint32_t at = 0, col = 0;
    while (at < n) {
        /* Squaring a uniform value skews the choice towards the short common words. */
        uint32_t u = bench_below(nwords);
        const char *w = words[(u * u) / nwords];
        while (*w && at < n) buf[at++] = *w++;
        col++;
        if (at < n) {
            uint32_t r = bench_below(32);
            buf[at++] = r == 0 ? '.' : r == 1 ? ',' : col > 12 ? '\n' : ' ';
            if (buf[at - 1] == '\n') col = 0;
        }
    }
    return n;
}

static inline void bench_report(const char *name, uint64_t checksum) {
    printf("%s: checksum %016" PRIx64 "\n", name, checksum);
}

#endif
