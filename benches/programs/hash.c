/*
 * Integer hashing: FNV-1a and a murmur-style mixer over a byte buffer, then an
 * open-addressing hash table (linear probing) filled with random 64-bit keys and
 * probed with a mix of present and absent keys.
 *
 * Category: integer
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BUF_BYTES (4u << 20)
#define BUF_PASSES 12
#define TABLE_BITS 20
#define TABLE_KEYS (1u << (TABLE_BITS - 1))
#define TABLE_ROUNDS 16

static uint32_t fnv1a(const uint8_t *p, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t murmur_like(const uint8_t *p, uint32_t n, uint32_t seed) {
    uint32_t h = seed;
    for (uint32_t i = 0; i + 4 <= n; i += 4) {
        uint32_t k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                     (uint32_t)p[i + 3] << 24;
        k *= 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        k *= 0x1b873593u;
        h ^= k;
        h = (h << 13) | (h >> 19);
        h = h * 5 + 0xe6546b64u;
    }
    h ^= n;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}

static uint64_t fmix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    return k ^ (k >> 33);
}

int main(void) {
    uint64_t sum = 0;

    uint8_t *buf = malloc(BUF_BYTES);
    for (uint32_t i = 0; i < BUF_BYTES; i++) buf[i] = (uint8_t)bench_rand32();
    for (uint32_t pass = 0; pass < BUF_PASSES; pass++) {
        /* Hash overlapping 4 KiB windows so both short and long inputs are exercised. */
        for (uint32_t off = 0; off + 4096 <= BUF_BYTES; off += 2048 + pass * 64) {
            sum = bench_mix(sum, fnv1a(buf + off, 4096));
            sum = bench_mix(sum, murmur_like(buf + off, 4096, pass));
        }
    }

    const uint32_t size = 1u << TABLE_BITS, mask = size - 1;
    uint64_t *keys = malloc(sizeof(uint64_t) * size);
    uint32_t *vals = malloc(sizeof(uint32_t) * size);
    for (uint32_t round = 0; round < TABLE_ROUNDS; round++) {
        memset(keys, 0, sizeof(uint64_t) * size);
        bench_seed(1000 + round);
        for (uint32_t i = 0; i < TABLE_KEYS; i++) {
            uint64_t key = bench_rand64() | 1;
            uint32_t slot = (uint32_t)fmix64(key) & mask;
            while (keys[slot] != 0 && keys[slot] != key) slot = (slot + 1) & mask;
            keys[slot] = key;
            vals[slot] = i;
        }
        /* Replay the same keys (hits) interleaved with fresh ones (mostly misses). */
        bench_seed(1000 + round);
        uint64_t found = 0, missing = 0;
        for (uint32_t i = 0; i < TABLE_KEYS; i++) {
            uint64_t probes[2] = {bench_rand64() | 1, fmix64(i + round) | 1};
            for (int q = 0; q < 2; q++) {
                uint32_t slot = (uint32_t)fmix64(probes[q]) & mask;
                while (keys[slot] != 0 && keys[slot] != probes[q]) slot = (slot + 1) & mask;
                if (keys[slot] == probes[q])
                    found += vals[slot];
                else
                    missing++;
            }
        }
        sum = bench_mix(sum, found);
        sum = bench_mix(sum, missing);
    }
    free(keys);
    free(vals);
    free(buf);
    bench_report("hash", sum);
    return 0;
}
