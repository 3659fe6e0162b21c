// wasi:filesystem through its WIT bindings: preopens' get-directories, every method of
// descriptor and directory-entry-stream, filesystem-error-code, and metadata-hash and
// metadata-hash-at, on the preopened tree of p2_filesystem.setup: results and errors (by
// name) both, paths that escape the preopen included. The tree afterwards is
// p2_filesystem.tree; outside.txt, beside the preopen, must come out untouched.
#include "p2_util.h"

typedef wasi_filesystem_types_own_descriptor_t own_fd_t;
typedef wasi_filesystem_types_descriptor_stat_t stat_t;
typedef wasi_filesystem_types_metadata_hash_value_t hash_t;
typedef wasi_filesystem_types_new_timestamp_t new_ts_t;

#define FOLLOW WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW
#define O_CREATE WASI_FILESYSTEM_TYPES_OPEN_FLAGS_CREATE
#define O_DIRECTORY WASI_FILESYSTEM_TYPES_OPEN_FLAGS_DIRECTORY
#define O_EXCLUSIVE WASI_FILESYSTEM_TYPES_OPEN_FLAGS_EXCLUSIVE
#define O_TRUNCATE WASI_FILESYSTEM_TYPES_OPEN_FLAGS_TRUNCATE
#define F_READ WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_READ
#define F_WRITE WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_WRITE
#define F_MUTATE WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_MUTATE_DIRECTORY
#define BORROW(own) wasi_filesystem_types_borrow_descriptor(own)
#define DROP(own) wasi_filesystem_types_descriptor_drop_own(own)

static fd_t root;

// ---------------------------------------------------------------------------------------
// Printing

static void result_line(const char *what, const char *arg, bool ok, error_code_t code) {
  printf("%s %s: ", what, arg);
  print_fs_result(ok, code);
  putchar('\n');
}

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

// Type, and for anything but a directory (whose size and link count depend on the host's
// file system) size and link count; whether the three timestamps are there.
static void print_stat(const stat_t *st) {
  fputs(descriptor_type_name(st->type), stdout);
  if (st->type != WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY)
    printf(", size %llu, links %llu", (unsigned long long)st->size, (unsigned long long)st->link_count);
  printf(", times %s%s%s", st->data_access_timestamp.is_some ? "a" : "-",
         st->data_modification_timestamp.is_some ? "m" : "-",
         st->status_change_timestamp.is_some ? "c" : "-");
}

static void print_time(const wasi_filesystem_types_option_datetime_t *t) {
  if (t->is_some)
    printf("%llu.%09u", (unsigned long long)t->val.seconds, (unsigned)t->val.nanoseconds);
  else
    fputs("none", stdout);
}

// ---------------------------------------------------------------------------------------
// Calls with their printed results

static bool open_at(fd_t dir, wasi_filesystem_types_path_flags_t pflags, const char *path,
                    wasi_filesystem_types_open_flags_t oflags, wasi_filesystem_types_descriptor_flags_t flags,
                    own_fd_t *out, error_code_t *code) {
  p2_guest_string_t p = str(path);
  return wasi_filesystem_types_method_descriptor_open_at(dir, pflags, &p, oflags, flags, out, code);
}

