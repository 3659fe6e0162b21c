/*
 * The large real module of the benchmark: SQLite (the amalgamation bundled in the
 * libsqlite3-sys crate, not checked in) with this driver, which runs a workload on
 * an in-memory database and prints a checksum of every result row.
 *
 * SQLite is built with SQLITE_OS_OTHER=1, so it has no OS layer of its own; the
 * tiny VFS below is all it gets. The database is ":memory:" and temporary storage is
 * in memory (SQLITE_TEMP_STORE=3), so the VFS never opens a file. Its randomness and
 * clock are fixed, which keeps every run, native or wasm, byte-for-byte identical.
 * The same source is built natively for the run-time comparison.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

#ifndef ROWS
#define ROWS 200000
#endif
#define LOOKUPS 200000

/* ---- the VFS: nothing but randomness, time and path names ---- */

static int memonly_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags) {
    (void)vfs, (void)name, (void)flags, (void)out_flags;
    file->pMethods = 0;
    return SQLITE_CANTOPEN;
}

static int memonly_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    (void)vfs, (void)name, (void)sync_dir;
    return SQLITE_IOERR_DELETE;
}

static int memonly_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs, (void)name, (void)flags;
    *out = 0;
    return SQLITE_OK;
}

static int memonly_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
    (void)vfs;
    sqlite3_snprintf(n, out, "%s", name);
    return SQLITE_OK;
}

static int memonly_randomness(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    uint32_t x = 0x2545F491u;
    for (int i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        out[i] = (char)x;
    }
    return n;
}

static int memonly_sleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return microseconds;
}

/* 2024-01-01 00:00:00 UTC as a Julian day number in milliseconds. */
static const sqlite3_int64 fixed_time_ms = 212032972800000LL;

static int memonly_current_time(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    *out = (double)fixed_time_ms / 86400000.0;
    return SQLITE_OK;
}

static int memonly_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    *out = fixed_time_ms;
    return SQLITE_OK;
}

static int memonly_get_last_error(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    if (n > 0) out[0] = '\0';
    return 0;
}

static sqlite3_vfs memonly_vfs = {
    2, (int)sizeof(sqlite3_file), 512, 0, "memonly", 0,
    memonly_open, memonly_delete, memonly_access, memonly_full_pathname,
    0, 0, 0, 0,
    memonly_randomness, memonly_sleep, memonly_current_time, memonly_get_last_error,
    memonly_current_time_int64,
    0, 0, 0,
};

int sqlite3_os_init(void) { return sqlite3_vfs_register(&memonly_vfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }

/* ---- the workload ---- */

static uint64_t checksum = 1469598103934665603ull;
static uint64_t rows_seen;

static void fold(const unsigned char *text, int n) {
    for (int i = 0; i < n; i++) checksum = (checksum ^ text[i]) * 1099511628211ull;
    checksum = (checksum ^ 0xff) * 1099511628211ull;
}

static int fold_row(void *unused, int ncol, char **values, char **names) {
    (void)unused, (void)names;
    rows_seen++;
    for (int i = 0; i < ncol; i++) {
        const char *v = values[i] ? values[i] : "NULL";
        fold((const unsigned char *)v, (int)strlen(v));
    }
    return 0;
}

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "sqlite_bench: %s: %s\n", what, sqlite3_errmsg(db));
    sqlite3_close(db);
    _Exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = 0;
    if (sqlite3_exec(db, sql, fold_row, 0, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite_bench: %s\n  in: %s\n", err ? err : "error", sql);
        sqlite3_free(err);
        sqlite3_close(db);
        _Exit(1);
    }
}

static uint32_t rng = 12345;
static uint32_t next_rand(void) {
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    return rng;
}

static const char *const words[] = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
};

static void make_text(char *out, int nwords) {
    out[0] = '\0';
    for (int i = 0; i < nwords; i++) {
        if (i) strcat(out, " ");
        strcat(out, words[next_rand() % 20]);
    }
}

