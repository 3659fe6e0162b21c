// wasi:io through its WIT bindings: every method of input-stream and output-stream (splice
// included), pollable's ready and block, poll, and error's to-debug-string. The streams are
// stdin (p2_io.stdin), stdout, stderr and files of the preopened sandbox.
#include "p2_util.h"

typedef wasi_io_poll_own_pollable_t pollable_t;
#define BORROW_P(p) wasi_io_poll_borrow_pollable(p)

static fd_t sandbox;

static void print_read(const char *what, bool ok, p2_guest_list_u8_t *list, stream_error_t *err) {
  printf("%s: ", what);
  if (ok) {
    print_list(list);
    p2_guest_list_u8_free(list);
  } else {
    fputs("error ", stdout);
    print_stream_error(err);
  }
  putchar('\n');
}

static void print_count(const char *what, bool ok, uint64_t n, stream_error_t *err) {
  printf("%s: ", what);
  if (ok)
    printf("%llu", (unsigned long long)n);
  else {
    fputs("error ", stdout);
    print_stream_error(err);
  }
  putchar('\n');
}

static void print_ok(const char *what, bool ok, stream_error_t *err) {
  printf("%s: ", what);
  print_stream_result(ok, err);
  putchar('\n');
}

static void stdout_methods(void) {
  puts("== stdout");
  wasi_cli_stdout_own_output_stream_t own = wasi_cli_stdout_get_stdout();
  out_t out = wasi_io_streams_borrow_output_stream(own);
  stream_error_t err;
  uint64_t permitted = 0;
  bool ok = wasi_io_streams_method_output_stream_check_write(out, &permitted, &err);
  printf("check-write: %s, permits a line: %s\n", ok ? "ok" : "error", yes(ok && permitted >= 64));

  p2_guest_list_u8_t line = bytes("written by write\n", 17);
  ok = wasi_io_streams_method_output_stream_write(out, &line, &err);
  bool flushed = ok && wasi_io_streams_method_output_stream_flush(out, &err);
  bool waited = flushed && wasi_io_streams_method_output_stream_blocking_flush(out, &err);
  printf("write, flush, blocking-flush: ");
  print_stream_result(ok && flushed && waited, &err);
  putchar('\n');

  line = bytes("written by blocking-write-and-flush\n", 36);
  ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(out, &line, &err);
  print_ok("blocking-write-and-flush", ok, &err);

  line = bytes("", 0);
  ok = wasi_io_streams_method_output_stream_write(out, &line, &err);
  print_ok("write of nothing", ok, &err);
  ok = wasi_io_streams_method_output_stream_write_zeroes(out, 0, &err);
  print_ok("write-zeroes 0", ok, &err);
  ok = wasi_io_streams_method_output_stream_blocking_write_zeroes_and_flush(out, 0, &err);
  print_ok("blocking-write-zeroes-and-flush 0", ok, &err);

  pollable_t p = wasi_io_streams_method_output_stream_subscribe(out);
  wasi_io_poll_method_pollable_block(BORROW_P(p));
  printf("subscribe: ready after block: %s\n", yes(wasi_io_poll_method_pollable_ready(BORROW_P(p))));
  wasi_io_poll_pollable_drop_own(p);
  wasi_io_streams_output_stream_drop_own(own);

  wasi_cli_stderr_own_output_stream_t err_own = wasi_cli_stderr_get_stderr();
  out_t err_out = wasi_io_streams_borrow_output_stream(err_own);
  ok = wait_writable(err_out, 16, &err);
  line = bytes("p2_io: stderr\n", 14);
  ok = ok && wasi_io_streams_method_output_stream_blocking_write_and_flush(err_out, &line, &err);
  print_ok("stderr blocking-write-and-flush", ok, &err);
  wasi_io_streams_output_stream_drop_own(err_own);
}