// Opens, prints the outcome (with the type of what was opened) and closes again.
static void try_open(const char *label, fd_t dir, wasi_filesystem_types_path_flags_t pflags, const char *path,
                     wasi_filesystem_types_open_flags_t oflags, wasi_filesystem_types_descriptor_flags_t flags) {
  own_fd_t fd;
  error_code_t code;
  printf("open-at %s: ", label);
  if (open_at(dir, pflags, path, oflags, flags, &fd, &code)) {
    wasi_filesystem_types_descriptor_type_t type;
    if (wasi_filesystem_types_method_descriptor_get_type(BORROW(fd), &type, &code))
      printf("ok, %s", descriptor_type_name(type));
    else
      printf("ok, get-type error %s", error_code_name(code));
    wasi_filesystem_types_descriptor_flags_t got;
    if (wasi_filesystem_types_method_descriptor_get_flags(BORROW(fd), &got, &code)) {
      fputs(", ", stdout);
      print_flags(got);
    } else {
      printf(", get-flags error %s", error_code_name(code));
    }
    DROP(fd);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
}

// Opens or exits: for the descriptors the checks work on.
static own_fd_t must_open(fd_t dir, wasi_filesystem_types_path_flags_t pflags, const char *path,
                          wasi_filesystem_types_open_flags_t oflags, wasi_filesystem_types_descriptor_flags_t flags) {
  own_fd_t fd;
  error_code_t code;
  if (!open_at(dir, pflags, path, oflags, flags, &fd, &code)) {
    printf("open-at %s: error %s\n", path, error_code_name(code));
    exit(1);
  }
  return fd;
}

static void try_stat_at(fd_t dir, wasi_filesystem_types_path_flags_t pflags, const char *path) {
  stat_t st;
  error_code_t code;
  p2_guest_string_t p = str(path);
  printf("stat-at%s %s: ", pflags & FOLLOW ? " (follow)" : "", path);
  if (wasi_filesystem_types_method_descriptor_stat_at(dir, pflags, &p, &st, &code))
    print_stat(&st);
  else
    printf("error %s", error_code_name(code));
  putchar('\n');
}

static void try_stat(const char *label, fd_t fd) {
  stat_t st;
  error_code_t code;
  printf("stat %s: ", label);
  if (wasi_filesystem_types_method_descriptor_stat(fd, &st, &code))
    print_stat(&st);
  else
    printf("error %s", error_code_name(code));
  putchar('\n');
}

static void try_read(const char *label, fd_t fd, uint64_t len, uint64_t offset) {
  p2_guest_tuple2_list_u8_bool_t got;
  error_code_t code;
  printf("read %s %llu at %llu: ", label, (unsigned long long)len, (unsigned long long)offset);
  if (wasi_filesystem_types_method_descriptor_read(fd, len, offset, &got, &code)) {
    print_list(&got.f0);
    printf(", end: %s", yes(got.f1));
    p2_guest_list_u8_free(&got.f0);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
}

static void try_write(const char *label, fd_t fd, const char *data, uint64_t offset) {
  p2_guest_list_u8_t buf = bytes(data, strlen(data));
  uint64_t n;
  error_code_t code;
  printf("write %s ", label);
  print_bytes((const uint8_t *)data, strlen(data));
  printf(" at %llu: ", (unsigned long long)offset);
  if (wasi_filesystem_types_method_descriptor_write(fd, &buf, offset, &n, &code))
    printf("%llu", (unsigned long long)n);
  else
    printf("error %s", error_code_name(code));
  putchar('\n');
}

static void try_get_flags(const char *label, fd_t fd) {
  wasi_filesystem_types_descriptor_flags_t flags;
  error_code_t code;
  printf("get-flags %s: ", label);
  if (wasi_filesystem_types_method_descriptor_get_flags(fd, &flags, &code))
    print_flags(flags);
  else
    printf("error %s", error_code_name(code));
  putchar('\n');
}

static void try_get_type(const char *label, fd_t fd) {
  wasi_filesystem_types_descriptor_type_t type;
  error_code_t code;
  printf("get-type %s: ", label);
  if (wasi_filesystem_types_method_descriptor_get_type(fd, &type, &code))
    fputs(descriptor_type_name(type), stdout);
  else
    printf("error %s", error_code_name(code));
  putchar('\n');
}

// The whole file, as read from offset 0.
static void show_file(const char *label, fd_t fd) {
  p2_guest_tuple2_list_u8_bool_t got;
  error_code_t code;
  printf("  %s is ", label);
  if (wasi_filesystem_types_method_descriptor_read(fd, 200, 0, &got, &code)) {
    print_list(&got.f0);
    p2_guest_list_u8_free(&got.f0);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
}

static void path_op(const char *what, bool (*op)(fd_t, p2_guest_string_t *, error_code_t *), fd_t dir,
                    const char *path) {
  p2_guest_string_t p = str(path);
  error_code_t code;
  bool ok = op(dir, &p, &code);
  result_line(what, path, ok, code);
}

static void try_rename(fd_t from, const char *old_path, fd_t to, const char *new_path) {
  p2_guest_string_t o = str(old_path), n = str(new_path);
  error_code_t code;
  bool ok = wasi_filesystem_types_method_descriptor_rename_at(from, &o, to, &n, &code);
  printf("rename-at %s -> %s%s: ", old_path, to.__handle == root.__handle ? "" : "(other) ", new_path);
  print_fs_result(ok, code);
  putchar('\n');
}

static void try_link(wasi_filesystem_types_path_flags_t pflags, const char *old_path, fd_t to, const char *new_path) {
  p2_guest_string_t o = str(old_path), n = str(new_path);
  error_code_t code;
  bool ok = wasi_filesystem_types_method_descriptor_link_at(root, pflags, &o, to, &n, &code);
  printf("link-at%s %s -> %s%s: ", pflags & FOLLOW ? " (follow)" : "", old_path,
         to.__handle == root.__handle ? "" : "(other) ", new_path);
  print_fs_result(ok, code);
  putchar('\n');
}

static void try_symlink(const char *target, const char *path) {
  p2_guest_string_t t = str(target), p = str(path);
  error_code_t code;
  bool ok = wasi_filesystem_types_method_descriptor_symlink_at(root, &t, &p, &code);
  printf("symlink-at %s -> %s: ", path, target);
  print_fs_result(ok, code);
  putchar('\n');
}

static void try_readlink(fd_t dir, const char *path) {
  p2_guest_string_t p = str(path), target;
  error_code_t code;
  printf("readlink-at %s: ", path);
  if (wasi_filesystem_types_method_descriptor_readlink_at(dir, &p, &target, &code)) {
    print_string(&target);
    p2_guest_string_free(&target);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
}

static bool hash_at(fd_t dir, wasi_filesystem_types_path_flags_t pflags, const char *path, hash_t *out,
                    error_code_t *code) {
  p2_guest_string_t p = str(path);
  return wasi_filesystem_types_method_descriptor_metadata_hash_at(dir, pflags, &p, out, code);
}

static bool same_hash(const hash_t *a, const hash_t *b) { return a->lower == b->lower && a->upper == b->upper; }

static new_ts_t ts(uint64_t seconds, uint32_t nanoseconds) {
  new_ts_t t = {.tag = WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_TIMESTAMP};
  t.val.timestamp.seconds = seconds;
  t.val.timestamp.nanoseconds = nanoseconds;
  return t;
}

static new_ts_t ts_tag(uint8_t tag) {
  new_ts_t t = {.tag = tag};
  return t;
}

static void show_times(const char *label, fd_t dir, wasi_filesystem_types_path_flags_t pflags, const char *path) {
  stat_t st;
  error_code_t code;
  p2_guest_string_t p = str(path);
  printf("  %s: ", label);
  if (wasi_filesystem_types_method_descriptor_stat_at(dir, pflags, &p, &st, &code)) {
    fputs("access ", stdout);
    print_time(&st.data_access_timestamp);
    fputs(", modification ", stdout);
    print_time(&st.data_modification_timestamp);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
}

// Every entry of the directory, sorted by name, then what read-directory-entry gives at the
// end.
static int compare_entries(const void *a, const void *b) {
  const wasi_filesystem_types_directory_entry_t *x = a, *y = b;
  size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
  int c = memcmp(x->name.ptr, y->name.ptr, n);
  return c ? c : (x->name.len > y->name.len) - (x->name.len < y->name.len);
}

static void list_directory(const char *label, fd_t dir) {
  wasi_filesystem_types_own_directory_entry_stream_t stream;
  error_code_t code;
  printf("read-directory %s: ", label);
  if (!wasi_filesystem_types_method_descriptor_read_directory(dir, &stream, &code)) {
    printf("error %s\n", error_code_name(code));
    return;
  }
  wasi_filesystem_types_borrow_directory_entry_stream_t s =
      wasi_filesystem_types_borrow_directory_entry_stream(stream);
  wasi_filesystem_types_directory_entry_t entries[64];
  size_t count = 0;
  wasi_filesystem_types_option_directory_entry_t entry;
  bool ok;
  while ((ok = wasi_filesystem_types_method_directory_entry_stream_read_directory_entry(s, &entry, &code)) &&
         entry.is_some) {
    if (count < 64)
      entries[count++] = entry.val;
    else
      wasi_filesystem_types_directory_entry_free(&entry.val);
  }
  if (!ok) printf("(read-directory-entry error %s) ", error_code_name(code));
  qsort(entries, count, sizeof entries[0], compare_entries);
  printf("%zu entries\n", count);
  for (size_t i = 0; i < count; i++) {
    printf("  %s ", descriptor_type_name(entries[i].type));
    print_string(&entries[i].name);
    putchar('\n');
    wasi_filesystem_types_directory_entry_free(&entries[i]);
  }
  ok = wasi_filesystem_types_method_directory_entry_stream_read_directory_entry(s, &entry, &code);
  printf("  read-directory-entry after the end: %s\n",
         ok ? (entry.is_some ? "an entry" : "none") : error_code_name(code));
  if (ok && entry.is_some) wasi_filesystem_types_directory_entry_free(&entry.val);
  wasi_filesystem_types_directory_entry_stream_drop_own(stream);
}

// ---------------------------------------------------------------------------------------
// The checks

static void preopens(wasi_filesystem_preopens_list_tuple2_own_descriptor_string_t *dirs) {
  puts("== preopens");
  printf("get-directories: %zu\n", dirs->len);
  for (size_t i = 0; i < dirs->len; i++) {
    fputs("  ", stdout);
    print_string(&dirs->ptr[i].f1);
    putchar('\n');
  }
  try_get_type("preopen", root);
  try_get_flags("preopen", root);
  try_stat("preopen", root);
}

static void opening(void) {
  puts("== open-at");
  try_open("hello.txt", root, 0, "hello.txt", 0, F_READ);
  try_open("sub/../hello.txt", root, 0, "sub/../hello.txt", 0, F_READ);
  try_open("./sub/inner.txt", root, 0, "./sub/inner.txt", 0, F_READ);
  try_open("missing.txt", root, 0, "missing.txt", 0, F_READ);
  try_open("(empty path)", root, 0, "", 0, F_READ);
  try_open("../outside.txt", root, 0, "../outside.txt", 0, F_READ);
  try_open("sub/../../outside.txt", root, 0, "sub/../../outside.txt", 0, F_READ);
  try_open("/sandbox/hello.txt", root, 0, "/sandbox/hello.txt", 0, F_READ);
  try_open("hello.txt/x", root, 0, "hello.txt/x", 0, F_READ);
  try_open("hello.txt/", root, 0, "hello.txt/", 0, F_READ);
  try_open("hello.txt, directory flag", root, 0, "hello.txt", O_DIRECTORY, F_READ);
  try_open("hello.txt, create exclusive", root, 0, "hello.txt", O_CREATE | O_EXCLUSIVE, F_READ | F_WRITE);
  try_open("sub, for reading", root, 0, "sub", 0, F_READ);
  try_open("sub, directory flag", root, 0, "sub", O_DIRECTORY, F_READ);
  try_open("sub, for writing", root, 0, "sub", 0, F_READ | F_WRITE);
  try_open("sub, truncate", root, 0, "sub", O_TRUNCATE, F_READ | F_WRITE);
  try_open(". (directory)", root, 0, ".", O_DIRECTORY, F_READ);
  try_open(".. (directory)", root, 0, "..", O_DIRECTORY, F_READ);
  try_open("link-to-hello (follow)", root, FOLLOW, "link-to-hello", 0, F_READ);
  try_open("link-to-hello (no follow)", root, 0, "link-to-hello", 0, F_READ);
  try_open("link-to-sub (follow), directory flag", root, FOLLOW, "link-to-sub", O_DIRECTORY, F_READ);
  try_open("dangling (follow)", root, FOLLOW, "dangling", 0, F_READ);
  try_open("loop1 (follow)", root, FOLLOW, "loop1", 0, F_READ);
  try_open("escape (follow)", root, FOLLOW, "escape", 0, F_READ);
  try_open("escape (no follow)", root, 0, "escape", 0, F_READ);
  try_open("absolute-link (follow)", root, FOLLOW, "absolute-link", 0, F_READ);
  try_open("dangling-2 (follow), create", root, FOLLOW, "dangling-2", O_CREATE, F_READ | F_WRITE);
  try_open("new-dir, create and directory flags", root, 0, "new-dir", O_CREATE | O_DIRECTORY, F_READ);
  try_open("trunc-ro.txt, truncate for reading only", root, 0, "trunc-ro.txt", O_TRUNCATE, F_READ);
  try_stat_at(root, 0, "trunc-ro.txt");

  // Beneath an opened subdirectory, whose descriptor is a capability of its own.
  own_fd_t sub = must_open(root, 0, "sub", O_DIRECTORY, F_READ | F_MUTATE);
  try_open("inner.txt beneath sub", BORROW(sub), 0, "inner.txt", 0, F_READ);
  try_open("../hello.txt beneath sub", BORROW(sub), 0, "../hello.txt", 0, F_READ);
  try_open("up (follow) beneath sub", BORROW(sub), FOLLOW, "up", 0, F_READ);
  try_open("up (no follow) beneath sub", BORROW(sub), 0, "up", 0, F_READ);
  DROP(sub);

  // A directory opened without mutate-directory: the flag says its contents may not be
  // mutated (wasmtime lets them be all the same).
  own_fd_t ro = must_open(root, 0, "sub", O_DIRECTORY, F_READ);
  try_get_flags("sub opened read-only", BORROW(ro));
  try_open("create beneath read-only sub", BORROW(ro), 0, "new.txt", O_CREATE, F_READ | F_WRITE);
  try_open("inner.txt for writing beneath read-only sub", BORROW(ro), 0, "inner.txt", 0, F_READ | F_WRITE);
  try_open("inner.txt for reading beneath read-only sub", BORROW(ro), 0, "inner.txt", 0, F_READ);
  path_op("create-directory-at beneath read-only sub", wasi_filesystem_types_method_descriptor_create_directory_at,
          BORROW(ro), "newdir");
  path_op("unlink-file-at beneath read-only sub", wasi_filesystem_types_method_descriptor_unlink_file_at, BORROW(ro),
          "victim.txt");
  DROP(ro);
}

static void reading(void) {
  puts("== reading a file");
  own_fd_t own = must_open(root, 0, "hello.txt", 0, F_READ);
  fd_t fd = BORROW(own);
  try_get_type("hello.txt", fd);
  try_get_flags("hello.txt", fd);
  try_stat("hello.txt", fd);
  try_read("hello.txt", fd, 100, 0);
  try_read("hello.txt", fd, 3, 0);
  try_read("hello.txt", fd, 3, 4);
  try_read("hello.txt", fd, 10, 6);
  try_read("hello.txt", fd, 10, 100);
  try_read("hello.txt", fd, 0, 0);
  // Writes through a descriptor opened for reading only.
  try_write("hello.txt (read-only)", fd, "x", 0);
  wasi_filesystem_types_own_output_stream_t out;
  error_code_t code;
  bool ok = wasi_filesystem_types_method_descriptor_write_via_stream(fd, 0, &out, &code);
  if (ok) wasi_io_streams_output_stream_drop_own(out);
  result_line("write-via-stream", "hello.txt (read-only)", ok, code);
  ok = wasi_filesystem_types_method_descriptor_append_via_stream(fd, &out, &code);
  if (ok) wasi_io_streams_output_stream_drop_own(out);
  result_line("append-via-stream", "hello.txt (read-only)", ok, code);
  ok = wasi_filesystem_types_method_descriptor_set_size(fd, 0, &code);
  result_line("set-size", "hello.txt (read-only)", ok, code);
  ok = wasi_filesystem_types_method_descriptor_advise(fd, 0, 0, WASI_FILESYSTEM_TYPES_ADVICE_SEQUENTIAL, &code);
  result_line("advise", "hello.txt (read-only)", ok, code);
  ok = wasi_filesystem_types_method_descriptor_sync_data(fd, &code);
  result_line("sync-data", "hello.txt (read-only)", ok, code);
  ok = wasi_filesystem_types_method_descriptor_sync(fd, &code);
  result_line("sync", "hello.txt (read-only)", ok, code);
  // Directory operations on a file.
  list_directory("hello.txt", fd);
  path_op("create-directory-at beneath hello.txt", wasi_filesystem_types_method_descriptor_create_directory_at, fd,
          "x");
  try_open("x beneath hello.txt", fd, 0, "x", 0, F_READ);
  try_stat_at(fd, 0, "x");
  DROP(own);

  // A write-only descriptor.
  own = must_open(root, 0, "write-only.txt", O_CREATE, F_WRITE);
  fd = BORROW(own);
  try_get_flags("write-only.txt", fd);
  try_write("write-only.txt", fd, "written", 0);
  try_read("write-only.txt", fd, 10, 0);
  wasi_filesystem_types_own_input_stream_t in;
  ok = wasi_filesystem_types_method_descriptor_read_via_stream(fd, 0, &in, &code);
  if (ok) wasi_io_streams_input_stream_drop_own(in);
  result_line("read-via-stream", "write-only.txt", ok, code);
  DROP(own);
}

static void directories_as_files(void) {
  puts("== file operations on a directory");
  own_fd_t own = must_open(root, 0, "sub", O_DIRECTORY, F_READ | F_MUTATE);
  fd_t fd = BORROW(own);
  error_code_t code;
  try_read("sub", fd, 10, 0);
  try_write("sub", fd, "x", 0);
  wasi_filesystem_types_own_input_stream_t in;
  bool ok = wasi_filesystem_types_method_descriptor_read_via_stream(fd, 0, &in, &code);
  if (ok) wasi_io_streams_input_stream_drop_own(in);
  result_line("read-via-stream", "sub", ok, code);
  wasi_filesystem_types_own_output_stream_t out;
  ok = wasi_filesystem_types_method_descriptor_write_via_stream(fd, 0, &out, &code);
  if (ok) wasi_io_streams_output_stream_drop_own(out);
  result_line("write-via-stream", "sub", ok, code);
  ok = wasi_filesystem_types_method_descriptor_append_via_stream(fd, &out, &code);
  if (ok) wasi_io_streams_output_stream_drop_own(out);
  result_line("append-via-stream", "sub", ok, code);
  ok = wasi_filesystem_types_method_descriptor_set_size(fd, 0, &code);
  result_line("set-size", "sub", ok, code);
  ok = wasi_filesystem_types_method_descriptor_advise(fd, 0, 0, WASI_FILESYSTEM_TYPES_ADVICE_NORMAL, &code);
  result_line("advise", "sub", ok, code);
  ok = wasi_filesystem_types_method_descriptor_sync_data(fd, &code);
  result_line("sync-data", "sub", ok, code);
  ok = wasi_filesystem_types_method_descriptor_sync(fd, &code);
  result_line("sync", "sub", ok, code);
  try_get_flags("sub", fd);
  try_stat("sub", fd);
  DROP(own);
}

static void writing(void) {
  puts("== writing a file");
  own_fd_t own = must_open(root, 0, "made.txt", O_CREATE | O_EXCLUSIVE, F_READ | F_WRITE);
  fd_t fd = BORROW(own);
  error_code_t code;
  try_get_flags("made.txt", fd);
  try_stat("made.txt", fd);
  try_write("made.txt", fd, "0123456789", 0);
  try_write("made.txt", fd, "AB", 12);
  try_write("made.txt", fd, "", 20);
  try_stat("made.txt", fd);
  show_file("made.txt", fd);
  bool ok = wasi_filesystem_types_method_descriptor_set_size(fd, 4, &code);
  result_line("set-size", "4", ok, code);
  try_stat("made.txt", fd);
  ok = wasi_filesystem_types_method_descriptor_set_size(fd, 6, &code);
  result_line("set-size", "6", ok, code);
  show_file("made.txt", fd);
  ok = wasi_filesystem_types_method_descriptor_set_size(fd, UINT64_MAX, &code);
  result_line("set-size", "u64 max", ok, code);
  try_write("made.txt", fd, "x", UINT64_MAX);
  try_read("made.txt", fd, 1, UINT64_MAX);
  ok = wasi_filesystem_types_method_descriptor_sync_data(fd, &code);
  result_line("sync-data", "made.txt", ok, code);
  ok = wasi_filesystem_types_method_descriptor_sync(fd, &code);
  result_line("sync", "made.txt", ok, code);
  static const char *advice[] = {"normal", "sequential", "random", "will-need", "dont-need", "no-reuse"};
  for (uint8_t a = 0; a < 6; a++) {
    ok = wasi_filesystem_types_method_descriptor_advise(fd, 0, 6, a, &code);
    result_line("advise", advice[a], ok, code);
  }
  ok = wasi_filesystem_types_method_descriptor_advise(fd, 100, 0, WASI_FILESYSTEM_TYPES_ADVICE_RANDOM, &code);
  result_line("advise", "random past the end", ok, code);
  DROP(own);

  // Opening again: truncate, and create exclusive on a file that is there. (The sync
  // flags, which wasmtime refuses, are p2_sync_flags.c's.)
  own = must_open(root, 0, "made.txt", O_TRUNCATE, F_READ | F_WRITE);
  try_stat("made.txt after truncate", BORROW(own));
  DROP(own);
  try_open("made.txt, create exclusive again", root, 0, "made.txt", O_CREATE | O_EXCLUSIVE, F_WRITE);
  own = must_open(root, 0, "made.txt", 0, F_WRITE);
  try_write("made.txt", BORROW(own), "rewritten", 0);
  DROP(own);
  own = must_open(root, 0, "made.txt", 0, F_READ);
  show_file("made.txt", BORROW(own));
  DROP(own);
}

static void streams(void) {
  puts("== streams of a descriptor");
  own_fd_t own = must_open(root, 0, "log.txt", 0, F_READ | F_WRITE);
  fd_t fd = BORROW(own);
  error_code_t code;
  stream_error_t err;
  show_file("log.txt", fd);

  wasi_filesystem_types_own_output_stream_t out;
  bool ok = wasi_filesystem_types_method_descriptor_append_via_stream(fd, &out, &code);
  result_line("append-via-stream", "log.txt", ok, code);
  if (ok) {
    p2_guest_list_u8_t data = bytes("appended\n", 9);
    ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(out),
                                                                       &data, &err);
    printf("  blocking-write-and-flush: ");
    print_stream_result(ok, &err);
    putchar('\n');
    wasi_io_streams_output_stream_drop_own(out);
  }
  ok = wasi_filesystem_types_method_descriptor_write_via_stream(fd, 0, &out, &code);
  result_line("write-via-stream", "log.txt at 0", ok, code);
  if (ok) {
    p2_guest_list_u8_t data = bytes("FIRST", 5);
    ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(out),
                                                                       &data, &err);
    printf("  blocking-write-and-flush: ");
    print_stream_result(ok, &err);
    putchar('\n');
    wasi_io_streams_output_stream_drop_own(out);
  }
  // An append stream writes at the end whatever was written since.
  ok = wasi_filesystem_types_method_descriptor_append_via_stream(fd, &out, &code);
  if (ok) {
    out_t o = wasi_io_streams_borrow_output_stream(out);
    p2_guest_list_u8_t data = bytes("one\n", 4);
    ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(o, &data, &err);
    try_write("log.txt", fd, "two\n", 22);
    data = bytes("three\n", 6);
    ok = ok && wasi_io_streams_method_output_stream_blocking_write_and_flush(o, &data, &err);
    printf("append-via-stream with a write between: ");
    print_stream_result(ok, &err);
    putchar('\n');
    wasi_io_streams_output_stream_drop_own(out);
  } else {
    result_line("append-via-stream", "log.txt", ok, code);
  }
  show_file("log.txt", fd);

  wasi_filesystem_types_own_input_stream_t in;
  ok = wasi_filesystem_types_method_descriptor_read_via_stream(fd, 6, &in, &code);
  result_line("read-via-stream", "log.txt at 6", ok, code);
  if (ok) {
    p2_guest_list_u8_t list;
    ok = wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in), 9, &list,
                                                           &err);
    printf("  blocking-read 9: ");
    if (ok) {
      print_list(&list);
      p2_guest_list_u8_free(&list);
    } else {
      print_stream_error(&err);
    }
    putchar('\n');
    wasi_io_streams_input_stream_drop_own(in);
  }

  // filesystem-error-code of a stream's error: a read the host's pread refuses.
  ok = wasi_filesystem_types_method_descriptor_read_via_stream(fd, (uint64_t)1 << 63, &in, &code);
  if (ok) {
    p2_guest_list_u8_t list;
    ok = wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in), 9, &list,
                                                           &err);
    printf("read-via-stream at 2^63, blocking-read: ");
    if (ok) {
      print_list(&list);
      p2_guest_list_u8_free(&list);
    } else {
      print_stream_error(&err);
    }
    putchar('\n');
    wasi_io_streams_input_stream_drop_own(in);
  } else {
    result_line("read-via-stream", "log.txt at 2^63", ok, code);
  }
  DROP(own);
}

