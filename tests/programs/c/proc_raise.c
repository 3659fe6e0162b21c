/*
 * proc_raise of a signal whose default action ends the process: the executable dies by
 * SIGTERM, as a native program would (wasmtime answers `notsup`). Output written before is
 * not lost.
 */
#include "wasi_test.h"

int main(void) {
    printf("raising term\n");
    fflush(stdout);
    wasi_proc_raise(15);
    printf("still alive\n");
    return 0;
}
