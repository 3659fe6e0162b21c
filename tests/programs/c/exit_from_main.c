/* Returning a non-zero value from main becomes the process exit status. */
#include <stdio.h>

int main(void) {
    printf("returning 7 from main\n");
    return 7;
}
