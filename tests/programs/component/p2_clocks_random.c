// wasi:clocks (monotonic-clock, wall-clock) and wasi:random (random, insecure,
// insecure-seed) through their WIT bindings, then wasi:cli/exit's exit with ok. Only facts
// that hold on every run are printed, never times or random bytes.
#include "p2_util.h"

#define MS 1000000ull

static void monotonic(void) {
  puts("== monotonic-clock");
  uint64_t res = wasi_clocks_monotonic_clock_resolution();
  printf("resolution > 0: %s, at most 1 ms: %s\n", yes(res > 0), yes(res <= MS));

  uint64_t t0 = wasi_clocks_monotonic_clock_now();
  uint64_t t1 = wasi_clocks_monotonic_clock_now();
  printf("now never goes back: %s\n", yes(t1 >= t0));

  // subscribe-duration: a 20 ms timer, not ready at once, ready after block.
  wasi_io_poll_own_pollable_t p = wasi_clocks_monotonic_clock_subscribe_duration(20 * MS);
  wasi_io_poll_borrow_pollable_t b = wasi_io_poll_borrow_pollable(p);
  printf("subscribe-duration 20 ms: ready at once: %s\n", yes(wasi_io_poll_method_pollable_ready(b)));
  wasi_io_poll_method_pollable_block(b);
  uint64_t t2 = wasi_clocks_monotonic_clock_now();
  printf("subscribe-duration 20 ms: ready after block: %s, at least 20 ms passed: %s\n",
         yes(wasi_io_poll_method_pollable_ready(b)), yes(t2 - t1 >= 20 * MS));
  wasi_io_poll_pollable_drop_own(p);

  // subscribe-instant: an instant 20 ms ahead, and instants already past.
  uint64_t deadline = wasi_clocks_monotonic_clock_now() + 20 * MS;
  p = wasi_clocks_monotonic_clock_subscribe_instant(deadline);
  b = wasi_io_poll_borrow_pollable(p);
  printf("subscribe-instant now+20 ms: ready at once: %s\n", yes(wasi_io_poll_method_pollable_ready(b)));
  wasi_io_poll_method_pollable_block(b);
  uint64_t t3 = wasi_clocks_monotonic_clock_now();
  printf("subscribe-instant now+20 ms: ready after block: %s, deadline reached: %s\n",
         yes(wasi_io_poll_method_pollable_ready(b)), yes(t3 >= deadline));
  wasi_io_poll_pollable_drop_own(p);

  // Instants already past. (Whether `ready` says so before any block differs: wasmtime
  // answers no, as its timer has not fired yet; so only block and ready after it.)
  p = wasi_clocks_monotonic_clock_subscribe_instant(t0);
  b = wasi_io_poll_borrow_pollable(p);
  wasi_io_poll_method_pollable_block(b);
  printf("subscribe-instant in the past: block returns, then ready: %s\n",
         yes(wasi_io_poll_method_pollable_ready(b)));
  wasi_io_poll_pollable_drop_own(p);
  p = wasi_clocks_monotonic_clock_subscribe_instant(0);
  b = wasi_io_poll_borrow_pollable(p);
  wasi_io_poll_method_pollable_block(b);
  printf("subscribe-instant 0: block returns, then ready: %s\n", yes(wasi_io_poll_method_pollable_ready(b)));
  wasi_io_poll_pollable_drop_own(p);

  // A duration so long that the deadline overflows: never ready.
  p = wasi_clocks_monotonic_clock_subscribe_duration(UINT64_MAX);
  printf("subscribe-duration u64 max: ready: %s\n",
         yes(wasi_io_poll_method_pollable_ready(wasi_io_poll_borrow_pollable(p))));
  wasi_io_poll_pollable_drop_own(p);
  p = wasi_clocks_monotonic_clock_subscribe_instant(UINT64_MAX);
  printf("subscribe-instant u64 max: ready: %s\n",
         yes(wasi_io_poll_method_pollable_ready(wasi_io_poll_borrow_pollable(p))));
  wasi_io_poll_pollable_drop_own(p);

  // subscribe-duration 0 is ready once blocked on.
  p = wasi_clocks_monotonic_clock_subscribe_duration(0);
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
  printf("subscribe-duration 0: ready after block: %s\n",
         yes(wasi_io_poll_method_pollable_ready(wasi_io_poll_borrow_pollable(p))));
  wasi_io_poll_pollable_drop_own(p);
}

