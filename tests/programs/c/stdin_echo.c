/*
 * Reads stdin to end of file with fd_read and prints the byte count, the line
 * count and an FNV-1a checksum, then echoes the first line.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    unsigned char buf[512];
    char first[128];
    size_t first_len = 0;
    int first_done = 0;
    uint64_t bytes = 0, lines = 0;
    uint32_t hash = 2166136261u;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            hash = (hash ^ buf[i]) * 16777619u;
            if (buf[i] == '\n') {
                lines++;
                first_done = 1;
            } else if (!first_done && first_len < sizeof first - 1) {
                first[first_len++] = (char)buf[i];
            }
        }
        bytes += (uint64_t)n;
    }
    first[first_len] = '\0';
    printf("bytes=%" PRIu64 " lines=%" PRIu64 " fnv1a=%08" PRIx32 "\n", bytes, lines, hash);
    printf("first line: %s\n", first);
    return 0;
}
