/*
 * The startup benchmark: the smallest program that does something visible. The
 * runner times it end to end (process start to exit) and measures the size of its
 * stripped wasi-aot executable.
 */
#include <stdio.h>

int main(void) {
    printf("Hello, world!\n");
    return 0;
}