static void times(void) {
  puts("== set-times, set-times-at");
  own_fd_t own = must_open(root, 0, "times.txt", O_CREATE, F_READ | F_WRITE);
  fd_t fd = BORROW(own);
  error_code_t code;
  new_ts_t a = ts(1000000000, 500000000), m = ts(1200000000, 0);
  bool ok = wasi_filesystem_types_method_descriptor_set_times(fd, &a, &m, &code);
  result_line("set-times", "times.txt 1000000000.5, 1200000000", ok, code);
  show_times("times.txt", root, 0, "times.txt");
  a = ts_tag(WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_NO_CHANGE);
  m = ts(1300000000, 123456789);
  ok = wasi_filesystem_types_method_descriptor_set_times(fd, &a, &m, &code);
  result_line("set-times", "times.txt no-change, 1300000000.123456789", ok, code);
  show_times("times.txt", root, 0, "times.txt");
  a = ts_tag(WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_NOW);
  m = ts_tag(WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_NO_CHANGE);
  wasi_clocks_wall_clock_datetime_t before;
  wasi_clocks_wall_clock_now(&before);
  ok = wasi_filesystem_types_method_descriptor_set_times(fd, &a, &m, &code);
  result_line("set-times", "times.txt now, no-change", ok, code);
  stat_t st;
  if (wasi_filesystem_types_method_descriptor_stat(fd, &st, &code)) {
    printf("  access time is about now: %s, modification unchanged: %s\n",
           yes(st.data_access_timestamp.is_some && st.data_access_timestamp.val.seconds + 5 >= before.seconds &&
               st.data_access_timestamp.val.seconds <= before.seconds + 5),
           yes(st.data_modification_timestamp.is_some &&
               st.data_modification_timestamp.val.seconds == 1300000000 &&
               st.data_modification_timestamp.val.nanoseconds == 123456789));
  }
  DROP(own);

  // set-times-at, on files, through and on symlinks, and on directories.
  p2_guest_string_t p = str("times.txt");
  a = ts(1100000000, 0);
  m = ts(1100000001, 0);
  ok = wasi_filesystem_types_method_descriptor_set_times_at(root, 0, &p, &a, &m, &code);
  result_line("set-times-at", "times.txt", ok, code);
  show_times("times.txt", root, 0, "times.txt");
  p = str("link-to-times");
  a = ts(1400000000, 0);
  m = ts(1400000000, 0);
  ok = wasi_filesystem_types_method_descriptor_set_times_at(root, FOLLOW, &p, &a, &m, &code);
  result_line("set-times-at (follow)", "link-to-times", ok, code);
  show_times("times.txt", root, 0, "times.txt");
  a = ts(1500000000, 0);
  m = ts(1500000000, 0);
  ok = wasi_filesystem_types_method_descriptor_set_times_at(root, 0, &p, &a, &m, &code);
  result_line("set-times-at (no follow)", "link-to-times", ok, code);
  show_times("link-to-times itself", root, 0, "link-to-times");
  show_times("times.txt", root, 0, "times.txt");
  p = str("empty-dir");
  ok = wasi_filesystem_types_method_descriptor_set_times_at(root, 0, &p, &a, &m, &code);
  result_line("set-times-at", "empty-dir", ok, code);
  show_times("empty-dir", root, 0, "empty-dir");
  own_fd_t dir = must_open(root, 0, "empty-dir", O_DIRECTORY, F_READ | F_MUTATE);
  a = ts(1600000000, 0);
  m = ts(1600000000, 0);
  ok = wasi_filesystem_types_method_descriptor_set_times(BORROW(dir), &a, &m, &code);
  result_line("set-times", "empty-dir (a directory descriptor)", ok, code);
  show_times("empty-dir", root, 0, "empty-dir");
  DROP(dir);
  p = str("missing.txt");
  ok = wasi_filesystem_types_method_descriptor_set_times_at(root, 0, &p, &a, &m, &code);
  result_line("set-times-at", "missing.txt", ok, code);
  p = str("../outside.txt");
  ok = wasi_filesystem_types_method_descriptor_set_times_at(root, 0, &p, &a, &m, &code);
  result_line("set-times-at", "../outside.txt", ok, code);
  p = str("times.txt");
  m = ts(1100000000, 1000000000);
  ok = wasi_filesystem_types_method_descriptor_set_times_at(root, 0, &p, &a, &m, &code);
  result_line("set-times-at", "times.txt with 10^9 nanoseconds", ok, code);
}