// p2_io.stdin is "line one\nline two\nline three\n".
static void stdin_methods(void) {
  puts("== stdin");
  wasi_cli_stdin_own_input_stream_t own = wasi_cli_stdin_get_stdin();
  in_t in = wasi_io_streams_borrow_input_stream(own);
  stream_error_t err;
  p2_guest_list_u8_t list;
  uint64_t n;

  pollable_t p = wasi_io_streams_method_input_stream_subscribe(in);
  wasi_io_poll_method_pollable_block(BORROW_P(p));
  printf("subscribe: ready after block: %s\n", yes(wasi_io_poll_method_pollable_ready(BORROW_P(p))));
  bool ok = wasi_io_streams_method_input_stream_read(in, 0, &list, &err);
  print_read("read 0", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_read(in, 5, &list, &err);
  print_read("read 5", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_skip(in, 4, &n, &err);
  print_count("skip 4", ok, n, &err);
  ok = wasi_io_streams_method_input_stream_blocking_read(in, 4, &list, &err);
  print_read("blocking-read 4", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_blocking_skip(in, 5, &n, &err);
  print_count("blocking-skip 5", ok, n, &err);

  // The rest, however the host splits it, up to the end.
  char rest[256];
  size_t len = 0;
  for (;;) {
    ok = wasi_io_streams_method_input_stream_blocking_read(in, 100, &list, &err);
    if (!ok) break;
    if (len + list.len <= sizeof rest) {
      memcpy(rest + len, list.ptr, list.len);
      len += list.len;
    }
    p2_guest_list_u8_free(&list);
  }
  printf("blocking-read to the end: ");
  print_bytes((uint8_t *)rest, len);
  printf(", then ");
  print_stream_error(&err);
  putchar('\n');

  ok = wasi_io_streams_method_input_stream_read(in, 1, &list, &err);
  print_read("read at the end", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_blocking_read(in, 1, &list, &err);
  print_read("blocking-read at the end", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_skip(in, 1, &n, &err);
  print_count("skip at the end", ok, n, &err);
  ok = wasi_io_streams_method_input_stream_blocking_skip(in, 1, &n, &err);
  print_count("blocking-skip at the end", ok, n, &err);
  printf("ready at the end: %s\n", yes(wasi_io_poll_method_pollable_ready(BORROW_P(p))));
  wasi_io_poll_pollable_drop_own(p);
  wasi_io_streams_input_stream_drop_own(own);
}

static wasi_filesystem_types_own_descriptor_t open_file(const char *path, bool create) {
  wasi_filesystem_types_own_descriptor_t fd;
  error_code_t code;
  p2_guest_string_t name = str(path);
  wasi_filesystem_types_open_flags_t oflags =
      create ? WASI_FILESYSTEM_TYPES_OPEN_FLAGS_CREATE | WASI_FILESYSTEM_TYPES_OPEN_FLAGS_TRUNCATE : 0;
  if (!wasi_filesystem_types_method_descriptor_open_at(
          sandbox, 0, &name, oflags,
          WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_READ | WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_WRITE,
          &fd, &code)) {
    printf("open-at %s: error %s\n", path, error_code_name(code));
    exit(1);
  }
  return fd;
}

static void print_file(const char *what, fd_t fd) {
  p2_guest_tuple2_list_u8_bool_t got;
  error_code_t code;
  printf("%s: ", what);
  if (wasi_filesystem_types_method_descriptor_read(fd, 100, 0, &got, &code)) {
    print_list(&got.f0);
    p2_guest_list_u8_free(&got.f0);
  } else {
    printf("error %s", error_code_name(code));
  }
  putchar('\n');
}

static wasi_io_streams_own_input_stream_t reader(fd_t fd, uint64_t offset) {
  wasi_io_streams_own_input_stream_t in;
  error_code_t code;
  if (!wasi_filesystem_types_method_descriptor_read_via_stream(fd, offset, &in, &code)) {
    printf("read-via-stream: error %s\n", error_code_name(code));
    exit(1);
  }
  return in;
}

static wasi_io_streams_own_output_stream_t writer(fd_t fd, uint64_t offset) {
  wasi_io_streams_own_output_stream_t out;
  error_code_t code;
  if (!wasi_filesystem_types_method_descriptor_write_via_stream(fd, offset, &out, &code)) {
    printf("write-via-stream: error %s\n", error_code_name(code));
    exit(1);
  }
  return out;
}

static void file_streams(void) {
  puts("== file streams");
  wasi_filesystem_types_own_descriptor_t own = open_file("stream.txt", true);
  fd_t fd = wasi_filesystem_types_borrow_descriptor(own);
  stream_error_t err;

  wasi_io_streams_own_output_stream_t out_own = writer(fd, 0);
  out_t out = wasi_io_streams_borrow_output_stream(out_own);
  p2_guest_list_u8_t data = bytes("abc", 3);
  bool ok = wait_writable(out, 3, &err) && wasi_io_streams_method_output_stream_write(out, &data, &err) &&
            wasi_io_streams_method_output_stream_flush(out, &err) &&
            wasi_io_streams_method_output_stream_blocking_flush(out, &err);
  print_ok("check-write, write, flush, blocking-flush", ok, &err);
  ok = wait_writable(out, 2, &err) && wasi_io_streams_method_output_stream_write_zeroes(out, 2, &err) &&
       wasi_io_streams_method_output_stream_blocking_flush(out, &err);
  print_ok("write-zeroes 2", ok, &err);
  ok = wasi_io_streams_method_output_stream_blocking_write_zeroes_and_flush(out, 2, &err);
  print_ok("blocking-write-zeroes-and-flush 2", ok, &err);
  data = bytes("def", 3);
  ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(out, &data, &err);
  print_ok("blocking-write-and-flush", ok, &err);
  pollable_t p = wasi_io_streams_method_output_stream_subscribe(out);
  wasi_io_poll_method_pollable_block(BORROW_P(p));
  printf("subscribe: ready after block: %s\n", yes(wasi_io_poll_method_pollable_ready(BORROW_P(p))));
  wasi_io_poll_pollable_drop_own(p);
  wasi_io_streams_output_stream_drop_own(out_own);
  print_file("the file", fd);

  // Reads: "abc\0\0\0\0def".
  wasi_io_streams_own_input_stream_t in_own = reader(fd, 0);
  in_t in = wasi_io_streams_borrow_input_stream(in_own);
  p2_guest_list_u8_t list;
  uint64_t n;
  wait_readable(in);
  ok = wasi_io_streams_method_input_stream_read(in, 3, &list, &err);
  print_read("read 3", ok, &list, &err);
  wait_readable(in);
  ok = wasi_io_streams_method_input_stream_skip(in, 2, &n, &err);
  print_count("skip 2", ok, n, &err);
  ok = wasi_io_streams_method_input_stream_blocking_skip(in, 2, &n, &err);
  print_count("blocking-skip 2", ok, n, &err);
  ok = wasi_io_streams_method_input_stream_blocking_read(in, 10, &list, &err);
  print_read("blocking-read 10", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_blocking_read(in, 10, &list, &err);
  print_read("blocking-read at the end", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_read(in, 10, &list, &err);
  print_read("read at the end", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_skip(in, 1, &n, &err);
  print_count("skip at the end", ok, n, &err);
  ok = wasi_io_streams_method_input_stream_blocking_skip(in, 1, &n, &err);
  print_count("blocking-skip at the end", ok, n, &err);
  wasi_io_streams_input_stream_drop_own(in_own);

  in_own = reader(fd, 0);
  ok = wasi_io_streams_method_input_stream_blocking_skip(wasi_io_streams_borrow_input_stream(in_own), 100, &n,
                                                         &err);
  print_count("blocking-skip 100 from the start", ok, n, &err);
  ok = wasi_io_streams_method_input_stream_blocking_skip(wasi_io_streams_borrow_input_stream(in_own), 100, &n,
                                                         &err);
  print_count("blocking-skip 100 again", ok, n, &err);
  wasi_io_streams_input_stream_drop_own(in_own);

  in_own = reader(fd, 8);
  ok = wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in_own), 10,
                                                         &list, &err);
  print_read("read-via-stream at 8, blocking-read 10", ok, &list, &err);
  wasi_io_streams_input_stream_drop_own(in_own);
  in_own = reader(fd, 100);
  ok = wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in_own), 10,
                                                         &list, &err);
  print_read("read-via-stream past the end, blocking-read", ok, &list, &err);
  wasi_io_streams_input_stream_drop_own(in_own);

  // Writes at an offset beyond the file's end leave a hole of zeroes.
  out_own = writer(fd, 12);
  data = bytes("Z", 1);
  ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(
      wasi_io_streams_borrow_output_stream(out_own), &data, &err);
  print_ok("write-via-stream at 12", ok, &err);
  wasi_io_streams_output_stream_drop_own(out_own);
  print_file("the file", fd);

  // An offset that the host's pread and pwrite refuse: the error comes through the stream.
  in_own = reader(fd, (uint64_t)1 << 63);
  ok = wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in_own), 10,
                                                         &list, &err);
  print_read("read-via-stream at 2^63, blocking-read", ok, &list, &err);
  ok = wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in_own), 10,
                                                         &list, &err);
  print_read("blocking-read again", ok, &list, &err);
  wasi_io_streams_input_stream_drop_own(in_own);
  out_own = writer(fd, (uint64_t)1 << 63);
  out = wasi_io_streams_borrow_output_stream(out_own);
  ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(out, &data, &err);
  print_ok("write-via-stream at 2^63, blocking-write-and-flush", ok, &err);
  uint64_t permitted;
  ok = wasi_io_streams_method_output_stream_check_write(out, &permitted, &err);
  print_ok("check-write after the failure", ok, &err);
  wasi_io_streams_output_stream_drop_own(out_own);

  wasi_filesystem_types_descriptor_drop_own(own);
}

