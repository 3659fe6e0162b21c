/*
 * Reads one environment variable. The expected output is for a run without
 * WASI_AOT_TEST in the guest environment (no --env and no --inherit-env).
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *value = getenv("WASI_AOT_TEST");
    printf("WASI_AOT_TEST=%s\n", value ? value : "(unset)");
    return 0;
}