static void stats(void) {
  puts("== stat-at");
  try_stat_at(root, 0, "hello.txt");
  try_stat_at(root, FOLLOW, "hello.txt");
  try_stat_at(root, 0, "link-to-hello");
  try_stat_at(root, FOLLOW, "link-to-hello");
  try_stat_at(root, 0, "dangling");
  try_stat_at(root, FOLLOW, "dangling");
  try_stat_at(root, FOLLOW, "loop1");
  try_stat_at(root, 0, "loop1");
  try_stat_at(root, 0, "sub");
  try_stat_at(root, 0, "sub/inner.txt");
  try_stat_at(root, 0, ".");
  try_stat_at(root, 0, "missing.txt");
  try_stat_at(root, 0, "../outside.txt");
  try_stat_at(root, 0, "/sandbox/hello.txt");
  try_stat_at(root, 0, "hello.txt/");
  try_stat_at(root, FOLLOW, "escape");
  try_stat_at(root, 0, "escape");
  try_stat_at(root, FOLLOW, "sub/up");
  try_stat_at(root, 0, "");
}

static void listing(const char *when) {
  printf("== read-directory (%s)\n", when);
  list_directory("/sandbox", root);
  own_fd_t own = must_open(root, 0, "sub", O_DIRECTORY, F_READ);
  list_directory("sub", BORROW(own));
  DROP(own);
  own = must_open(root, 0, "empty-dir", O_DIRECTORY, F_READ);
  list_directory("empty-dir", BORROW(own));
  DROP(own);
}

