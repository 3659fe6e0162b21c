/*
 * A tiny stack-based bytecode VM: a switch-dispatched interpreter loop running a
 * program (assembled at startup) that counts primes by trial division and sums
 * Collatz sequence lengths.
 *
 * Category: interpreter
 */
#include <stdlib.h>

#include "bench.h"

enum op {
    OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_AND, OP_SHR,
    OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_JNZ, OP_DUP, OP_DROP, OP_SWAP, OP_INC, OP_HALT,
};

struct asm_state { int32_t *code; int32_t len; };

static void emit(struct asm_state *a, int32_t v) { a->code[a->len++] = v; }
static int32_t here(const struct asm_state *a) { return a->len; }
static void patch(struct asm_state *a, int32_t at, int32_t target) { a->code[at] = target; }

static uint64_t run(const int32_t *code, int32_t *regs) {
    int32_t stack[64];
    int32_t sp = 0, pc = 0;
    uint64_t steps = 0;
    for (;;) {
        steps++;
        switch (code[pc++]) {
        case OP_PUSH: stack[sp++] = code[pc++]; break;
        case OP_LOAD: stack[sp++] = regs[code[pc++]]; break;
        case OP_STORE: regs[code[pc++]] = stack[--sp]; break;
        case OP_ADD: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] + (uint32_t)stack[sp]); break;
        case OP_SUB: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] - (uint32_t)stack[sp]); break;
        case OP_MUL: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] * (uint32_t)stack[sp]); break;
        case OP_DIV: sp--; stack[sp - 1] = stack[sp - 1] / stack[sp]; break;
        case OP_MOD: sp--; stack[sp - 1] = stack[sp - 1] % stack[sp]; break;
        case OP_AND: sp--; stack[sp - 1] = stack[sp - 1] & stack[sp]; break;
        case OP_SHR: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] >> stack[sp]); break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case OP_JMP: pc = code[pc]; break;
        case OP_JZ: pc = stack[--sp] == 0 ? code[pc] : pc + 1; break;
        case OP_JNZ: pc = stack[--sp] != 0 ? code[pc] : pc + 1; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_DROP: sp--; break;
        case OP_SWAP: { int32_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case OP_INC: regs[code[pc++]]++; break;
        case OP_HALT: return steps;
        default: return 0;
        }
    }
}

/* Registers: 0 = n, 1 = d, 2 = prime count, 3 = limit, 4 = collatz x, 5 = collatz sum. */
static int32_t assemble(int32_t *code, int32_t limit) {
    struct asm_state a = {code, 0};
    emit(&a, OP_PUSH); emit(&a, limit); emit(&a, OP_STORE); emit(&a, 3);
    emit(&a, OP_PUSH); emit(&a, 2); emit(&a, OP_STORE); emit(&a, 0);
    int32_t outer = here(&a);                       /* while n < limit */
    emit(&a, OP_LOAD); emit(&a, 0); emit(&a, OP_LOAD); emit(&a, 3); emit(&a, OP_LT);
    emit(&a, OP_JZ); int32_t exit_patch = here(&a); emit(&a, 0);
    emit(&a, OP_PUSH); emit(&a, 2); emit(&a, OP_STORE); emit(&a, 1);
    int32_t inner = here(&a);                       /* while d*d <= n */
    emit(&a, OP_LOAD); emit(&a, 0);
    emit(&a, OP_LOAD); emit(&a, 1); emit(&a, OP_DUP); emit(&a, OP_MUL);
    emit(&a, OP_LT);                                /* n < d*d: prime */
    emit(&a, OP_JNZ); int32_t prime_patch = here(&a); emit(&a, 0);
    emit(&a, OP_LOAD); emit(&a, 0); emit(&a, OP_LOAD); emit(&a, 1); emit(&a, OP_MOD);
    emit(&a, OP_JZ); int32_t composite_patch = here(&a); emit(&a, 0);
    emit(&a, OP_INC); emit(&a, 1);
    emit(&a, OP_JMP); emit(&a, inner);
    patch(&a, prime_patch, here(&a));
    emit(&a, OP_INC); emit(&a, 2);
    patch(&a, composite_patch, here(&a));
    /* Collatz length of n, added to register 5. */
    emit(&a, OP_LOAD); emit(&a, 0); emit(&a, OP_STORE); emit(&a, 4);
    int32_t collatz = here(&a);
    emit(&a, OP_LOAD); emit(&a, 4); emit(&a, OP_PUSH); emit(&a, 1); emit(&a, OP_EQ);
    emit(&a, OP_JNZ); int32_t collatz_done = here(&a); emit(&a, 0);
    emit(&a, OP_INC); emit(&a, 5);
    emit(&a, OP_LOAD); emit(&a, 4); emit(&a, OP_PUSH); emit(&a, 1); emit(&a, OP_AND);
    emit(&a, OP_JZ); int32_t even_patch = here(&a); emit(&a, 0);
    emit(&a, OP_LOAD); emit(&a, 4); emit(&a, OP_PUSH); emit(&a, 3); emit(&a, OP_MUL);
    emit(&a, OP_PUSH); emit(&a, 1); emit(&a, OP_ADD); emit(&a, OP_STORE); emit(&a, 4);
    emit(&a, OP_JMP); emit(&a, collatz);
    patch(&a, even_patch, here(&a));
    emit(&a, OP_LOAD); emit(&a, 4); emit(&a, OP_PUSH); emit(&a, 1); emit(&a, OP_SHR);
    emit(&a, OP_STORE); emit(&a, 4);
    emit(&a, OP_JMP); emit(&a, collatz);
    patch(&a, collatz_done, here(&a));
    emit(&a, OP_INC); emit(&a, 0);
    emit(&a, OP_JMP); emit(&a, outer);
    patch(&a, exit_patch, here(&a));
    emit(&a, OP_HALT);
    return a.len;
}

int main(void) {
    int32_t *code = malloc(512 * sizeof(int32_t));
    int32_t regs[8] = {0};
    assemble(code, 300000);
    uint64_t steps = run(code, regs);
    uint64_t sum = 0;
    sum = bench_mix(sum, steps);
    sum = bench_mix(sum, (uint32_t)regs[2]);
    sum = bench_mix(sum, (uint32_t)regs[5]);
    printf("vm: %u primes, collatz total %u, %llu steps\n", (unsigned)regs[2], (unsigned)regs[5],
           (unsigned long long)steps);
    free(code);
    bench_report("vm", sum);
    return 0;
}