static void wall(void) {
  puts("== wall-clock");
  wasi_clocks_wall_clock_datetime_t res, now, later;
  wasi_clocks_wall_clock_resolution(&res);
  printf("resolution > 0: %s, at most 1 s: %s, nanoseconds < 10^9: %s\n",
         yes(res.seconds > 0 || res.nanoseconds > 0),
         yes(res.seconds == 0 || (res.seconds == 1 && res.nanoseconds == 0)),
         yes(res.nanoseconds < 1000000000u));
  wasi_clocks_wall_clock_now(&now);
  // 2020-01-01 .. 2200-01-01.
  printf("now after 2020 and before 2200: %s, nanoseconds < 10^9: %s\n",
         yes(now.seconds >= 1577836800ull && now.seconds < 7258118400ull),
         yes(now.nanoseconds < 1000000000u));
  wasi_io_poll_own_pollable_t p = wasi_clocks_monotonic_clock_subscribe_duration(20 * MS);
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
  wasi_io_poll_pollable_drop_own(p);
  wasi_clocks_wall_clock_now(&later);
  uint64_t a = now.seconds * 1000000000ull + now.nanoseconds;
  uint64_t z = later.seconds * 1000000000ull + later.nanoseconds;
  printf("20 ms later, now advanced by 10 ms to 10 s: %s\n", yes(z >= a + 10 * MS && z < a + 10000 * MS));
}

static bool all_zero(const p2_guest_list_u8_t *l) {
  for (size_t i = 0; i < l->len; i++)
    if (l->ptr[i]) return false;
  return true;
}

static void random_bytes(const char *what, void (*get)(uint64_t, p2_guest_list_u8_t *)) {
  p2_guest_list_u8_t none, a, b, big;
  get(0, &none);
  get(32, &a);
  get(32, &b);
  get(100000, &big);
  printf("%s 0: %zu bytes\n", what, none.len);
  printf("%s 32: %zu bytes, not all zero: %s, two calls differ: %s\n", what, a.len, yes(!all_zero(&a)),
         yes(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) != 0));
  // Every byte value should appear in 100000 random bytes.
  bool seen[256] = {false};
  for (size_t i = 0; i < big.len; i++) seen[big.ptr[i]] = true;
  size_t distinct = 0;
  for (size_t i = 0; i < 256; i++) distinct += seen[i];
  printf("%s 100000: %zu bytes, all 256 byte values: %s\n", what, big.len, yes(distinct == 256));
  p2_guest_list_u8_free(&none);
  p2_guest_list_u8_free(&a);
  p2_guest_list_u8_free(&b);
  p2_guest_list_u8_free(&big);
}

static void randoms(void) {
  puts("== random");
  random_bytes("get-random-bytes", wasi_random_random_get_random_bytes);
  uint64_t x = wasi_random_random_get_random_u64(), y = wasi_random_random_get_random_u64();
  uint64_t z = wasi_random_random_get_random_u64();
  printf("get-random-u64: three calls not all equal: %s\n", yes(!(x == y && y == z)));

  puts("== insecure");
  random_bytes("get-insecure-random-bytes", wasi_random_insecure_get_insecure_random_bytes);
  x = wasi_random_insecure_get_insecure_random_u64();
  y = wasi_random_insecure_get_insecure_random_u64();
  z = wasi_random_insecure_get_insecure_random_u64();
  printf("get-insecure-random-u64: three calls not all equal: %s\n", yes(!(x == y && y == z)));

  puts("== insecure-seed");
  // The seed may be anything, even constant: only that the call returns.
  p2_guest_tuple2_u64_u64_t seed;
  wasi_random_insecure_seed_insecure_seed(&seed);
  puts("insecure-seed returns: yes");
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  monotonic();
  wall();
  randoms();
  puts("exit ok");
  wasi_cli_exit_result_void_void_t status = {.is_err = false};
  wasi_cli_exit_exit(&status);
  puts("exit returned");
  return false;
}