static void changing_directories(void) {
  puts("== create-directory-at, remove-directory-at, unlink-file-at");
#define CREATE(path) path_op("create-directory-at", wasi_filesystem_types_method_descriptor_create_directory_at, root, path)
#define RMDIR(path) path_op("remove-directory-at", wasi_filesystem_types_method_descriptor_remove_directory_at, root, path)
#define UNLINK(path) path_op("unlink-file-at", wasi_filesystem_types_method_descriptor_unlink_file_at, root, path)
  CREATE("newdir");
  CREATE("newdir");
  CREATE("newdir/deeper");
  CREATE("missing/x");
  CREATE("hello.txt/x");
  CREATE("hello.txt");
  CREATE("../x");
  CREATE("/x");
  CREATE("dangling");
  CREATE("");
  try_stat_at(root, 0, "newdir/deeper");
  RMDIR("newdir");
  RMDIR("newdir/deeper");
  RMDIR("newdir");
  RMDIR("newdir");
  RMDIR("nonempty");
  RMDIR("hello.txt");
  RMDIR("link-to-sub");
  RMDIR(".");
  RMDIR("../sandbox");
  UNLINK("rm-file.txt");
  UNLINK("rm-file.txt");
  UNLINK("sub");
  UNLINK("link-to-sub");
  UNLINK("hello.txt/");
  UNLINK("../outside.txt");
  UNLINK("dangling");
  UNLINK(".");
  RMDIR("");
  try_stat_at(root, 0, "dangling");
  try_stat_at(root, 0, "sub");
}

