/*
 * Many small functions: a particle update written as calls to tiny vector, clamp and
 * accessor helpers. The helpers are noinline on purpose, so both compilers keep the
 * calls and the benchmark measures call overhead and argument passing.
 *
 * Category: calls
 */
#include <stdlib.h>

#include "bench.h"

#define NOINLINE __attribute__((noinline))
#define PARTICLES 4096
#define STEPS 12000

struct vec { int32_t x, y, z; };
struct particle { struct vec pos, vel; int32_t mass, flags; };

static NOINLINE struct vec vec_add(struct vec a, struct vec b) {
    struct vec r = {a.x + b.x, a.y + b.y, a.z + b.z};
    return r;
}
static NOINLINE struct vec vec_scale(struct vec a, int32_t k) {
    struct vec r = {a.x * k / 16, a.y * k / 16, a.z * k / 16};
    return r;
}
static NOINLINE int32_t vec_dot(const struct vec *a, const struct vec *b) {
    return a->x * b->x + a->y * b->y + a->z * b->z;
}
static NOINLINE int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }
static NOINLINE int32_t iabs(int32_t v) { return v < 0 ? -v : v; }
static NOINLINE int32_t get_mass(const struct particle *p) { return p->mass; }
static NOINLINE void set_flag(struct particle *p, int32_t bit) { p->flags |= 1 << bit; }
static NOINLINE int has_flag(const struct particle *p, int32_t bit) { return (p->flags >> bit) & 1; }
static NOINLINE uint32_t hash_step(uint32_t h, int32_t v) { return (h ^ (uint32_t)v) * 16777619u; }

static NOINLINE void bounce(struct particle *p) {
    if (iabs(p->pos.x) > 100000) { p->vel.x = -p->vel.x; set_flag(p, 0); }
    if (iabs(p->pos.y) > 100000) { p->vel.y = -p->vel.y; set_flag(p, 1); }
    if (iabs(p->pos.z) > 100000) { p->vel.z = -p->vel.z; set_flag(p, 2); }
    p->pos.x = clamp(p->pos.x, -100000, 100000);
    p->pos.y = clamp(p->pos.y, -100000, 100000);
    p->pos.z = clamp(p->pos.z, -100000, 100000);
}

static NOINLINE void step(struct particle *p, struct vec gravity) {
    p->vel = vec_add(p->vel, vec_scale(gravity, get_mass(p)));
    p->pos = vec_add(p->pos, p->vel);
    bounce(p);
}

int main(void) {
    struct particle *ps = malloc(PARTICLES * sizeof(struct particle));
    for (int i = 0; i < PARTICLES; i++) {
        /* One statement per draw: the order of evaluation inside an initializer is unspecified. */
        ps[i].pos.x = (int32_t)bench_below(200000) - 100000;
        ps[i].pos.y = (int32_t)bench_below(200000) - 100000;
        ps[i].pos.z = (int32_t)bench_below(200000) - 100000;
        ps[i].vel.x = (int32_t)bench_below(2001) - 1000;
        ps[i].vel.y = (int32_t)bench_below(2001) - 1000;
        ps[i].vel.z = (int32_t)bench_below(2001) - 1000;
        ps[i].mass = (int32_t)bench_below(32) + 1;
        ps[i].flags = 0;
    }
    struct vec gravity = {0, -3, 1};
    uint32_t h = 2166136261u;
    for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < PARTICLES; i++) step(&ps[i], gravity);
        struct vec probe = {1, 2, 3};
        for (int i = 0; i < PARTICLES; i += 64) h = hash_step(h, vec_dot(&ps[i].vel, &probe) + has_flag(&ps[i], s % 3));
    }
    uint64_t sum = h;
    for (int i = 0; i < PARTICLES; i++) sum = bench_mix(sum, (uint32_t)(ps[i].pos.x ^ ps[i].pos.y ^ ps[i].flags));
    free(ps);
    bench_report("smallfuncs", sum);
    return 0;
}
