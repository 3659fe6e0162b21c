/*
 * Indirect calls: a data-dependent sequence of operations dispatched through a
 * table of function pointers, and "objects" carrying their own method table.
 *
 * Category: calls
 */
#include <stdlib.h>

#include "bench.h"

#define OPS 4096
#define ROUNDS 24000

typedef uint32_t (*op_fn)(uint32_t acc, uint32_t x);

static uint32_t op_add(uint32_t a, uint32_t x) { return a + x; }
static uint32_t op_sub(uint32_t a, uint32_t x) { return a - x * 3; }
static uint32_t op_xor(uint32_t a, uint32_t x) { return a ^ (x * 0x9E3779B1u); }
static uint32_t op_rotl(uint32_t a, uint32_t x) { return (a << (x & 31)) | (a >> ((32 - x) & 31)); }
static uint32_t op_mul(uint32_t a, uint32_t x) { return a * (x | 1); }
static uint32_t op_shr(uint32_t a, uint32_t x) { return a + (a >> 7) + x; }
static uint32_t op_mix(uint32_t a, uint32_t x) { return (a ^ (a >> 15)) * 0x2c1b3c6du + x; }
static uint32_t op_min(uint32_t a, uint32_t x) { return a < x ? a + 1 : x ^ a; }

static const op_fn ops[8] = {op_add, op_sub, op_xor, op_rotl, op_mul, op_shr, op_mix, op_min};

struct shape;
struct shape_vtable {
    uint32_t (*area)(const struct shape *);
    uint32_t (*perimeter)(const struct shape *);
    void (*grow)(struct shape *, uint32_t);
};
struct shape {
    const struct shape_vtable *vt;
    uint32_t a, b;
};

static uint32_t rect_area(const struct shape *s) { return s->a * s->b; }
static uint32_t rect_perimeter(const struct shape *s) { return 2 * (s->a + s->b); }
static void rect_grow(struct shape *s, uint32_t d) { s->a += d; s->b += d & 3; }
static uint32_t square_area(const struct shape *s) { return s->a * s->a; }
static uint32_t square_perimeter(const struct shape *s) { return 4 * s->a; }
static void square_grow(struct shape *s, uint32_t d) { s->a = (s->a + d) & 0xffff; }
static uint32_t tri_area(const struct shape *s) { return s->a * s->b / 2; }
static uint32_t tri_perimeter(const struct shape *s) { return s->a + s->b + (s->a ^ s->b); }
static void tri_grow(struct shape *s, uint32_t d) { s->b = (s->b * 3 + d) & 0xffff; }

static const struct shape_vtable vtables[3] = {
    {rect_area, rect_perimeter, rect_grow},
    {square_area, square_perimeter, square_grow},
    {tri_area, tri_perimeter, tri_grow},
};

int main(void) {
    uint8_t *codes = malloc(OPS);
    uint32_t *args = malloc(OPS * sizeof(uint32_t));
    for (int i = 0; i < OPS; i++) {
        codes[i] = (uint8_t)bench_below(8);
        args[i] = bench_rand32();
    }
    uint64_t sum = 0;
    uint32_t acc = 1;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < OPS; i++) acc = ops[codes[i]](acc, args[i] + (uint32_t)r);
        sum = bench_mix(sum, acc);
    }

    struct shape *shapes = malloc(1024 * sizeof(struct shape));
    for (int i = 0; i < 1024; i++) {
        shapes[i].vt = &vtables[bench_below(3)];
        shapes[i].a = bench_below(1000) + 1;
        shapes[i].b = bench_below(1000) + 1;
    }
    uint32_t total = 0;
    for (int r = 0; r < 12000; r++) {
        for (int i = 0; i < 1024; i++) {
            struct shape *s = &shapes[i];
            total += s->vt->area(s) ^ s->vt->perimeter(s);
            if (((uint32_t)i ^ (uint32_t)r) % 61 == 0) s->vt->grow(s, (uint32_t)r & 7);
        }
    }
    sum = bench_mix(sum, total);
    free(shapes);
    free(codes);
    free(args);
    bench_report("fnptr", sum);
    return 0;
}
