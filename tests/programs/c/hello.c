/* The smallest WASI command: one line on stdout through wasi-libc's stdio. */
#include <stdio.h>

int main(void) {
    printf("Hello, world!\n");
    return 0;
}
