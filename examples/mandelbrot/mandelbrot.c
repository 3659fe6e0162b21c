/*
 * Prints the Mandelbrot set as 78x32 ASCII art. The optional argument sets the
 * iteration limit (default 1000); higher values do more work and sharpen the
 * boundary. Ends with the total iteration count, a deterministic checksum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WIDTH 78
#define HEIGHT 32

int main(int argc, char **argv) {
    long limit = 1000;
    if (argc > 1) {
        char *end;
        limit = strtol(argv[1], &end, 10);
        if (*end != '\0' || limit < 1 || limit > 100000000) {
            fprintf(stderr, "usage: mandelbrot [ITERATIONS]  (1 to 100000000, default 1000)\n");
            return 2;
        }
    }
    /* Escape-time bands: a point that escapes after at least bands[k] iterations gets shades[k]. */
    static const long bands[] = {0, 3, 4, 5, 7, 10, 15, 25, 50};
    static const char shades[] = " .:-=+*#%";
    uint64_t total = 0;
    char line[WIDTH + 2];
    for (int row = 0; row < HEIGHT; row++) {
        double ci = 1.2 - 2.4 * row / (HEIGHT - 1);
        for (int col = 0; col < WIDTH; col++) {
            double cr = -2.2 + 3.0 * col / (WIDTH - 1);
            double zr = 0.0, zi = 0.0;
            long n = 0;
            while (n < limit && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n++;
            }
            total += (uint64_t)n;
            int k = 0;
            while (k + 1 < (int)(sizeof bands / sizeof bands[0]) && n >= bands[k + 1])
                k++;
            line[col] = n == limit ? '@' : shades[k];
        }
        line[WIDTH] = '\n';
        line[WIDTH + 1] = '\0';
        fputs(line, stdout);
    }
    printf("iterations: limit %ld, total %llu\n", limit, (unsigned long long)total);
    return 0;
}