static void splices(void) {
  puts("== splice");
  wasi_filesystem_types_own_descriptor_t src_own = open_file("source.txt", false);
  fd_t src = wasi_filesystem_types_borrow_descriptor(src_own);
  wasi_filesystem_types_own_descriptor_t dst_own = open_file("spliced.txt", true);
  fd_t dst = wasi_filesystem_types_borrow_descriptor(dst_own);
  stream_error_t err;
  uint64_t n;

  // source.txt is "0123456789ABCDEFGHIJ": 5 bytes to stdout, the rest to spliced.txt.
  wasi_io_streams_own_input_stream_t in_own = reader(src, 0);
  in_t in = wasi_io_streams_borrow_input_stream(in_own);
  wasi_cli_stdout_own_output_stream_t stdout_own = wasi_cli_stdout_get_stdout();
  out_t out = wasi_io_streams_borrow_output_stream(stdout_own);
  fputs("blocking-splice 5 to stdout: ", stdout);
  bool ok = wasi_io_streams_method_output_stream_blocking_splice(out, in, 5, &n, &err);
  printf(" -> ");
  print_count("count", ok, n, &err);
  wasi_io_streams_output_stream_drop_own(stdout_own);

  wasi_io_streams_own_output_stream_t file_own = writer(dst, 0);
  out_t file = wasi_io_streams_borrow_output_stream(file_own);
  wait_readable(in);
  ok = wait_writable(file, 4, &err) && wasi_io_streams_method_output_stream_splice(file, in, 4, &n, &err);
  print_count("splice 4 to a file", ok, n, &err);
  ok = wasi_io_streams_method_output_stream_splice(file, in, 0, &n, &err);
  print_count("splice 0", ok, n, &err);
  ok = wasi_io_streams_method_output_stream_blocking_flush(file, &err);
  print_ok("blocking-flush", ok, &err);
  uint64_t total = 0;
  for (;;) {
    ok = wasi_io_streams_method_output_stream_blocking_splice(file, in, 100, &n, &err);
    if (!ok) break;
    total += n;
  }
  printf("blocking-splice to the end: %llu bytes, then ", (unsigned long long)total);
  print_stream_error(&err);
  putchar('\n');
  wait_readable(in);
  ok = wasi_io_streams_method_output_stream_splice(file, in, 4, &n, &err);
  print_count("splice at the end", ok, n, &err);
  wasi_io_streams_output_stream_drop_own(file_own);
  wasi_io_streams_input_stream_drop_own(in_own);
  print_file("spliced.txt", dst);

  wasi_filesystem_types_descriptor_drop_own(dst_own);
  wasi_filesystem_types_descriptor_drop_own(src_own);
}

