// The app half of compose_app.wasm: imports wasi-aot:compose/shapes (wit/world.wit, world
// `app`, UTF-8 strings) from the library (library.c, UTF-16 strings) that wac plugs in,
// exports wasi:cli/run, and prints one line for each value it gets back. Everything the
// library returns is derived from all of the arguments, so the lines show that the
// parameters crossed intact as well. The library prints a line (`library: ...`) when it
// consumes or destroys a counter, to the same stdout, so the output also shows when each
// resource's destructor runs.
//
// Results of imported functions belong to the caller and are freed here; arguments stay
// the caller's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings/app.h"

typedef app_string_t str_t;
typedef wasi_aot_compose_shapes_label_t label_t;
typedef wasi_aot_compose_shapes_shape_t shape_t;
typedef wasi_aot_compose_shapes_point_t point_t;
typedef wasi_aot_compose_shapes_own_counter_t own_t;
typedef wasi_aot_compose_shapes_borrow_counter_t borrow_t;

static const char *const COLORS[] = {"red", "green", "blue", "ultraviolet"};
static const char *const PARSE_ERRORS[] = {"empty", "bad-number", "missing-comma"};

// A copy of a C string (the copy belongs to the caller).
static str_t S(const char *s) {
  str_t r;
  app_string_dup(&r, s);
  return r;
}

// A string as a quoted literal: printable bytes (UTF-8 included) as they are, the rest
// escaped.
static void put_str(const str_t *s) {
  putchar('"');
  for (size_t i = 0; i < s->len; i++) {
    uint8_t c = s->ptr[i];
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20 || c == 0x7f) printf("\\x%02x", c);
    else putchar(c);
  }
  putchar('"');
}

static uint64_t fnv(const uint8_t *p, size_t len) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static void put_strings(const app_list_string_t *l) {
  printf("[");
  for (size_t i = 0; i < l->len; i++) {
    if (i) printf(", ");
    put_str(&l->ptr[i]);
  }
  printf("]");
}

static void put_label(const label_t *l) {
  printf("{text ");
  put_str(&l->text);
  printf(" pos (%d,%d) tags ", l->pos.x, l->pos.y);
  put_strings(&l->tags);
  printf(" tint %s style %u weight ", l->tint < 4 ? COLORS[l->tint] : "?", l->style);
  if (l->weight.is_some) printf("%.9g}", (double)l->weight.val);
  else printf("none}");
}

static void put_shape(const shape_t *s) {
  switch (s->tag) {
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_CIRCLE: printf("circle(%.17g)", s->val.circle); break;
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_SQUARE: printf("square(%u)", s->val.square); break;
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_RATIO: printf("ratio(%.9g)", (double)s->val.ratio); break;
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_TEXT:
      printf("text(");
      put_str(&s->val.text);
      printf(")");
      break;
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_BIG:
      printf("big(%llu)", (unsigned long long)s->val.big);
      break;
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_AT: printf("at(%d,%d)", s->val.at.x, s->val.at.y); break;
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_TINY: printf("tiny(%u)", s->val.tiny); break;
    case WASI_AOT_COMPOSE_SHAPES_SHAPE_EMPTY: printf("empty"); break;
    default: printf("(bad tag %u)", s->tag); break;
  }
}

// ---- strings -------------------------------------------------------------------------

static void check_reverse(const char *what, const char *in) {
  str_t s = S(in), r;
  wasi_aot_compose_shapes_reverse(&s, &r);
  printf("reverse %s: ", what);
  put_str(&r);
  printf(" (%zu bytes)\n", r.len);
  app_string_free(&r);
}

// A long string (n repetitions of unit) there and back: its length and hash, and those of
// the reversed string computed here.
static void check_reverse_long(const char *what, const char *unit, size_t n, size_t unit_chars) {
  size_t ulen = strlen(unit);
  str_t s = {malloc(ulen * n), ulen * n}, r;
  for (size_t i = 0; i < n; i++) memcpy(s.ptr + i * ulen, unit, ulen);
  wasi_aot_compose_shapes_reverse(&s, &r);
  // Reverse here too (by code point: UTF-8 sequences kept whole).
  uint8_t *expect = malloc(s.len);
  size_t o = s.len;
  for (size_t i = 0; i < s.len;) {
    size_t k = 1;
    while (i + k < s.len && (s.ptr[i + k] & 0xC0) == 0x80) k++;
    o -= k;
    memcpy(expect + o, s.ptr + i, k);
    i += k;
  }
  bool same = r.len == s.len && !memcmp(r.ptr, expect, s.len);
  printf("reverse %s: %zu chars, %zu bytes in, %zu bytes out, hash %016llx, %s\n", what,
         unit_chars * n, s.len, r.len, (unsigned long long)fnv(r.ptr, r.len),
         same ? "matches" : "DIFFERS");
  free(expect);
  app_string_free(&s);
  app_string_free(&r);
}

