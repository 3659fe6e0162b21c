/*
 * Several preopens as a C program sees them through wasi-libc: fd_prestat_get and
 * fd_prestat_dir_name on each descriptor (and on ones that are not preopens), absolute guest
 * paths resolved to the preopen with the longest matching name (`/data` and
 * `/data/nested`), relative paths through the preopen named `.`, a path no preopen covers,
 * and ordinary stdio and dirent calls (fopen, fprintf, opendir, stat, mkdir, rename,
 * remove). The host paths in preopens.dirs are relative: the executable resolves them
 * against its working directory when it starts.
 */
#include "wasi_test.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void cat(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("fopen %s: %s\n", path, strerror(errno));
        return;
    }
    char line[128];
    while (fgets(line, sizeof line, f))
        printf("%s: %s", path, line);
    fclose(f);
}

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, strerror(errno));
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 64)
        names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, count, sizeof names[0], compare);
    printf("%s:", path);
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(void) {
    for (__wasi_fd_t fd = 0; fd < 8; fd++) {
        __wasi_prestat_t prestat;
        __wasi_errno_t err = __wasi_fd_prestat_get(fd, &prestat);
        if (err != 0) {
            printf("fd %u: prestat %s\n", fd, errname(err));
            continue;
        }
        char name[64] = {0};
        size_t len = prestat.u.dir.pr_name_len;
        T("  dir name with a short buffer", __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len - 1));
        __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len);
        printf("fd %u: preopen `%s` (%zu bytes)\n", fd, name, len);
    }
    T("dir name of stdout", __wasi_fd_prestat_dir_name(1, (uint8_t *)(char[8]){0}, 8));
    T("dir name of a closed fd", __wasi_fd_prestat_dir_name(20, (uint8_t *)(char[8]){0}, 8));

    cat("/data/a.txt");
    cat("/data/nested/b.txt");
    cat("c.txt");
    cat("./c.txt");
    cat("/nowhere/x.txt");
    cat("/data/../data/a.txt");

    FILE *out = fopen("/data/out.txt", "w");
    fprintf(out, "written through %s\n", "fprintf");
    fclose(out);
    cat("/data/out.txt");
    printf("mkdir /data/made: %d\n", mkdir("/data/made", 0755));
    printf("rename out.txt into made: %d\n", rename("/data/out.txt", "/data/made/out.txt"));
    printf("rename across preopens: %d (%s)\n", rename("/data/made/out.txt", "moved.txt"),
           strerror(errno));
    struct stat st;
    printf("stat /data/made/out.txt: %d, size %lld\n", stat("/data/made/out.txt", &st), (long long)st.st_size);
    printf("remove c.txt: %d\n", remove("c.txt"));
    printf("remove c.txt again: %d (%s)\n", remove("c.txt"), strerror(errno));
    list("/data");
    list("/data/nested");
    list(".");
    return 0;
}
