/*
 * A compression-like byte loop: LZ77 with hash chains (32 KiB window,
 * greedy parsing) over generated text, then decompression and a round-trip check.
 * Tokens: a literal byte or a (length, distance) pair, written to a byte stream.
 *
 * Category: compression
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define INPUT (1u << 21)
#define ROUNDS 12
#define WINDOW (1u << 15)
#define HASH_BITS 15
#define MIN_MATCH 4
#define MAX_MATCH 255
#define MAX_CHAIN 48

static uint32_t hash4(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Output format: 0x00 <literal> | len(1..255 as len-MIN_MATCH+1) <dist lo> <dist hi>. */
static uint32_t compress(const uint8_t *in, uint32_t n, uint8_t *out, int32_t *head, int32_t *prev) {
    for (uint32_t i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
    uint32_t o = 0, i = 0;
    while (i < n) {
        uint32_t best_len = 0, best_dist = 0;
        if (i + MIN_MATCH <= n) {
            uint32_t h = hash4(in + i);
            int32_t cand = head[h];
            uint32_t chain = MAX_CHAIN;
            uint32_t limit = n - i < MAX_MATCH ? n - i : MAX_MATCH;
            while (cand >= 0 && i - (uint32_t)cand <= WINDOW && chain-- > 0) {
                const uint8_t *a = in + cand, *b = in + i;
                if (a[best_len] == b[best_len]) {
                    uint32_t len = 0;
                    while (len < limit && a[len] == b[len]) len++;
                    if (len > best_len) {
                        best_len = len;
                        best_dist = i - (uint32_t)cand;
                        if (len == limit) break;
                    }
                }
                cand = prev[cand & (WINDOW - 1)];
            }
            prev[i & (WINDOW - 1)] = head[h];
            head[h] = (int32_t)i;
        }
        if (best_len >= MIN_MATCH) {
            out[o++] = (uint8_t)(best_len - MIN_MATCH + 1);
            out[o++] = (uint8_t)best_dist;
            out[o++] = (uint8_t)(best_dist >> 8);
            /* Insert the skipped positions into the chains too. */
            for (uint32_t k = 1; k < best_len && i + k + MIN_MATCH <= n; k++) {
                uint32_t h = hash4(in + i + k);
                prev[(i + k) & (WINDOW - 1)] = head[h];
                head[h] = (int32_t)(i + k);
            }
            i += best_len;
        } else {
            out[o++] = 0;
            out[o++] = in[i++];
        }
    }
    return o;
}

static uint32_t decompress(const uint8_t *in, uint32_t n, uint8_t *out) {
    uint32_t o = 0, i = 0;
    while (i < n) {
        uint8_t tag = in[i++];
        if (tag == 0) {
            out[o++] = in[i++];
        } else {
            uint32_t len = tag + MIN_MATCH - 1;
            uint32_t dist = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
            i += 2;
            for (uint32_t k = 0; k < len; k++, o++) out[o] = out[o - dist];
        }
    }
    return o;
}

int main(void) {
    uint8_t *input = malloc(INPUT), *packed = malloc(2 * INPUT + 16), *unpacked = malloc(INPUT);
    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS), *prev = malloc(sizeof(int32_t) * WINDOW);
    uint64_t sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        bench_text((char *)input, INPUT);
        /* Some incompressible stretches, different each round. */
        for (uint32_t k = 0; k < 64; k++) {
            uint32_t at = bench_below(INPUT - 4096);
            for (uint32_t j = 0; j < 512; j++) input[at + j] = (uint8_t)bench_rand32();
        }
        uint32_t packed_len = compress(input, INPUT, packed, head, prev);
        uint32_t unpacked_len = decompress(packed, packed_len, unpacked);
        int same = unpacked_len == INPUT && memcmp(input, unpacked, INPUT) == 0;
        uint32_t h = 2166136261u;
        for (uint32_t k = 0; k < packed_len; k++) h = (h ^ packed[k]) * 16777619u;
        if (r == ROUNDS - 1 || !same)
            printf("lz77: round %d: %u -> %u bytes, round trip %s\n", r, INPUT, packed_len, same ? "ok" : "FAILED");
        sum = bench_mix(sum, packed_len);
        sum = bench_mix(sum, h);
        sum = bench_mix(sum, (uint64_t)same);
    }
    free(input);
    free(packed);
    free(unpacked);
    free(head);
    free(prev);
    bench_report("lz77", sum);
    return 0;
}
