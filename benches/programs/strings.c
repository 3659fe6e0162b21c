/*
 * String processing on generated text: split into words, count them in a chained
 * hash table keyed by string (strcmp on collisions), search for substrings with
 * strstr, case-fold, build lines with snprintf and parse numbers back with strtol.
 *
 * Category: strings
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define TEXT (1u << 20)
#define ROUNDS 40
#define BUCKETS 4096

struct entry {
    struct entry *next;
    uint32_t count;
    char word[32];
};

static uint32_t hash_str(const char *s) {
    uint32_t h = 5381;
    while (*s) h = h * 33 + (uint8_t)*s++;
    return h;
}

int main(void) {
    char *text = malloc(TEXT + 1), *copy = malloc(TEXT + 1);
    struct entry **buckets = calloc(BUCKETS, sizeof(struct entry *));
    struct entry *pool = malloc(sizeof(struct entry) * 4096);
    uint64_t sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        bench_text(text, TEXT);
        text[TEXT] = '\0';
        memcpy(copy, text, TEXT + 1);
        if (r & 1)
            for (uint32_t i = 0; i < TEXT; i++) copy[i] = (char)toupper((unsigned char)copy[i]);

        /* Tokenize in place and count words. */
        memset(buckets, 0, BUCKETS * sizeof(struct entry *));
        uint32_t used = 0, words = 0;
        for (char *tok = strtok(copy, " ,.\n"); tok; tok = strtok(NULL, " ,.\n")) {
            words++;
            uint32_t b = hash_str(tok) & (BUCKETS - 1);
            struct entry *e = buckets[b];
            while (e && strcmp(e->word, tok) != 0) e = e->next;
            if (!e) {
                e = &pool[used++];
                strncpy(e->word, tok, sizeof(e->word) - 1);
                e->word[sizeof(e->word) - 1] = '\0';
                e->count = 0;
                e->next = buckets[b];
                buckets[b] = e;
            }
            e->count++;
        }
        for (uint32_t i = 0; i < used; i++) sum = bench_mix(sum, hash_str(pool[i].word) ^ pool[i].count);
        sum = bench_mix(sum, words);

        /* Substring search. */
        static const char *const needles[] = {"compiler memory", "the native", "of the of",
                                              "webassembly runtime", "checksum.", "zzz"};
        for (int k = 0; k < 6; k++) {
            uint32_t hits = 0;
            for (const char *p = strstr(text, needles[k]); p; p = strstr(p + 1, needles[k])) hits++;
            sum = bench_mix(sum, hits);
        }

        /* Format numbers into lines and parse them back. */
        char line[64];
        int64_t total = 0;
        for (uint32_t i = 0; i < 60000; i++) {
            int n = snprintf(line, sizeof line, "%u:%d;%x", i, (int)(i * 7919u % 100003u) - 50000, i * 31u);
            char *end;
            total += strtol(line, &end, 10);
            total += strtol(end + 1, &end, 10);
            total += strtol(end + 1, &end, 16);
            total += n;
        }
        sum = bench_mix(sum, (uint64_t)total);
    }
    free(text);
    free(copy);
    free(buckets);
    free(pool);
    bench_report("strings", sum);
    return 0;
}
