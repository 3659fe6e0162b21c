/*
 * Allocator stress: many malloc/calloc/realloc/free calls of varying sizes
 * chosen by a fixed LCG, each block filled with a pattern that is verified
 * before it is freed or after it is moved by realloc. A phase of large blocks
 * grows linear memory well past 16 MiB (memory.grow). The printed checksum
 * depends only on block contents, never on addresses.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512
#define ROUNDS 8000

static uint32_t lcg_state = 12345;

static uint32_t next_random(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

struct block {
    unsigned char *ptr;
    uint32_t size;
    unsigned char seed;
};

static struct block slots[SLOTS];
static uint64_t checksum;
static unsigned failures;

static void fill(struct block *b) {
    for (uint32_t i = 0; i < b->size; i++)
        b->ptr[i] = (unsigned char)(b->seed + i * 7u);
}

/* Checks the first `len` bytes against the pattern and folds them into the checksum. */
static void verify(const struct block *b, uint32_t len) {
    for (uint32_t i = 0; i < len; i++) {
        unsigned char want = (unsigned char)(b->seed + i * 7u);
        if (b->ptr[i] != want)
            failures++;
        checksum = checksum * 31u + b->ptr[i];
    }
}

static uint32_t random_size(void) {
    uint32_t r = next_random();
    switch (r % 8) {
    case 0: return r % 16 + 1;
    case 1: case 2: case 3: return r % 256 + 1;
    case 4: case 5: return r % 4096 + 1;
    case 6: return r % 65536 + 1;
    default: return (r >> 3) % 128 == 0 ? 300000 + r % 100000 : r % 1024 + 1;
    }
}

int main(void) {
    uint64_t allocated = 0;
    for (int round = 0; round < ROUNDS; round++) {
        struct block *b = &slots[next_random() % SLOTS];
        uint32_t action = next_random() % 4;
        if (b->ptr && action == 0) {
            /* realloc keeps the common prefix; verify it, then refill. */
            uint32_t new_size = random_size();
            unsigned char *p = realloc(b->ptr, new_size);
            if (!p) { printf("realloc of %" PRIu32 " bytes failed\n", new_size); return 1; }
            b->ptr = p;
            verify(b, b->size < new_size ? b->size : new_size);
            b->size = new_size;
            fill(b);
            allocated += new_size;
        } else if (b->ptr) {
            verify(b, b->size);
            free(b->ptr);
            b->ptr = NULL;
        } else {
            b->size = random_size();
            b->seed = (unsigned char)next_random();
            b->ptr = (action == 1) ? calloc(1, b->size) : malloc(b->size);
            if (!b->ptr) { printf("malloc of %" PRIu32 " bytes failed\n", b->size); return 1; }
            if (action == 1)
                for (uint32_t i = 0; i < b->size; i++)
                    if (b->ptr[i] != 0) failures++;
            fill(b);
            allocated += b->size;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].ptr) {
            verify(&slots[i], slots[i].size);
            free(slots[i].ptr);
        }
    }

    /* Hold 24 blocks of 1 MiB at once so the heap must grow past 24 MiB. */
    enum { BIG = 24, MIB = 1 << 20 };
    unsigned char *big[BIG];
    uint32_t big_sum = 0;
    for (int i = 0; i < BIG; i++) {
        big[i] = malloc(MIB);
        if (!big[i]) { printf("big block %d failed\n", i); return 1; }
        memset(big[i], i + 1, MIB);
        big[i][MIB - 1] = (unsigned char)(0xA0 + i);
    }
    for (int i = 0; i < BIG; i++) {
        big_sum += (uint32_t)big[i][0] * 1000u + big[i][MIB / 2] + big[i][MIB - 1];
        free(big[i]);
    }

    printf("rounds=%d allocated=%" PRIu64 " failures=%u\n", ROUNDS, allocated, failures);
    printf("checksum=%016" PRIx64 "\n", checksum);
    printf("big blocks=%d sum=%" PRIu32 "\n", BIG, big_sum);
    return failures != 0;
}