static void check_shout(void) {
  str_t words[] = {S("hello"), S("w\xc3\xb6rld"), S(""), S("MiXeD 123"), S("\xf0\x9d\x84\x9ex")};
  app_list_string_t in = {words, 5}, out;
  wasi_aot_compose_shapes_shout(&in, &out);
  printf("shout: ");
  put_strings(&out);
  printf("\n");
  app_list_string_free(&out);
  app_list_string_t none = {NULL, 0};
  wasi_aot_compose_shapes_shout(&none, &out);
  printf("shout []: %zu\n", out.len);
  app_list_string_free(&out);
}

// ---- lists ---------------------------------------------------------------------------

static void check_lists(void) {
  int32_t xs[] = {1, -2, 3, INT32_MIN, INT32_MAX};
  app_list_s32_t in = {xs, 5}, out;
  wasi_aot_compose_shapes_reverse_ints(&in, &out);
  printf("reverse-ints:");
  for (size_t i = 0; i < out.len; i++) printf(" %d", out.ptr[i]);
  printf("\n");
  app_list_s32_free(&out);

  enum { N = 5000 };
  int32_t *big = malloc(N * sizeof *big);
  for (int i = 0; i < N; i++) big[i] = i * 7 - 1000;
  in = (app_list_s32_t){big, N};
  wasi_aot_compose_shapes_reverse_ints(&in, &out);
  bool ok = out.len == N;
  for (int i = 0; ok && i < N; i++) ok = out.ptr[i] == big[N - 1 - i];
  printf("reverse-ints %d: %zu back, first %d, last %d, %s\n", N, out.len, out.ptr[0],
         out.ptr[out.len - 1], ok ? "matches" : "DIFFERS");
  app_list_s32_free(&out);
  free(big);

  in = (app_list_s32_t){NULL, 0};
  wasi_aot_compose_shapes_reverse_ints(&in, &out);
  printf("reverse-ints []: %zu\n", out.len);
  app_list_s32_free(&out);

  uint8_t bytes[256];
  for (int i = 0; i < 256; i++) bytes[i] = (uint8_t)(255 - i);
  app_list_u8_t b = {bytes, 256};
  printf("sum-bytes 256: %llu\n", (unsigned long long)wasi_aot_compose_shapes_sum_bytes(&b));
  b = (app_list_u8_t){NULL, 0};
  printf("sum-bytes []: %llu\n", (unsigned long long)wasi_aot_compose_shapes_sum_bytes(&b));

  point_t pts[] = {{0, 0}, {-5, 7}, {INT32_MAX, INT32_MIN}};
  wasi_aot_compose_shapes_list_point_t pin = {pts, 3}, pout;
  wasi_aot_compose_shapes_shift(&pin, 10, -1, &pout);
  printf("shift:");
  for (size_t i = 0; i < pout.len; i++) printf(" (%d,%d)", pout.ptr[i].x, pout.ptr[i].y);
  printf("\n");
  wasi_aot_compose_shapes_list_point_free(&pout);
}

// ---- records -------------------------------------------------------------------------

static void check_records(void) {
  str_t tags[] = {S("one"), S("tw\xc3\xb8"), S("")};
  label_t l = {
      .text = S("caf\xc3\xa9 \xe2\x98\x95"),
      .pos = {3, -9},
      .tags = {tags, 3},
      .tint = WASI_AOT_COMPOSE_SHAPES_COLOR_BLUE,
      .style = WASI_AOT_COMPOSE_SHAPES_SMALL_A | WASI_AOT_COMPOSE_SHAPES_SMALL_C,
      .weight = {true, 1.25f},
  };
  str_t suffix = S("-\xe2\x80\xa0");
  label_t r;
  wasi_aot_compose_shapes_relabel(&l, &suffix, &r);
  printf("relabel: ");
  put_label(&r);
  printf("\n");
  wasi_aot_compose_shapes_label_free(&r);

  label_t ls[3] = {
      l,
      {.text = S(""), .pos = {0, 0}, .tags = {NULL, 0}, .tint = 3, .style = 0, .weight = {false, 0}},
      {.text = S("zero"), .pos = {1, 1}, .tags = {tags + 1, 1}, .tint = 0, .style = 7, .weight = {true, 0}},
  };
  wasi_aot_compose_shapes_list_label_t lin = {ls, 3}, lout;
  wasi_aot_compose_shapes_relabel_all(&lin, &lout);
  for (size_t i = 0; i < lout.len; i++) {
    printf("relabel-all[%zu]: ", i);
    put_label(&lout.ptr[i]);
    printf("\n");
  }
  wasi_aot_compose_shapes_list_label_free(&lout);
}