static void renaming(void) {
  puts("== rename-at");
  own_fd_t sub = must_open(root, 0, "sub", O_DIRECTORY, F_READ | F_MUTATE);
  try_rename(root, "rename-me.txt", root, "renamed.txt");
  try_stat_at(root, 0, "rename-me.txt");
  try_stat_at(root, 0, "renamed.txt");
  try_rename(root, "renamed.txt", BORROW(sub), "moved.txt");
  try_stat_at(root, 0, "sub/moved.txt");
  try_rename(BORROW(sub), "moved.txt", root, "moved-back.txt");
  try_rename(root, "missing.txt", root, "x.txt");
  try_rename(root, "sub", root, "sub/inside");
  try_rename(root, "empty-dir", root, "hello.txt");
  try_rename(root, "moved-back.txt", root, "empty-dir");
  try_rename(root, "empty-dir", root, "nonempty");
  try_rename(root, "moved-back.txt", root, "../escaped.txt");
  try_rename(root, "../outside.txt", root, "stolen.txt");
  try_rename(root, "moved-back.txt", root, "missing-dir/x.txt");
  try_rename(root, "moved-back.txt", root, "moved-back.txt");
  // Over an existing file: replaces it.
  try_rename(root, "moved-back.txt", root, "replace-me.txt");
  own_fd_t fd = must_open(root, 0, "replace-me.txt", 0, F_READ);
  show_file("replace-me.txt", BORROW(fd));
  DROP(fd);
  DROP(sub);
}