int main(void) {
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) die(db, "open");
    exec(db, "PRAGMA cache_size = -65536");
    exec(db, "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, grp INTEGER, "
             "price REAL, qty INTEGER, tags TEXT)");
    exec(db, "CREATE TABLE groups(grp INTEGER PRIMARY KEY, label TEXT, weight REAL)");
    exec(db, "CREATE VIRTUAL TABLE docs USING fts5(body)");

    exec(db, "BEGIN");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, "INSERT INTO items(name, grp, price, qty, tags) VALUES (?, ?, ?, ?, ?)", -1,
                           &ins, 0) != SQLITE_OK)
        die(db, "prepare insert");
    char name[64], tags[256];
    for (int i = 0; i < ROWS; i++) {
        /* One statement per draw: the order of evaluation of arguments is unspecified. */
        const char *first = words[next_rand() % 20];
        const char *second = words[next_rand() % 20];
        unsigned serial = next_rand() % 100000;
        snprintf(name, sizeof name, "%s-%s-%05u", first, second, serial);
        make_text(tags, 1 + (int)(next_rand() % 4));
        sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 2, (int)(next_rand() % 500));
        sqlite3_bind_double(ins, 3, (double)(next_rand() % 1000000) / 100.0);
        sqlite3_bind_int(ins, 4, (int)(next_rand() % 50));
        sqlite3_bind_text(ins, 5, tags, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) die(db, "insert");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    exec(db, "WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g WHERE x < 499) "
             "INSERT INTO groups SELECT x, 'group-' || x, (x % 17) * 0.25 + 1 FROM g");
    sqlite3_stmt *doc;
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(body) VALUES (?)", -1, &doc, 0) != SQLITE_OK)
        die(db, "prepare doc");
    char body[1024];
    for (int i = 0; i < ROWS / 10; i++) {
        make_text(body, 20 + (int)(next_rand() % 40));
        sqlite3_bind_text(doc, 1, body, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(doc) != SQLITE_DONE) die(db, "insert doc");
        sqlite3_reset(doc);
    }
    sqlite3_finalize(doc);
    exec(db, "COMMIT");

    exec(db, "CREATE INDEX items_grp ON items(grp)");
    exec(db, "CREATE INDEX items_name ON items(name)");
    exec(db, "SELECT grp, count(*), sum(qty), printf('%.2f', sum(price)), min(name), max(name) "
             "FROM items GROUP BY grp ORDER BY grp");
    exec(db, "SELECT count(*), sum(length(name)) FROM items WHERE name LIKE '%echo%' OR tags GLOB '*kilo lima*'");
    exec(db, "SELECT g.label, printf('%.3f', sum(i.price * g.weight)) FROM items i JOIN groups g USING (grp) "
             "WHERE i.qty > 25 GROUP BY g.grp ORDER BY 2 DESC LIMIT 20");
    exec(db, "SELECT name, qty FROM items ORDER BY name DESC LIMIT 50 OFFSET 1000");
    exec(db, "BEGIN");
    exec(db, "UPDATE items SET price = price * 1.07, qty = qty + 1 WHERE grp % 7 = 3");
    exec(db, "DELETE FROM items WHERE id % 11 = 0");
    exec(db, "COMMIT");
    exec(db, "SELECT count(*), printf('%.2f', avg(price)), total(qty) FROM items");
    exec(db, "SELECT upper(substr(tags, 1, 5)) AS t, count(*) FROM items GROUP BY t ORDER BY 2 DESC, 1 LIMIT 10");
    exec(db, "SELECT json_group_array(json_object('id', id, 'q', qty)) FROM "
             "(SELECT id, qty FROM items WHERE id % 997 = 1)");
    exec(db, "SELECT count(*) FROM docs WHERE docs MATCH 'alpha AND (tango OR romeo) NOT kilo'");
    exec(db, "SELECT rowid, highlight(docs, 0, '[', ']') FROM docs WHERE docs MATCH 'mike NEAR(papa quebec, 2)' "
             "ORDER BY rank LIMIT 5");
    exec(db, "SELECT date('now'), strftime('%Y-%m-%d %H:%M', 'now', '+100 days')");

    sqlite3_stmt *get;
    if (sqlite3_prepare_v2(db, "SELECT name, price FROM items WHERE id = ?", -1, &get, 0) != SQLITE_OK)
        die(db, "prepare lookup");
    uint64_t found = 0;
    for (int i = 0; i < LOOKUPS; i++) {
        sqlite3_bind_int(get, 1, (int)(next_rand() % ROWS) + 1);
        if (sqlite3_step(get) == SQLITE_ROW) {
            found++;
            fold(sqlite3_column_text(get, 0), sqlite3_column_bytes(get, 0));
        }
        sqlite3_reset(get);
    }
    sqlite3_finalize(get);
    sqlite3_close(db);
    printf("sqlite_bench: sqlite %s, %llu result rows, %llu lookups hit\n", sqlite3_libversion(),
           (unsigned long long)rows_seen, (unsigned long long)found);
    printf("sqlite_bench: checksum %016llx\n", (unsigned long long)checksum);
    return 0;
}
