/*
 * Recursion without a base case that is reachable in practice: the wasm call
 * stack runs out and the run must end in the "call stack exhausted" trap
 * (status 134), never a host segfault.
 *
 * The frame keeps everything in wasm locals. An address-taken or volatile
 * local would live on wasi-libc's shadow stack in linear memory instead, and
 * exhausting that one first ends in an out-of-bounds access, not in the trap
 * under test. The volatile store after the call keeps the call out of tail
 * position, so the compiler can neither turn the recursion into a loop nor
 * drop it.
 */
#include <stdint.h>
#include <stdio.h>

volatile uint32_t depth_sink;

__attribute__((noinline)) static uint32_t recurse(uint32_t n) {
    if (n == 0) /* Reached only after 2^32 calls, so never in practice. */
        return 0;
    uint32_t r = recurse(n + 1);
    depth_sink = r;
    return r * 3 + n;
}

int main(int argc, char **argv) {
    (void)argv;
    printf("recursing\n");
    fflush(stdout);
    printf("unreachable: %u\n", (unsigned)recurse((uint32_t)argc));
    return 0;
}