static void polls(void) {
  puts("== poll");
  pollable_t now = wasi_clocks_monotonic_clock_subscribe_duration(0);
  pollable_t never = wasi_clocks_monotonic_clock_subscribe_duration(3600ull * 1000000000ull);
  wasi_cli_stdout_own_output_stream_t stdout_own = wasi_cli_stdout_get_stdout();
  pollable_t writable =
      wasi_io_streams_method_output_stream_subscribe(wasi_io_streams_borrow_output_stream(stdout_own));

  wasi_io_poll_method_pollable_block(BORROW_P(now));
  printf("ready: elapsed timer (after block) %s, hour-long timer %s, stdout %s\n",
         yes(wasi_io_poll_method_pollable_ready(BORROW_P(now))),
         yes(wasi_io_poll_method_pollable_ready(BORROW_P(never))),
         yes(wasi_io_poll_method_pollable_ready(BORROW_P(writable))));

  wasi_io_poll_borrow_pollable_t list[3];
  wasi_io_poll_list_borrow_pollable_t in = {list, 0};
  p2_guest_list_u32_t ready;

  list[0] = BORROW_P(never);
  list[1] = BORROW_P(now);
  in.len = 2;
  wasi_io_poll_poll(&in, &ready);
  printf("poll [hour-long, elapsed]: ");
  print_u32_list(&ready);
  putchar('\n');
  p2_guest_list_u32_free(&ready);

  list[0] = BORROW_P(now);
  list[1] = BORROW_P(never);
  list[2] = BORROW_P(now);
  in.len = 3;
  wasi_io_poll_poll(&in, &ready);
  printf("poll [elapsed, hour-long, elapsed]: ");
  print_u32_list(&ready);
  putchar('\n');
  p2_guest_list_u32_free(&ready);

  pollable_t soon = wasi_clocks_monotonic_clock_subscribe_duration(20 * 1000000ull);
  list[0] = BORROW_P(never);
  list[1] = BORROW_P(soon);
  in.len = 2;
  wasi_io_poll_poll(&in, &ready);
  printf("poll [hour-long, 20 ms]: ");
  print_u32_list(&ready);
  putchar('\n');
  p2_guest_list_u32_free(&ready);

  pollable_t later = wasi_clocks_monotonic_clock_subscribe_duration(10 * 1000000ull);
  printf("10 ms timer ready at once: %s\n", yes(wasi_io_poll_method_pollable_ready(BORROW_P(later))));
  wasi_io_poll_method_pollable_block(BORROW_P(later));
  printf("10 ms timer ready after block: %s\n", yes(wasi_io_poll_method_pollable_ready(BORROW_P(later))));
  wasi_io_poll_method_pollable_block(BORROW_P(later));
  puts("block on a ready timer returns: yes");

  wasi_io_poll_pollable_drop_own(later);
  wasi_io_poll_pollable_drop_own(soon);
  wasi_io_poll_pollable_drop_own(writable);
  wasi_io_streams_output_stream_drop_own(stdout_own);
  wasi_io_poll_pollable_drop_own(never);
  wasi_io_poll_pollable_drop_own(now);
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  wasi_filesystem_preopens_list_tuple2_own_descriptor_string_t dirs;
  wasi_filesystem_preopens_get_directories(&dirs);
  if (dirs.len != 1) {
    printf("expected one preopen, got %zu\n", dirs.len);
    return false;
  }
  sandbox = wasi_filesystem_types_borrow_descriptor(dirs.ptr[0].f0);
  stdout_methods();
  stdin_methods();
  file_streams();
  splices();
  polls();
  wasi_filesystem_preopens_list_tuple2_own_descriptor_string_free(&dirs);
  puts("done");
  return true;
}
