/*
 * A store far beyond the end of linear memory (address 0xFFFFFFF0, derived
 * from argc so it is not folded) must trap with "out of bounds memory access"
 * and status 134. The line flushed before the trap must reach stdout.
 */
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    uintptr_t address = (uintptr_t)0xFFFFFFEFu + (uintptr_t)argc;
    volatile int32_t *p = (volatile int32_t *)address;
    printf("storing to 0x%08x\n", (unsigned)address);
    fflush(stdout);
    *p = 42;
    printf("unreachable: store succeeded\n");
    return 0;
}