static void linking(void) {
  puts("== link-at, symlink-at, readlink-at");
  own_fd_t sub = must_open(root, 0, "sub", O_DIRECTORY, F_READ | F_MUTATE);
  try_link(0, "hello.txt", root, "hard.txt");
  try_stat_at(root, 0, "hello.txt");
  try_link(0, "hello.txt", BORROW(sub), "hard-in-sub.txt");
  try_link(0, "hello.txt", root, "hard.txt");
  try_link(0, "missing.txt", root, "hard-missing.txt");
  try_link(0, "sub", root, "hard-sub");
  try_link(0, "../outside.txt", root, "hard-outside.txt");
  try_link(0, "hello.txt", root, "../hard-escaped.txt");
  try_link(0, "link-to-hello", root, "hard-link-to-hello");
  try_stat_at(root, 0, "hard-link-to-hello");
  try_link(FOLLOW, "link-to-hello", root, "hard-followed");
  try_stat_at(root, 0, "hard-followed");
  DROP(sub);

  try_symlink("hello.txt", "sym");
  try_readlink(root, "sym");
  try_stat_at(root, FOLLOW, "sym");
  try_symlink("sub/inner.txt", "sym-inner");
  try_readlink(root, "sym-inner");
  try_symlink("missing", "sym-dangling");
  try_stat_at(root, FOLLOW, "sym-dangling");
  try_symlink("/etc/passwd", "sym-absolute");
  try_symlink("../outside.txt", "sym-outside");
  try_stat_at(root, FOLLOW, "sym-outside");
  try_symlink("x", "hello.txt");
  try_symlink("x", "../sym-escaped");
  try_symlink("x", "missing-dir/sym");
  try_symlink("", "sym-empty");
  try_readlink(root, "hello.txt");
  try_readlink(root, "missing");
  try_readlink(root, "escape");
  try_readlink(root, "absolute-link");
  try_readlink(root, "sub/up");
  try_readlink(root, "../outside.txt");
  own_fd_t fd = must_open(root, 0, "sub", O_DIRECTORY, F_READ);
  try_readlink(BORROW(fd), "up");
  DROP(fd);
}

