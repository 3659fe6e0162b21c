/*
 * Checksums over a buffer: CRC-32 bytewise with one table and slicing-by-4 with four,
 * plus Adler-32. Table lookups and shifts in a dependent chain.
 *
 * Category: integer
 */
#include <stdlib.h>

#include "bench.h"

#define BUF (1u << 20)
#define PASSES 280

static uint32_t table[4][256];

static void make_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        table[1][i] = (table[0][i] >> 8) ^ table[0][table[0][i] & 0xff];
        table[2][i] = (table[1][i] >> 8) ^ table[0][table[1][i] & 0xff];
        table[3][i] = (table[2][i] >> 8) ^ table[0][table[2][i] & 0xff];
    }
}

static uint32_t crc32_bytewise(const uint8_t *p, uint32_t n, uint32_t crc) {
    crc = ~crc;
    for (uint32_t i = 0; i < n; i++) crc = table[0][(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc32_slice4(const uint8_t *p, uint32_t n, uint32_t crc) {
    crc = ~crc;
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        crc ^= (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
        crc = table[3][crc & 0xff] ^ table[2][(crc >> 8) & 0xff] ^ table[1][(crc >> 16) & 0xff] ^
              table[0][crc >> 24];
    }
    for (; i < n; i++) crc = table[0][(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t adler32(const uint8_t *p, uint32_t n) {
    uint32_t a = 1, b = 0;
    while (n > 0) {
        uint32_t chunk = n < 5552 ? n : 5552;
        n -= chunk;
        while (chunk--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return b << 16 | a;
}

int main(void) {
    make_tables();
    uint8_t *buf = malloc(BUF);
    for (uint32_t i = 0; i < BUF; i++) buf[i] = (uint8_t)bench_rand32();
    uint64_t sum = 0;
    uint32_t crc = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        uint32_t a = crc32_bytewise(buf, BUF, crc);
        uint32_t b = crc32_slice4(buf, BUF, crc);
        if (a != b) printf("crc32: slicing-by-4 disagrees in pass %d\n", pass);
        crc = a;
        sum = bench_mix(sum, a);
        sum = bench_mix(sum, adler32(buf + pass, BUF - pass));
        buf[(uint32_t)pass * 7919u % BUF] ^= (uint8_t)crc;
    }
    free(buf);
    bench_report("crc32", sum);
    return 0;
}
