/* exit() with a non-zero status after writing to stdout: the buffered line must still appear. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    printf("exiting with 42\n");
    exit(42);
}
