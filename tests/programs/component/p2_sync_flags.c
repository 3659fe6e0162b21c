// wasi:filesystem's sync descriptor flags (file-integrity-sync, data-integrity-sync,
// requested-write-sync) through open-at, on the preopened tree of p2_sync_flags.setup:
// each flag alone and all three together, on a file that is there and on one that open-at
// creates, with get-flags of what was opened and, to show that the descriptor works,
// writes through it (by write and by a stream), the bytes read back, and sync and
// sync-data. wasmtime answers `unsupported` for the flags (wasmtime-differences.txt);
// wasi-aot opens the file with O_SYNC, O_DSYNC and O_RSYNC (rustix hands Linux O_SYNC for
// each), as its P1 path_open does. The tree afterwards is p2_sync_flags.tree.
#include "p2_util.h"

typedef wasi_filesystem_types_own_descriptor_t own_fd_t;

#define O_CREATE WASI_FILESYSTEM_TYPES_OPEN_FLAGS_CREATE
#define O_EXCLUSIVE WASI_FILESYSTEM_TYPES_OPEN_FLAGS_EXCLUSIVE
#define O_TRUNCATE WASI_FILESYSTEM_TYPES_OPEN_FLAGS_TRUNCATE
#define F_READ WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_READ
#define F_WRITE WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_WRITE
#define F_FILE_SYNC WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_FILE_INTEGRITY_SYNC
#define F_DATA_SYNC WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_DATA_INTEGRITY_SYNC
#define F_RSYNC WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_REQUESTED_WRITE_SYNC
#define BORROW(own) wasi_filesystem_types_borrow_descriptor(own)
#define DROP(own) wasi_filesystem_types_descriptor_drop_own(own)

static fd_t root;

// ---------------------------------------------------------------------------------------
// Printing and calls

static void print_flags(wasi_filesystem_types_descriptor_flags_t flags) {
  static const char *names[] = {"read", "write", "file-integrity-sync", "data-integrity-sync",
                                "requested-write-sync", "mutate-directory"};
  bool any = false;
  for (int i = 0; i < 6; i++)
    if (flags & (1 << i)) {
      printf("%s%s", any ? "|" : "", names[i]);
      any = true;
    }
  if (!any) fputs("(none)", stdout);
}

// Opens and prints the outcome, with the type and the flags of what was opened. Returns
// whether it opened (the descriptor in `out`).
static bool try_open(const char *label, const char *path, wasi_filesystem_types_open_flags_t oflags,
                     wasi_filesystem_types_descriptor_flags_t flags, own_fd_t *out) {
  p2_guest_string_t p = str(path);
  error_code_t code;
  printf("open-at %s: ", label);
  if (!wasi_filesystem_types_method_descriptor_open_at(root, 0, &p, oflags, flags, out, &code)) {
    printf("error %s\n", error_code_name(code));
    return false;
  }
  wasi_filesystem_types_descriptor_type_t type;
  if (wasi_filesystem_types_method_descriptor_get_type(BORROW(*out), &type, &code))
    printf("ok, %s", descriptor_type_name(type));
  else
    printf("ok, get-type error %s", error_code_name(code));
  wasi_filesystem_types_descriptor_flags_t got;
  if (wasi_filesystem_types_method_descriptor_get_flags(BORROW(*out), &got, &code)) {
    fputs(", ", stdout);
    print_flags(got);
  } else {
    printf(", get-flags error %s", error_code_name(code));
  }
  putchar('\n');
  return true;
}

static void try_write(fd_t fd, const char *data, uint64_t offset) {
  p2_guest_list_u8_t buf = bytes(data, strlen(data));
  uint64_t n;
  error_code_t code;
  fputs("  write ", stdout);
  print_bytes((const uint8_t *)data, strlen(data));
  printf(" at %llu: ", (unsigned long long)offset);
  if (wasi_filesystem_types_method_descriptor_write(fd, &buf, offset, &n, &code))
    printf("%llu", (unsigned long long)n);
  else
    printf("error %s", error_code_name(code));
  putchar('\n');
}

static void try_read(fd_t fd, uint64_t len, uint64_t offset) {
  p2_guest_tuple2_list_u8_bool_t got;
  error_code_t code;
  printf("  read %llu at %llu: ", (unsigned long long)len, (unsigned long long)offset);
  if (wasi_filesystem_types_method_descriptor_read(fd, len, offset, &got, &code)) {
    print_list(&got.f0);
    printf(", end: %s", yes(got.f1));
    p2_guest_list_u8_free(&got.f0);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
}

static void try_syncs(fd_t fd) {
  error_code_t code;
  bool ok = wasi_filesystem_types_method_descriptor_sync_data(fd, &code);
  fputs("  sync-data: ", stdout);
  print_fs_result(ok, code);
  ok = wasi_filesystem_types_method_descriptor_sync(fd, &code);
  fputs("\n  sync: ", stdout);
  print_fs_result(ok, code);
  putchar('\n');
}

static void try_size(fd_t fd) {
  wasi_filesystem_types_descriptor_stat_t st;
  error_code_t code;
  fputs("  stat: ", stdout);
  if (wasi_filesystem_types_method_descriptor_stat(fd, &st, &code))
    printf("%s, size %llu", descriptor_type_name(st.type), (unsigned long long)st.size);
  else
    printf("error %s", error_code_name(code));
  putchar('\n');
}

// Writes `data` through an output stream of the descriptor (append-via-stream when
// `append`, else write-via-stream at `offset`).
static void stream_write(fd_t fd, bool append, uint64_t offset, const char *data) {
  wasi_filesystem_types_own_output_stream_t out;
  error_code_t code;
  bool ok = append ? wasi_filesystem_types_method_descriptor_append_via_stream(fd, &out, &code)
                   : wasi_filesystem_types_method_descriptor_write_via_stream(fd, offset, &out, &code);
  if (append)
    fputs("  append-via-stream: ", stdout);
  else
    printf("  write-via-stream at %llu: ", (unsigned long long)offset);
  print_fs_result(ok, code);
  putchar('\n');
  if (!ok) return;
  p2_guest_list_u8_t buf = bytes(data, strlen(data));
  stream_error_t err;
  ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(out),
                                                                     &buf, &err);
  fputs("    blocking-write-and-flush ", stdout);
  print_bytes((const uint8_t *)data, strlen(data));
  fputs(": ", stdout);
  print_stream_result(ok, &err);
  putchar('\n');
  wasi_io_streams_output_stream_drop_own(out);
}