static void identity(void) {
  puts("== is-same-object, metadata-hash, metadata-hash-at");
  own_fd_t hello = must_open(root, 0, "hello.txt", 0, F_READ);
  own_fd_t hello2 = must_open(root, 0, "hello.txt", 0, F_READ | F_WRITE);
  own_fd_t via_link = must_open(root, FOLLOW, "link-to-hello", 0, F_READ);
  own_fd_t hard = must_open(root, 0, "hard.txt", 0, F_READ);
  own_fd_t other = must_open(root, 0, "made.txt", 0, F_READ);
  own_fd_t dot = must_open(root, 0, ".", O_DIRECTORY, F_READ);
  own_fd_t sub = must_open(root, 0, "sub", O_DIRECTORY, F_READ);
#define SAME(a, b) yes(wasi_filesystem_types_method_descriptor_is_same_object(a, b))
  printf("is-same-object: hello.txt twice %s, through link-to-hello %s, hard link %s, made.txt %s\n",
         SAME(BORROW(hello), BORROW(hello2)), SAME(BORROW(hello), BORROW(via_link)),
         SAME(BORROW(hello), BORROW(hard)), SAME(BORROW(hello), BORROW(other)));
  printf("is-same-object: preopen and . %s, preopen and sub %s, itself %s\n", SAME(root, BORROW(dot)),
         SAME(root, BORROW(sub)), SAME(root, root));

  hash_t h1, h2, h3, h4, h5, h6, h7, hd, hroot;
  error_code_t code;
  bool ok1 = wasi_filesystem_types_method_descriptor_metadata_hash(BORROW(hello), &h1, &code);
  bool ok2 = wasi_filesystem_types_method_descriptor_metadata_hash(BORROW(hello), &h2, &code);
  bool ok3 = hash_at(root, 0, "hello.txt", &h3, &code);
  bool ok4 = hash_at(root, FOLLOW, "link-to-hello", &h4, &code);
  bool ok5 = hash_at(root, 0, "link-to-hello", &h5, &code);
  bool ok6 = wasi_filesystem_types_method_descriptor_metadata_hash(BORROW(other), &h6, &code);
  bool ok7 = hash_at(root, 0, "hard.txt", &h7, &code);
  bool okd = wasi_filesystem_types_method_descriptor_metadata_hash(BORROW(dot), &hd, &code);
  bool okr = wasi_filesystem_types_method_descriptor_metadata_hash(root, &hroot, &code);
  printf("metadata-hash: all ok %s\n", yes(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && okd && okr));
  printf("metadata-hash: stable %s, same as metadata-hash-at hello.txt %s, link-to-hello (follow) %s, "
         "hard.txt %s\n",
         yes(same_hash(&h1, &h2)), yes(same_hash(&h1, &h3)), yes(same_hash(&h1, &h4)), yes(same_hash(&h1, &h7)));
  printf("metadata-hash: differs from link-to-hello (no follow) %s, made.txt %s, the preopen %s; "
         "preopen and . %s\n",
         yes(!same_hash(&h1, &h5)), yes(!same_hash(&h1, &h6)), yes(!same_hash(&h1, &hroot)),
         yes(same_hash(&hd, &hroot)));
  bool ok = hash_at(root, 0, "missing.txt", &h1, &code);
  result_line("metadata-hash-at", "missing.txt", ok, code);
  ok = hash_at(root, 0, "../outside.txt", &h1, &code);
  result_line("metadata-hash-at", "../outside.txt", ok, code);
  ok = hash_at(root, FOLLOW, "dangling-2", &h1, &code);
  result_line("metadata-hash-at (follow)", "dangling-2", ok, code);
  ok = hash_at(root, FOLLOW, "escape", &h1, &code);
  result_line("metadata-hash-at (follow)", "escape", ok, code);
  DROP(sub);
  DROP(dot);
  DROP(other);
  DROP(hard);
  DROP(via_link);
  DROP(hello2);
  DROP(hello);
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
  preopens(&dirs);
  listing("as set up");
  opening();
  reading();
  directories_as_files();
  writing();
  streams();
  times();
  stats();
  changing_directories();
  renaming();
  linking();
  identity();
  listing("at the end");
  wasi_filesystem_preopens_list_tuple2_own_descriptor_string_free(&dirs);
  puts("done");
  return true;
}
