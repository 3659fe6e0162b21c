/*
 * RLE + Huffman, the other half of a compressor: run-length encode skewed data,
 * build a length-limited canonical Huffman code for the result, pack it into a bit
 * stream, then decode it with a lookup table and undo the RLE.
 *
 * Category: compression
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define INPUT (1u << 21)
#define ROUNDS 50
#define MAX_BITS 12

/* RLE: a byte repeated 4+ times becomes the byte 4 times and a count byte (0..255). */
static uint32_t rle_encode(const uint8_t *in, uint32_t n, uint8_t *out) {
    uint32_t i = 0, o = 0;
    while (i < n) {
        uint8_t b = in[i];
        uint32_t run = 1;
        while (i + run < n && in[i + run] == b && run < 4 + 255) run++;
        if (run >= 4) {
            out[o++] = b; out[o++] = b; out[o++] = b; out[o++] = b;
            out[o++] = (uint8_t)(run - 4);
        } else {
            for (uint32_t k = 0; k < run; k++) out[o++] = b;
        }
        i += run;
    }
    return o;
}

static uint32_t rle_decode(const uint8_t *in, uint32_t n, uint8_t *out) {
    uint32_t i = 0, o = 0, same = 0;
    uint8_t last = 0;
    while (i < n) {
        uint8_t b = in[i++];
        out[o++] = b;
        same = (o > 1 && b == last) ? same + 1 : 1;
        last = b;
        if (same == 4) {
            uint32_t extra = in[i++];
            for (uint32_t k = 0; k < extra; k++) out[o++] = b;
            same = 0;
        }
    }
    return o;
}

/* Code lengths by repeatedly merging the two lightest nodes (256 symbols: O(n^2) is fine). */
static void build_lengths(const uint32_t *freq, uint8_t *lengths) {
    uint32_t weight[512];
    int32_t parent[512];
    uint8_t alive[512];
    int32_t nodes = 0;
    int32_t leaf[256];
    for (int s = 0; s < 256; s++) {
        leaf[s] = -1;
        if (freq[s]) {
            leaf[s] = nodes;
            weight[nodes] = freq[s];
            parent[nodes] = -1;
            alive[nodes] = 1;
            nodes++;
        }
    }
    int32_t live = nodes;
    while (live > 1) {
        int32_t a = -1, b = -1;
        for (int32_t k = 0; k < nodes; k++) {
            if (!alive[k]) continue;
            if (a < 0 || weight[k] < weight[a]) { b = a; a = k; }
            else if (b < 0 || weight[k] < weight[b]) b = k;
        }
        weight[nodes] = weight[a] + weight[b];
        parent[nodes] = -1;
        alive[nodes] = 1;
        parent[a] = parent[b] = nodes;
        alive[a] = alive[b] = 0;
        nodes++;
        live--;
    }
    for (int s = 0; s < 256; s++) {
        uint32_t depth = 0;
        if (leaf[s] >= 0)
            for (int32_t k = leaf[s]; parent[k] >= 0; k = parent[k]) depth++;
        if (leaf[s] >= 0 && depth == 0) depth = 1;
        lengths[s] = (uint8_t)(depth > MAX_BITS ? MAX_BITS : depth);
    }
    /* Clamping can oversubscribe the code space; lengthen the shortest codes until it fits. */
    for (;;) {
        uint32_t kraft = 0;
        for (int s = 0; s < 256; s++) if (lengths[s]) kraft += 1u << (MAX_BITS - lengths[s]);
        if (kraft <= (1u << MAX_BITS)) break;
        int best = -1;
        for (int s = 0; s < 256; s++)
            if (lengths[s] && lengths[s] < MAX_BITS && (best < 0 || lengths[s] > lengths[best])) best = s;
        lengths[best]++;
    }
}

static void canonical_codes(const uint8_t *lengths, uint32_t *codes) {
    uint32_t code = 0;
    for (uint32_t len = 1; len <= MAX_BITS; len++) {
        for (int s = 0; s < 256; s++) if (lengths[s] == len) codes[s] = code++;
        code <<= 1;
    }
}

int main(void) {
    uint8_t *input = malloc(INPUT), *rle = malloc(INPUT * 2), *bits = malloc(INPUT * 3);
    uint8_t *decoded = malloc(INPUT * 2), *output = malloc(INPUT + 1024);
    uint16_t *table = malloc(sizeof(uint16_t) << MAX_BITS);
    uint64_t sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        /* Skewed symbols with runs: geometric-ish byte values, repeated a random number of times. */
        for (uint32_t i = 0; i < INPUT;) {
            uint32_t u = bench_rand32();
            uint8_t b = (uint8_t)(__builtin_ctz(u | 0x10000) * 13 + (u >> 28) + r);
            uint32_t run = (u >> 20 & 7) == 0 ? 4 + (u >> 24 & 31) : 1;
            for (uint32_t k = 0; k < run && i < INPUT; k++) input[i++] = b;
        }
        uint32_t rle_len = rle_encode(input, INPUT, rle);

        uint32_t freq[256] = {0};
        for (uint32_t i = 0; i < rle_len; i++) freq[rle[i]]++;
        uint8_t lengths[256];
        uint32_t codes[256];
        build_lengths(freq, lengths);
        canonical_codes(lengths, codes);

        /* Encode MSB-first into a 64-bit accumulator. */
        uint64_t acc = 0;
        uint32_t nacc = 0, nbytes = 0;
        for (uint32_t i = 0; i < rle_len; i++) {
            acc = (acc << lengths[rle[i]]) | codes[rle[i]];
            nacc += lengths[rle[i]];
            while (nacc >= 8) {
                nacc -= 8;
                bits[nbytes++] = (uint8_t)(acc >> nacc);
            }
        }
        if (nacc) bits[nbytes++] = (uint8_t)(acc << (8 - nacc));
        memset(bits + nbytes, 0, 8);

        /* Decode table: every MAX_BITS-bit prefix maps to (symbol << 4 | length). */
        for (int s = 0; s < 256; s++) {
            if (!lengths[s]) continue;
            uint32_t shift = MAX_BITS - lengths[s];
            for (uint32_t k = 0; k < (1u << shift); k++)
                table[(codes[s] << shift) | k] = (uint16_t)(s << 4 | lengths[s]);
        }
        uint64_t window = 0;
        uint32_t have = 0, in = 0;
        for (uint32_t i = 0; i < rle_len; i++) {
            while (have < MAX_BITS) {
                window = (window << 8) | bits[in++];
                have += 8;
            }
            uint16_t e = table[(window >> (have - MAX_BITS)) & ((1u << MAX_BITS) - 1)];
            decoded[i] = (uint8_t)(e >> 4);
            have -= e & 15;
        }
        uint32_t out_len = rle_decode(decoded, rle_len, output);
        int same = out_len == INPUT && memcmp(output, input, INPUT) == 0;
        if (r == ROUNDS - 1 || !same)
            printf("huffman: round %d: %u -> rle %u -> %u bytes, round trip %s\n", r, INPUT, rle_len, nbytes,
               same ? "ok" : "FAILED");
        sum = bench_mix(sum, rle_len);
        sum = bench_mix(sum, nbytes);
        sum = bench_mix(sum, same);
        for (uint32_t i = 0; i < nbytes; i += 97) sum = bench_mix(sum, bits[i]);
    }
    free(input);
    free(rle);
    free(bits);
    free(decoded);
    free(output);
    free(table);
    bench_report("huffman", sum);
    return 0;
}