// ---- variants, enums, options, results, flags, tuples ----------------------------------

static void check_variants(void) {
  shape_t shapes[] = {
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_CIRCLE, {.circle = 21.75}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_SQUARE, {.square = 4000000000u}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_RATIO, {.ratio = -0.125f}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_TEXT, {.text = S("\xce\xbb-calculus")}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_BIG, {.big = 0x8000000100000002ull}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_AT, {.at = {200, 60}}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_TINY, {.tiny = 255}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_TINY, {.tiny = 0}},
      {WASI_AOT_COMPOSE_SHAPES_SHAPE_EMPTY, {.tiny = 0}},
  };
  size_t n = sizeof shapes / sizeof shapes[0];
  for (size_t i = 0; i < n; i++) {
    shape_t r;
    wasi_aot_compose_shapes_grow(&shapes[i], &r);
    printf("grow ");
    put_shape(&shapes[i]);
    printf(": ");
    put_shape(&r);
    printf("\n");
    wasi_aot_compose_shapes_shape_free(&r);
  }
  wasi_aot_compose_shapes_list_shape_t in = {shapes, n}, out;
  wasi_aot_compose_shapes_grow_all(&in, &out);
  printf("grow-all:");
  for (size_t i = 0; i < out.len; i++) {
    printf(" ");
    put_shape(&out.ptr[i]);
  }
  printf("\n");
  wasi_aot_compose_shapes_list_shape_free(&out);

  printf("next-color:");
  for (int c = 0; c < 4; c++) printf(" %s", COLORS[wasi_aot_compose_shapes_next_color(c)]);
  printf("\n");
}

static void check_options_results(void) {
  str_t hay[] = {S("a"), S("\xc3\xa9t\xc3\xa9"), S(""), S("\xc3\xa9t\xc3\xa9"), S("z")};
  const char *needles[] = {"\xc3\xa9t\xc3\xa9", "", "z", "missing"};
  for (size_t i = 0; i < 4; i++) {
    app_list_string_t h = {hay, 5};
    str_t needle = S(needles[i]);
    uint32_t at;
    printf("find ");
    put_str(&needle);
    if (wasi_aot_compose_shapes_find(&h, &needle, &at)) printf(": some(%u)\n", at);
    else printf(": none\n");
  }

  struct { bool some; app_option_s16_t inner; const char *name; } cases[] = {
      {false, {false, 0}, "none"},
      {true, {false, 0}, "some(none)"},
      {true, {true, 21}, "some(some(21))"},
      {true, {true, -20000}, "some(some(-20000))"},
  };
  for (size_t i = 0; i < 4; i++) {
    app_option_s16_t r;
    bool some = wasi_aot_compose_shapes_maybe_double(cases[i].some ? &cases[i].inner : NULL, &r);
    printf("maybe-double %s: ", cases[i].name);
    if (!some) printf("none\n");
    else if (!r.is_some) printf("some(none)\n");
    else printf("some(some(%d))\n", r.val);
  }

  int32_t divs[][2] = {{7, 2}, {-7, 2}, {1, 0}, {INT32_MIN, -1}};
  for (size_t i = 0; i < 4; i++) {
    int32_t q;
    str_t err;
    printf("divide %d %d: ", divs[i][0], divs[i][1]);
    if (wasi_aot_compose_shapes_divide(divs[i][0], divs[i][1], &q, &err)) {
      printf("ok(%d)\n", q);
    } else {
      printf("err(");
      put_str(&err);
      printf(")\n");
      app_string_free(&err);
    }
  }

  const char *inputs[] = {"3,-4", "", "12", "x,1", ("\xe2\x88\x92" "1,2"), "-2147483648,2147483647"};
  for (size_t i = 0; i < 6; i++) {
    str_t s = S(inputs[i]);
    point_t p;
    wasi_aot_compose_shapes_parse_error_t e;
    printf("parse-point ");
    put_str(&s);
    if (wasi_aot_compose_shapes_parse_point(&s, &p, &e)) printf(": ok((%d,%d))\n", p.x, p.y);
    else printf(": err(%s)\n", e < 3 ? PARSE_ERRORS[e] : "?");
  }

  wasi_aot_compose_shapes_result_string_color_t rs[] = {
      {false, {.ok = S("fine")}},
      {false, {.ok = S("")}},
      {true, {.err = WASI_AOT_COMPOSE_SHAPES_COLOR_ULTRAVIOLET}},
  };
  const char *rnames[] = {"ok(\"fine\")", "ok(\"\")", "err(ultraviolet)"};
  for (size_t i = 0; i < 3; i++) {
    str_t err;
    printf("check %s: ", rnames[i]);
    if (wasi_aot_compose_shapes_check(&rs[i], &err)) {
      printf("ok\n");
    } else {
      printf("err(");
      put_str(&err);
      printf(")\n");
      app_string_free(&err);
    }
  }
}

