// wasi:cli through its WIT bindings: environment (arguments from p2_cli.args, variables
// baked in from p2_cli.env, initial-cwd), stdin (p2_cli.stdin), stdout, stderr, the five
// terminal-* interfaces (stdio is piped, so there are no terminals), and exit-with-code.
#include "p2_util.h"

static int compare_pairs(const void *a, const void *b) {
  const p2_guest_tuple2_string_string_t *x = a, *y = b;
  size_t n = x->f0.len < y->f0.len ? x->f0.len : y->f0.len;
  int c = memcmp(x->f0.ptr, y->f0.ptr, n);
  if (c) return c;
  return (x->f0.len > y->f0.len) - (x->f0.len < y->f0.len);
}

static bool same_strings(const p2_guest_string_t *a, const p2_guest_string_t *b) {
  return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

static void environment(void) {
  puts("== environment");
  p2_guest_list_string_t args, again;
  wasi_cli_environment_get_arguments(&args);
  printf("get-arguments: %zu\n", args.len);
  for (size_t i = 0; i < args.len; i++) {
    printf("  [%zu] ", i);
    print_string(&args.ptr[i]);
    putchar('\n');
  }
  wasi_cli_environment_get_arguments(&again);
  bool same = again.len == args.len;
  for (size_t i = 0; same && i < args.len; i++) same = same_strings(&args.ptr[i], &again.ptr[i]);
  printf("get-arguments again: the same: %s\n", yes(same));
  p2_guest_list_string_free(&args);
  p2_guest_list_string_free(&again);

  p2_guest_list_tuple2_string_string_t env, env_again;
  wasi_cli_environment_get_environment(&env);
  printf("get-environment: %zu\n", env.len);
  qsort(env.ptr, env.len, sizeof env.ptr[0], compare_pairs);
  for (size_t i = 0; i < env.len; i++) {
    fputs("  ", stdout);
    print_string(&env.ptr[i].f0);
    fputs(" = ", stdout);
    print_string(&env.ptr[i].f1);
    putchar('\n');
  }
  wasi_cli_environment_get_environment(&env_again);
  qsort(env_again.ptr, env_again.len, sizeof env_again.ptr[0], compare_pairs);
  same = env_again.len == env.len;
  for (size_t i = 0; same && i < env.len; i++)
    same = same_strings(&env.ptr[i].f0, &env_again.ptr[i].f0) &&
           same_strings(&env.ptr[i].f1, &env_again.ptr[i].f1);
  printf("get-environment again: the same: %s\n", yes(same));
  p2_guest_list_tuple2_string_string_free(&env);
  p2_guest_list_tuple2_string_string_free(&env_again);

  p2_guest_string_t cwd;
  printf("initial-cwd: ");
  if (wasi_cli_environment_initial_cwd(&cwd)) {
    print_string(&cwd);
    p2_guest_string_free(&cwd);
  } else {
    fputs("none", stdout);
  }
  putchar('\n');
}

static void stdio(void) {
  puts("== stdin");
  wasi_cli_stdin_own_input_stream_t in_own = wasi_cli_stdin_get_stdin();
  in_t in = wasi_io_streams_borrow_input_stream(in_own);
  stream_error_t err;
  char all[512];
  size_t len = 0;
  for (;;) {
    p2_guest_list_u8_t list;
    if (!wasi_io_streams_method_input_stream_blocking_read(in, 64, &list, &err)) break;
    if (len + list.len <= sizeof all) {
      memcpy(all + len, list.ptr, list.len);
      len += list.len;
    }
    p2_guest_list_u8_free(&list);
  }
  printf("read to the end: ");
  print_bytes((uint8_t *)all, len);
  printf(", then ");
  print_stream_error(&err);
  putchar('\n');
  wasi_io_streams_input_stream_drop_own(in_own);

  // A second get-stdin is the same stream: at its end too.
  in_own = wasi_cli_stdin_get_stdin();
  p2_guest_list_u8_t list;
  bool ok = wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in_own), 1,
                                                              &list, &err);
  printf("get-stdin again, blocking-read: ");
  if (ok) {
    print_list(&list);
    p2_guest_list_u8_free(&list);
  } else {
    fputs("error ", stdout);
    print_stream_error(&err);
  }
  putchar('\n');
  wasi_io_streams_input_stream_drop_own(in_own);

  puts("== stdout, stderr");
  wasi_cli_stdout_own_output_stream_t out_own = wasi_cli_stdout_get_stdout();
  p2_guest_list_u8_t line = bytes("written to get-stdout's stream\n", 31);
  ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(out_own),
                                                                     &line, &err);
  printf("stdout blocking-write-and-flush: ");
  print_stream_result(ok, &err);
  putchar('\n');
  wasi_io_streams_output_stream_drop_own(out_own);
  wasi_cli_stderr_own_output_stream_t err_own = wasi_cli_stderr_get_stderr();
  line = bytes("p2_cli: stderr\n", 15);
  ok = wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(err_own),
                                                                     &line, &err);
  printf("stderr blocking-write-and-flush: ");
  print_stream_result(ok, &err);
  putchar('\n');
  wasi_io_streams_output_stream_drop_own(err_own);
}

static void terminals(void) {
  puts("== terminals");
  wasi_cli_terminal_stdin_own_terminal_input_t input;
  if (wasi_cli_terminal_stdin_get_terminal_stdin(&input)) {
    puts("get-terminal-stdin: some");
    wasi_cli_terminal_input_terminal_input_drop_own(input);
  } else {
    puts("get-terminal-stdin: none");
  }
  wasi_cli_terminal_stdout_own_terminal_output_t output;
  if (wasi_cli_terminal_stdout_get_terminal_stdout(&output)) {
    puts("get-terminal-stdout: some");
    wasi_cli_terminal_output_terminal_output_drop_own(output);
  } else {
    puts("get-terminal-stdout: none");
  }
  if (wasi_cli_terminal_stderr_get_terminal_stderr(&output)) {
    puts("get-terminal-stderr: some");
    wasi_cli_terminal_output_terminal_output_drop_own(output);
  } else {
    puts("get-terminal-stderr: none");
  }
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  environment();
  stdio();
  terminals();
  puts("exit-with-code 3");
  wasi_cli_exit_exit_with_code(3);
  puts("exit-with-code returned");
  return true;
}