// The whole file, through a descriptor of its own opened for reading only (no sync flag).
static void show_file(const char *path) {
  p2_guest_string_t p = str(path);
  own_fd_t own;
  error_code_t code;
  printf("  %s is ", path);
  if (!wasi_filesystem_types_method_descriptor_open_at(root, 0, &p, 0, F_READ, &own, &code)) {
    printf("error %s (open-at)\n", error_code_name(code));
    return;
  }
  p2_guest_tuple2_list_u8_bool_t got;
  if (wasi_filesystem_types_method_descriptor_read(BORROW(own), 200, 0, &got, &code)) {
    print_list(&got.f0);
    p2_guest_list_u8_free(&got.f0);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
  DROP(own);
}

// ---------------------------------------------------------------------------------------
// The checks

// file-integrity-sync, for reading and writing: write, read back, sync.
static void file_integrity(void) {
  puts("== file-integrity-sync");
  own_fd_t own;
  if (!try_open("data.txt, read|write|file-integrity-sync", "data.txt", 0, F_READ | F_WRITE | F_FILE_SYNC, &own))
    return;
  fd_t fd = BORROW(own);
  try_write(fd, "FILE", 0);
  try_read(fd, 4, 0);
  try_read(fd, 100, 0);
  try_syncs(fd);
  try_size(fd);
  DROP(own);
  show_file("data.txt");
}

// data-integrity-sync, for writing only: write, a stream append, sync; the bytes read back
// through another descriptor (this one may not read).
static void data_integrity(void) {
  puts("== data-integrity-sync");
  own_fd_t own;
  if (!try_open("data.txt, write|data-integrity-sync", "data.txt", 0, F_WRITE | F_DATA_SYNC, &own)) return;
  fd_t fd = BORROW(own);
  try_write(fd, "DATA", 5);
  try_read(fd, 4, 0);
  stream_write(fd, true, 0, "+appended\n");
  try_syncs(fd);
  try_size(fd);
  DROP(own);
  show_file("data.txt");
}

// requested-write-sync, with write and read: write, read back, a stream write, sync; and
// for reading alone.
static void requested_write(void) {
  puts("== requested-write-sync");
  own_fd_t own;
  if (try_open("data.txt, read|write|requested-write-sync", "data.txt", 0, F_READ | F_WRITE | F_RSYNC, &own)) {
    fd_t fd = BORROW(own);
    try_write(fd, "RSYNC", 10);
    try_read(fd, 5, 10);
    stream_write(fd, false, 0, "rw");
    try_read(fd, 4, 0);
    try_syncs(fd);
    try_size(fd);
    DROP(own);
    show_file("data.txt");
  }
  if (try_open("data.txt, read|requested-write-sync", "data.txt", 0, F_READ | F_RSYNC, &own)) {
    fd_t fd = BORROW(own);
    try_read(fd, 4, 0);
    try_write(fd, "x", 0);
    try_syncs(fd);
    DROP(own);
  }
}

// All three at once, on a file that open-at creates (and then truncates).
static void all_three(void) {
  puts("== all three flags");
  own_fd_t own;
  wasi_filesystem_types_descriptor_flags_t all = F_FILE_SYNC | F_DATA_SYNC | F_RSYNC;
  if (try_open("synced.txt, create exclusive, read|write and all three", "synced.txt", O_CREATE | O_EXCLUSIVE,
               F_READ | F_WRITE | all, &own)) {
    fd_t fd = BORROW(own);
    try_size(fd);
    try_write(fd, "synced\n", 0);
    try_read(fd, 100, 0);
    try_syncs(fd);
    try_size(fd);
    DROP(own);
    show_file("synced.txt");
  }
  if (try_open("synced.txt, truncate, write and all three", "synced.txt", O_TRUNCATE, F_WRITE | all, &own)) {
    fd_t fd = BORROW(own);
    try_size(fd);
    try_write(fd, "kept\n", 0);
    try_syncs(fd);
    DROP(own);
    show_file("synced.txt");
  }
  if (try_open("missing.txt, all three", "missing.txt", 0, F_READ | all, &own)) DROP(own);
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  wasi_filesystem_preopens_list_tuple2_own_descriptor_string_t dirs;
  wasi_filesystem_preopens_get_directories(&dirs);
  if (dirs.len != 1) {
    printf("expected one preopen, got %zu\n", dirs.len);
    return false;
  }
  root = BORROW(dirs.ptr[0].f0);
  show_file("data.txt");
  file_integrity();
  data_integrity();
  requested_write();
  all_three();
  wasi_filesystem_preopens_list_tuple2_own_descriptor_string_free(&dirs);
  puts("done");
  return true;
}
