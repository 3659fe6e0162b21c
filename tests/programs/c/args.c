/*
 * Prints argc and every guest argument after argv[0], each in brackets so that
 * spaces and empty arguments are visible. argv[0] is the executable's name,
 * which differs between runners, so it is not printed.
 */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    return 0;
}
