/*
 * Integer division by a zero that is only known at run time (argc - 1 with no
 * guest arguments): the i32.div_s must trap with "integer divide by zero" and
 * status 134. The line flushed before the trap must reach stdout.
 */
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    int divisor = argc - 1;
    printf("dividing 100 by %d\n", divisor);
    fflush(stdout);
    int quotient = 100 / divisor;
    printf("unreachable: %d\n", quotient);
    return 0;
}