static void check_flags_tuples(void) {
  printf("flip-small:");
  for (unsigned f = 0; f < 8; f += 3) printf(" %u->%u", f, wasi_aot_compose_shapes_flip_small(f));
  printf("\n");
  printf("flip-medium: 0x000->0x%03x 0x801->0x%03x 0xfff->0x%03x\n",
         wasi_aot_compose_shapes_flip_medium(0), wasi_aot_compose_shapes_flip_medium(0x801),
         wasi_aot_compose_shapes_flip_medium(0xfff));
  uint32_t perms[] = {0, 1, 0x80000000u, 0x0000ffffu, 0xdeadbeefu, 0xffffffffu};
  printf("flip-perms:");
  for (size_t i = 0; i < 6; i++) {
    printf(" %08x->%08x", perms[i], wasi_aot_compose_shapes_flip_perms(perms[i]));
  }
  printf("\n");

  app_tuple3_u8_string_char32_t t = {7, S("tuple\xe2\x86\x92"), 0x1D11E};
  app_tuple3_char32_string_u8_t r;
  wasi_aot_compose_shapes_swap(&t, &r);
  printf("swap: (U+%04X, ", r.f0);
  put_str(&r.f1);
  printf(", %u)\n", r.f2);
  app_tuple3_char32_string_u8_free(&r);
  app_string_free(&t.f1);

  str_t m = S("m\xc3\xbc");
  point_t n = {-1, 1};
  uint32_t rv = 42;
  str_t d;
  wasi_aot_compose_shapes_describe_all(255, -128, 65535, -32768, 4294967295u, INT32_MIN,
                                       UINT64_MAX, INT64_MIN, 3.25f, 3.141592653589793, 0x3BB,
                                       true, &m, &n, WASI_AOT_COMPOSE_SHAPES_COLOR_ULTRAVIOLET,
                                       WASI_AOT_COMPOSE_SHAPES_SMALL_B, 0x80000001u, &rv, &d);
  printf("describe-all: ");
  put_str(&d);
  printf("\n");
  app_string_free(&d);
  wasi_aot_compose_shapes_describe_all(0, 0, 0, 0, 0, 0, 0, 0, -0.0f, 1e-300, 0x1F600, false,
                                       &m, &n, WASI_AOT_COMPOSE_SHAPES_COLOR_RED, 0, 0, NULL, &d);
  printf("describe-all: ");
  put_str(&d);
  printf("\n");
  app_string_free(&d);
  app_string_free(&m);
}

// ---- resources -----------------------------------------------------------------------

static void live(const char *when) {
  app_tuple2_u32_u32_t r;
  wasi_aot_compose_shapes_live(&r);
  printf("live %s: %u alive, %u destroyed\n", when, r.f0, r.f1);
}

static void put_counter(const char *what, own_t c) {
  borrow_t b = wasi_aot_compose_shapes_borrow_counter(c);
  str_t name;
  wasi_aot_compose_shapes_method_counter_name(b, &name);
  printf("%s: name ", what);
  put_str(&name);
  printf(" peek %lld\n", (long long)wasi_aot_compose_shapes_peek(b));
  app_string_free(&name);
}

