/*
 * Function pointers: qsort with comparators (ints, then structs ordered by
 * several keys), and a table of operations called indirectly in a loop
 * (call_indirect). Every comparator is a total order, so the result does not
 * depend on which sorting algorithm the libc uses.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_INTS 5000
#define N_PEOPLE 12

static uint32_t lcg_state = 2024;

static uint32_t next_random(void) {
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 1;
}

static int cmp_int_asc(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_int_desc(const void *a, const void *b) {
    return cmp_int_asc(b, a);
}

struct person {
    char name[8];
    int32_t age;
    int32_t id;
};

static int cmp_person(const void *a, const void *b) {
    const struct person *p = a, *q = b;
    if (p->age != q->age)
        return p->age < q->age ? -1 : 1;
    int c = strcmp(p->name, q->name);
    if (c != 0)
        return c;
    return (p->id > q->id) - (p->id < q->id);
}

static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t op_rotl(uint32_t a, uint32_t b) { b &= 31; return b ? (a << b) | (a >> (32 - b)) : a; }
static uint32_t op_div(uint32_t a, uint32_t b) { return b ? a / b : a; }

typedef uint32_t (*binop)(uint32_t, uint32_t);

static uint32_t sum_checksum(const int32_t *v, int n) {
    uint32_t h = 0;
    for (int i = 0; i < n; i++)
        h = h * 33u + (uint32_t)v[i];
    return h;
}

int main(int argc, char **argv) {
    (void)argv;
    static int32_t ints[N_INTS];
    for (int i = 0; i < N_INTS; i++)
        ints[i] = (int32_t)(next_random() % 200001) - 100000;
    int (*cmp)(const void *, const void *) = argc > 1000 ? cmp_int_desc : cmp_int_asc;
    qsort(ints, N_INTS, sizeof ints[0], cmp);
    int sorted = 1;
    for (int i = 1; i < N_INTS; i++)
        if (ints[i - 1] > ints[i]) sorted = 0;
    printf("ints: sorted=%d min=%" PRId32 " median=%" PRId32 " max=%" PRId32 " hash=%08" PRIx32 "\n",
           sorted, ints[0], ints[N_INTS / 2], ints[N_INTS - 1], sum_checksum(ints, N_INTS));
    qsort(ints, N_INTS, sizeof ints[0], cmp_int_desc);
    printf("desc: first=%" PRId32 " last=%" PRId32 " hash=%08" PRIx32 "\n",
           ints[0], ints[N_INTS - 1], sum_checksum(ints, N_INTS));

    static const char *names[] = {"ada", "bob", "cy", "dee", "eve", "fay"};
    struct person people[N_PEOPLE];
    for (int i = 0; i < N_PEOPLE; i++) {
        strcpy(people[i].name, names[next_random() % 6]);
        people[i].age = 20 + (int32_t)(next_random() % 4);
        people[i].id = i;
    }
    qsort(people, N_PEOPLE, sizeof people[0], cmp_person);
    for (int i = 0; i < N_PEOPLE; i++)
        printf("  %2" PRId32 " %-4s id=%" PRId32 "\n", people[i].age, people[i].name, people[i].id);

    binop table[] = {op_add, op_sub, op_mul, op_xor, op_rotl, op_div};
    const char *op_names[] = {"add", "sub", "mul", "xor", "rotl", "div"};
    enum { OPS = sizeof table / sizeof table[0] };
    uint32_t acc = 0x12345678u, hash = 0, calls[OPS] = {0};
    for (int i = 0; i < 100000; i++) {
        uint32_t k = next_random() % OPS;
        acc = table[k](acc, next_random() | 1u);
        hash = hash * 31u + acc;
        calls[k]++;
    }
    for (int k = 0; k < OPS; k++)
        printf("%-4s called %" PRIu32 " times\n", op_names[k], calls[k]);
    printf("acc=%08" PRIx32 " hash=%08" PRIx32 "\n", acc, hash);
    return 0;
}
