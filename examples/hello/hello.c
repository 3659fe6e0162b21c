/* The smallest WASI command: build it with `wasi-aot build hello.wasm -o hello` and run ./hello. */
#include <stdio.h>

int main(void) {
    printf("Hello, world!\n");
    return 0;
}