static void check_resources(void) {
  live("at start");
  str_t name = S("alpha");
  own_t alpha = wasi_aot_compose_shapes_constructor_counter(&name, 10);
  app_string_free(&name);
  borrow_t ab = wasi_aot_compose_shapes_borrow_counter(alpha);
  printf("alpha add 5: %lld\n", (long long)wasi_aot_compose_shapes_method_counter_add(ab, 5));
  printf("alpha add -20: %lld\n", (long long)wasi_aot_compose_shapes_method_counter_add(ab, -20));
  label_t l;
  wasi_aot_compose_shapes_method_counter_describe(ab, &l);
  printf("alpha describe: ");
  put_label(&l);
  printf("\n");
  wasi_aot_compose_shapes_label_free(&l);
  put_counter("alpha", alpha);

  name = S("\xce\xb2\xc3\xaata");
  own_t beta = wasi_aot_compose_shapes_make_counter(&name, 1LL << 40);
  app_string_free(&name);
  put_counter("beta", beta);
  borrow_t bb = wasi_aot_compose_shapes_borrow_counter(beta);
  wasi_aot_compose_shapes_method_counter_describe(bb, &l);
  printf("beta describe: ");
  put_label(&l);
  printf("\n");
  wasi_aot_compose_shapes_label_free(&l);

  name = S("merged");
  own_t merged = wasi_aot_compose_shapes_static_counter_merge(ab, bb, &name);
  app_string_free(&name);
  put_counter("merged", merged);
  live("after three");

  str_t names[] = {S("x"), S("\xe2\x88\x80y"), S("z")};
  app_list_string_t nl = {names, 3};
  wasi_aot_compose_shapes_list_own_counter_t many;
  wasi_aot_compose_shapes_make_counters(&nl, &many);
  printf("make-counters: %zu\n", many.len);
  for (size_t i = 0; i < many.len; i++) {
    char what[32];
    snprintf(what, sizeof what, "many[%zu]", i);
    put_counter(what, many.ptr[i]);
  }
  for (size_t i = 0; i < 3; i++) app_string_free(&names[i]);
  live("after make-counters");

  borrow_t all[6] = {ab, bb, wasi_aot_compose_shapes_borrow_counter(merged)};
  for (size_t i = 0; i < many.len; i++) all[3 + i] = wasi_aot_compose_shapes_borrow_counter(many.ptr[i]);
  wasi_aot_compose_shapes_list_borrow_counter_t bl = {all, 6};
  printf("total of 6: %lld\n", (long long)wasi_aot_compose_shapes_total(&bl));

  // beta goes to the library as own: it is destroyed there, during the call.
  str_t said;
  wasi_aot_compose_shapes_consume(beta, &said);
  printf("consume beta: ");
  put_str(&said);
  printf("\n");
  app_string_free(&said);
  live("after consume");

  // many[1] goes there and comes back inside a record, then alone.
  str_t note = S("note for ");
  wasi_aot_compose_shapes_named_counter_t nc;
  wasi_aot_compose_shapes_wrap(many.ptr[1], &note, &nc);
  app_string_free(&note);
  printf("wrap: note ");
  put_str(&nc.note);
  printf("\n");
  put_counter("wrapped", nc.counter);
  own_t back = wasi_aot_compose_shapes_unwrap(&nc);
  app_string_free(&nc.note);
  put_counter("unwrapped", back);
  live("after wrap and unwrap");

  // Dropped here: the library's destructor runs.
  printf("drop alpha\n");
  wasi_aot_compose_shapes_counter_drop_own(alpha);
  live("after dropping alpha");
  printf("drop merged, many[0], many[2], unwrapped\n");
  wasi_aot_compose_shapes_counter_drop_own(merged);
  wasi_aot_compose_shapes_counter_drop_own(many.ptr[0]);
  wasi_aot_compose_shapes_counter_drop_own(many.ptr[2]);
  wasi_aot_compose_shapes_counter_drop_own(back);
  free(many.ptr);
  live("at end");
}

bool exports_wasi_cli_run_run(void) {
  // Unbuffered, so the library's lines (through its own adapter) interleave in order.
  setvbuf(stdout, NULL, _IONBF, 0);
  check_reverse("ascii", "hello, world");
  check_reverse("empty", "");
  check_reverse("utf-8", "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9d\x84\x9e!");
  check_reverse_long("ascii 20000", "abcdefghij", 2000, 10);
  check_reverse_long("mixed 12000", "a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 3000, 4);
  check_shout();
  check_lists();
  check_records();
  check_variants();
  check_options_results();
  check_flags_tuples();
  check_resources();
  printf("done\n");
  return true;
}
