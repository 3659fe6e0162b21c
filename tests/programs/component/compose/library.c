// The library half of compose_app.wasm: exports wasi-aot:compose/shapes (wit/world.wit,
// world `library`) with UTF-16 strings (bindings generated with --string-encoding utf16),
// so every string from and to the UTF-8 app is transcoded by the canonical ABI. Each
// function returns something derived from all of its arguments, so the app's output shows
// that they arrived intact. Arguments are owned by the callee (freed here); results are
// freed by the generated post-return functions.
//
// `counter` is a resource defined here: its destructor prints a line (through libc and the
// reactor adapter, to the same wasi:cli/stdout as the app) and counts, and `live` reports
// the counts, so when a handle is dropped, and by whom, shows in the output.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings/library.h"

typedef library_string_t str_t;
typedef exports_wasi_aot_compose_shapes_label_t label_t;
typedef exports_wasi_aot_compose_shapes_shape_t shape_t;
typedef exports_wasi_aot_compose_shapes_point_t point_t;
typedef exports_wasi_aot_compose_shapes_own_counter_t own_counter_t;
typedef exports_wasi_aot_compose_shapes_borrow_counter_t borrow_counter_t;

struct exports_wasi_aot_compose_shapes_counter_t {
  str_t name;
  int64_t value;
};
typedef struct exports_wasi_aot_compose_shapes_counter_t counter_t;

static uint32_t created, destroyed;

// ---- UTF-16 helpers ------------------------------------------------------------------

static str_t str_alloc(size_t len) {
  str_t s = {len ? malloc(len * 2) : NULL, len};
  return s;
}

static str_t str_copy(const str_t *from) {
  str_t s = str_alloc(from->len);
  if (from->len) memcpy(s.ptr, from->ptr, from->len * 2);
  return s;
}

static str_t str_concat(const str_t *a, const str_t *b) {
  str_t s = str_alloc(a->len + b->len);
  if (a->len) memcpy(s.ptr, a->ptr, a->len * 2);
  if (b->len) memcpy(s.ptr + a->len, b->ptr, b->len * 2);
  return s;
}

// An ASCII C string as UTF-16.
static str_t str_ascii(const char *c) {
  size_t len = strlen(c);
  str_t s = str_alloc(len);
  for (size_t i = 0; i < len; i++) s.ptr[i] = (unsigned char)c[i];
  return s;
}

static void str_push_char(str_t *s, uint32_t ch) {
  size_t add = ch >= 0x10000 ? 2 : 1;
  s->ptr = realloc(s->ptr, (s->len + add) * 2);
  if (ch >= 0x10000) {
    ch -= 0x10000;
    s->ptr[s->len++] = 0xD800 + (ch >> 10);
    s->ptr[s->len++] = 0xDC00 + (ch & 0x3FF);
  } else {
    s->ptr[s->len++] = ch;
  }
}

static void str_append(str_t *s, const str_t *t) {
  if (!t->len) return;
  s->ptr = realloc(s->ptr, (s->len + t->len) * 2);
  memcpy(s->ptr + s->len, t->ptr, t->len * 2);
  s->len += t->len;
}

static void str_append_ascii(str_t *s, const char *c) {
  str_t t = str_ascii(c);
  str_append(s, &t);
  library_string_free(&t);
}

static bool str_eq(const str_t *a, const str_t *b) {
  return a->len == b->len && (a->len == 0 || !memcmp(a->ptr, b->ptr, a->len * 2));
}

// For printing: the string as UTF-8 (the caller frees it).
static char *str_utf8(const str_t *s) {
  char *out = malloc(s->len * 3 + 1), *o = out;
  for (size_t i = 0; i < s->len; i++) {
    uint32_t c = s->ptr[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < s->len) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s->ptr[++i] - 0xDC00);
    }
    if (c < 0x80) {
      *o++ = c;
    } else if (c < 0x800) {
      *o++ = 0xC0 | c >> 6;
      *o++ = 0x80 | (c & 0x3F);
    } else if (c < 0x10000) {
      *o++ = 0xE0 | c >> 12;
      *o++ = 0x80 | ((c >> 6) & 0x3F);
      *o++ = 0x80 | (c & 0x3F);
    } else {
      *o++ = 0xF0 | c >> 18;
      *o++ = 0x80 | ((c >> 12) & 0x3F);
      *o++ = 0x80 | ((c >> 6) & 0x3F);
      *o++ = 0x80 | (c & 0x3F);
    }
  }
  *o = 0;
  return out;
}

static void lib_print(const char *what, const str_t *s, int64_t value) {
  char *u = str_utf8(s);
  printf("library: %s %s (%lld)\n", what, u, (long long)value);
  fflush(stdout);
  free(u);
}

// ---- strings and lists -----------------------------------------------------------------

// Reverses by code point (a surrogate pair stays in order).
void exports_wasi_aot_compose_shapes_reverse(str_t *s, str_t *ret) {
  *ret = str_alloc(s->len);
  size_t o = s->len;
  for (size_t i = 0; i < s->len; i++) {
    uint16_t c = s->ptr[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < s->len) {
      o -= 2;
      ret->ptr[o] = c;
      ret->ptr[o + 1] = s->ptr[++i];
    } else {
      ret->ptr[--o] = c;
    }
  }
  library_string_free(s);
}

// Upper-cases ASCII letters, keeps everything else, and appends "!" (U+01C3 for words
// that are not pure ASCII, so that a result needs more UTF-8 bytes than it had).
void exports_wasi_aot_compose_shapes_shout(library_list_string_t *words,
                                           library_list_string_t *ret) {
  ret->len = words->len;
  ret->ptr = words->len ? malloc(words->len * sizeof(str_t)) : NULL;
  for (size_t i = 0; i < words->len; i++) {
    str_t w = str_copy(&words->ptr[i]);
    bool ascii = true;
    for (size_t j = 0; j < w.len; j++) {
      if (w.ptr[j] >= 'a' && w.ptr[j] <= 'z') w.ptr[j] -= 32;
      if (w.ptr[j] >= 0x80) ascii = false;
    }
    str_push_char(&w, ascii ? '!' : 0x01C3);
    ret->ptr[i] = w;
  }
  library_list_string_free(words);
}

void exports_wasi_aot_compose_shapes_reverse_ints(library_list_s32_t *xs,
                                                  library_list_s32_t *ret) {
  ret->len = xs->len;
  ret->ptr = xs->len ? malloc(xs->len * 4) : NULL;
  for (size_t i = 0; i < xs->len; i++) ret->ptr[i] = xs->ptr[xs->len - 1 - i];
  library_list_s32_free(xs);
}

uint64_t exports_wasi_aot_compose_shapes_sum_bytes(library_list_u8_t *bytes) {
  uint64_t sum = 0;
  for (size_t i = 0; i < bytes->len; i++) sum = sum * 31 + bytes->ptr[i];
  library_list_u8_free(bytes);
  return sum;
}

void exports_wasi_aot_compose_shapes_shift(exports_wasi_aot_compose_shapes_list_point_t *points,
                                           int32_t dx, int32_t dy,
                                           exports_wasi_aot_compose_shapes_list_point_t *ret) {
  ret->len = points->len;
  ret->ptr = points->len ? malloc(points->len * sizeof(point_t)) : NULL;
  for (size_t i = 0; i < points->len; i++) {
    ret->ptr[i].x = points->ptr[i].x + dx;
    ret->ptr[i].y = points->ptr[i].y + dy;
  }
  exports_wasi_aot_compose_shapes_list_point_free(points);
}

static void relabel_into(const label_t *l, const str_t *suffix, label_t *ret) {
  ret->text = str_concat(&l->text, suffix);
  ret->pos.x = l->pos.x + 1;
  ret->pos.y = -l->pos.y;
  ret->tags.len = l->tags.len + 1;
  ret->tags.ptr = malloc(ret->tags.len * sizeof(str_t));
  for (size_t i = 0; i < l->tags.len; i++) {
    ret->tags.ptr[l->tags.len - 1 - i] = str_copy(&l->tags.ptr[i]);
  }
  ret->tags.ptr[l->tags.len] = str_copy(suffix);
  ret->tint = (l->tint + 1) % 4;
  ret->style = ~l->style & 7;
  // some(w) -> some(2w), but some(0) -> none; none -> some(length of the text / 4).
  ret->weight.is_some = !l->weight.is_some || l->weight.val != 0;
  ret->weight.val = l->weight.is_some ? l->weight.val * 2 : (float)l->text.len / 4;
}

void exports_wasi_aot_compose_shapes_relabel(label_t *l, str_t *suffix, label_t *ret) {
  relabel_into(l, suffix, ret);
  exports_wasi_aot_compose_shapes_label_free(l);
  library_string_free(suffix);
}

void exports_wasi_aot_compose_shapes_relabel_all(exports_wasi_aot_compose_shapes_list_label_t *ls,
                                                 exports_wasi_aot_compose_shapes_list_label_t *ret) {
  str_t suffix = str_ascii("#");
  ret->len = ls->len;
  ret->ptr = ls->len ? malloc(ls->len * sizeof(label_t)) : NULL;
  for (size_t i = 0; i < ls->len; i++) {
    suffix.ptr[0] = '0' + i % 10;
    relabel_into(&ls->ptr[i], &suffix, &ret->ptr[ls->len - 1 - i]);
  }
  library_string_free(&suffix);
  exports_wasi_aot_compose_shapes_list_label_free(ls);
}

// ---- variants, enums, options, results, flags, tuples ----------------------------------

// Each case becomes the next one, with a payload derived from the old one.
static void grow_into(const shape_t *s, shape_t *ret) {
  switch (s->tag) {
    case EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_CIRCLE:
      ret->tag = EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_SQUARE;
      ret->val.square = (uint32_t)(s->val.circle * 2);
      break;
    case EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_SQUARE:
      ret->tag = EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_RATIO;
      ret->val.ratio = (float)s->val.square / 8;
      break;
    case EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_RATIO: {
      ret->tag = EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_TEXT;
      char buf[64];
      ret->val.text = str_ascii("ratio ");
      snprintf(buf, sizeof buf, "%.3f ", (double)s->val.ratio);
      str_append_ascii(&ret->val.text, buf);
      str_push_char(&ret->val.text, 0x2192);  // an arrow
      break;
    }
    case EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_TEXT: {
      ret->tag = EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_BIG;
      uint64_t h = 0xcbf29ce484222325ull;
      for (size_t i = 0; i < s->val.text.len; i++) h = (h ^ s->val.text.ptr[i]) * 0x100000001b3ull;
      ret->val.big = h;
      break;
    }
    case EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_BIG:
      ret->tag = EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_AT;
      ret->val.at.x = (int32_t)(s->val.big >> 32);
      ret->val.at.y = (int32_t)s->val.big;
      break;
    case EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_AT:
      ret->tag = EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_TINY;
      ret->val.tiny = (uint8_t)(s->val.at.x + s->val.at.y);
      break;
    case EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_TINY:
      ret->tag = s->val.tiny == 0 ? EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_EMPTY
                                  : EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_CIRCLE;
      ret->val.circle = s->val.tiny + 0.25;
      break;
    default:
      ret->tag = EXPORTS_WASI_AOT_COMPOSE_SHAPES_SHAPE_CIRCLE;
      ret->val.circle = -1.5e300;
      break;
  }
}

void exports_wasi_aot_compose_shapes_grow(shape_t *s, shape_t *ret) {
  grow_into(s, ret);
  exports_wasi_aot_compose_shapes_shape_free(s);
}

void exports_wasi_aot_compose_shapes_grow_all(exports_wasi_aot_compose_shapes_list_shape_t *ss,
                                              exports_wasi_aot_compose_shapes_list_shape_t *ret) {
  ret->len = ss->len;
  ret->ptr = ss->len ? malloc(ss->len * sizeof(shape_t)) : NULL;
  for (size_t i = 0; i < ss->len; i++) grow_into(&ss->ptr[i], &ret->ptr[i]);
  exports_wasi_aot_compose_shapes_list_shape_free(ss);
}

exports_wasi_aot_compose_shapes_color_t exports_wasi_aot_compose_shapes_next_color(
    exports_wasi_aot_compose_shapes_color_t c) {
  return (c + 1) % 4;
}

bool exports_wasi_aot_compose_shapes_find(library_list_string_t *haystack, str_t *needle,
                                          uint32_t *ret) {
  bool found = false;
  for (size_t i = 0; i < haystack->len && !found; i++) {
    if (str_eq(&haystack->ptr[i], needle)) {
      *ret = i;
      found = true;
    }
  }
  library_list_string_free(haystack);
  library_string_free(needle);
  return found;
}

// none -> some(none), some(none) -> none, some(some(x)) -> some(some(2x)).
bool exports_wasi_aot_compose_shapes_maybe_double(library_option_s16_t *maybe_x,
                                                  library_option_s16_t *ret) {
  if (!maybe_x) {
    ret->is_some = false;
    return true;
  }
  if (!maybe_x->is_some) return false;
  ret->is_some = true;
  ret->val = (int16_t)(maybe_x->val * 2);
  return true;
}

bool exports_wasi_aot_compose_shapes_divide(int32_t a, int32_t b, int32_t *ret, str_t *err) {
  if (b == 0 || (a == INT32_MIN && b == -1)) {
    char buf[64];
    snprintf(buf, sizeof buf, "cannot divide %d by %d ", a, b);
    *err = str_ascii(buf);
    str_push_char(err, 0x1F6AB);  // a "no entry" sign, outside the BMP
    return false;
  }
  *ret = a / b;
  return true;
}

static bool parse_int(const uint16_t *p, size_t len, int32_t *out) {
  if (len == 0) return false;
  size_t i = 0;
  bool neg = p[0] == '-';
  if (neg) i++;
  if (i == len) return false;
  int64_t v = 0;
  for (; i < len; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    v = v * 10 + (p[i] - '0');
  }
  *out = (int32_t)(neg ? -v : v);
  return true;
}

bool exports_wasi_aot_compose_shapes_parse_point(str_t *s, point_t *ret,
                                                 exports_wasi_aot_compose_shapes_parse_error_t *err) {
  bool ok = false;
  size_t comma = 0;
  while (comma < s->len && s->ptr[comma] != ',') comma++;
  if (s->len == 0) {
    *err = EXPORTS_WASI_AOT_COMPOSE_SHAPES_PARSE_ERROR_EMPTY;
  } else if (comma == s->len) {
    *err = EXPORTS_WASI_AOT_COMPOSE_SHAPES_PARSE_ERROR_MISSING_COMMA;
  } else if (!parse_int(s->ptr, comma, &ret->x) ||
             !parse_int(s->ptr + comma + 1, s->len - comma - 1, &ret->y)) {
    *err = EXPORTS_WASI_AOT_COMPOSE_SHAPES_PARSE_ERROR_BAD_NUMBER;
  } else {
    ok = true;
  }
  library_string_free(s);
  return ok;
}

// ok(text) is fine unless text is empty; err(color) becomes a message naming the color.
bool exports_wasi_aot_compose_shapes_check(exports_wasi_aot_compose_shapes_result_string_color_t *r,
                                           str_t *err) {
  static const char *const NAMES[] = {"red", "green", "blue", "ultraviolet"};
  bool ok;
  if (!r->is_err) {
    ok = r->val.ok.len != 0;
    if (!ok) *err = str_ascii("empty text");
  } else {
    ok = false;
    *err = str_ascii("bad color: ");
    str_append_ascii(err, r->val.err < 4 ? NAMES[r->val.err] : "?");
  }
  exports_wasi_aot_compose_shapes_result_string_color_free(r);
  return ok;
}

exports_wasi_aot_compose_shapes_small_t exports_wasi_aot_compose_shapes_flip_small(
    exports_wasi_aot_compose_shapes_small_t f) {
  return ~f & 7;
}

exports_wasi_aot_compose_shapes_medium_t exports_wasi_aot_compose_shapes_flip_medium(
    exports_wasi_aot_compose_shapes_medium_t f) {
  return ~f & 0xFFF;
}

// Reverses the order of the 32 flags.
exports_wasi_aot_compose_shapes_perms_t exports_wasi_aot_compose_shapes_flip_perms(
    exports_wasi_aot_compose_shapes_perms_t f) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i++) {
    if (f & (1u << i)) r |= 1u << (31 - i);
  }
  return r;
}

void exports_wasi_aot_compose_shapes_swap(library_tuple3_u8_string_char32_t *t,
                                          library_tuple3_char32_string_u8_t *ret) {
  ret->f0 = t->f2 + 1;
  ret->f1 = str_copy(&t->f1);
  str_push_char(&ret->f1, t->f2);
  ret->f2 = t->f0 ^ 0xFF;
  library_tuple3_u8_string_char32_free(t);
}

void exports_wasi_aot_compose_shapes_describe_all(
    uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g, int64_t h,
    float i, double j, uint32_t k, bool l, str_t *m, point_t *n,
    exports_wasi_aot_compose_shapes_color_t o, exports_wasi_aot_compose_shapes_small_t p,
    exports_wasi_aot_compose_shapes_perms_t q, uint32_t *maybe_r, str_t *ret) {
  char buf[512];
  char rbuf[16] = "none";
  if (maybe_r) snprintf(rbuf, sizeof rbuf, "%u", *maybe_r);
  snprintf(buf, sizeof buf,
           "a=%u b=%d c=%u d=%d e=%u f=%d g=%llu h=%lld i=%.9g j=%.17g k=U+%04X l=%d "
           "n=(%d,%d) o=%u p=%u q=%08x r=%s m=",
           a, b, c, d, e, f, (unsigned long long)g, (long long)h, (double)i, j, k, l, n->x,
           n->y, o, p, q, rbuf);
  *ret = str_ascii(buf);
  str_append(ret, m);
  str_append_ascii(ret, " k=");
  str_push_char(ret, k);
  library_string_free(m);
}

// ---- resources -----------------------------------------------------------------------

static own_counter_t counter_new(str_t name, int64_t start) {
  counter_t *c = malloc(sizeof *c);
  c->name = name;
  c->value = start;
  created++;
  return exports_wasi_aot_compose_shapes_counter_new(c);
}

void exports_wasi_aot_compose_shapes_counter_destructor(counter_t *c) {
  destroyed++;
  lib_print("destroy counter", &c->name, c->value);
  library_string_free(&c->name);
  free(c);
}

own_counter_t exports_wasi_aot_compose_shapes_constructor_counter(str_t *name, int64_t start) {
  return counter_new(*name, start);  // takes over the argument
}

void exports_wasi_aot_compose_shapes_method_counter_name(borrow_counter_t self, str_t *ret) {
  *ret = str_copy(&self->name);
}

int64_t exports_wasi_aot_compose_shapes_method_counter_add(borrow_counter_t self, int64_t delta) {
  self->value += delta;
  return self->value;
}

void exports_wasi_aot_compose_shapes_method_counter_describe(borrow_counter_t self, label_t *ret) {
  char buf[32];
  ret->text = str_copy(&self->name);
  ret->pos.x = (int32_t)self->value;
  ret->pos.y = (int32_t)(self->value >> 32);
  ret->tags.len = 2;
  ret->tags.ptr = malloc(2 * sizeof(str_t));
  snprintf(buf, sizeof buf, "value=%lld", (long long)self->value);
  ret->tags.ptr[0] = str_ascii(buf);
  ret->tags.ptr[1] = str_ascii(self->value < 0 ? "negative" : "non-negative");
  ret->tint = (uint8_t)(self->value & 3);
  ret->style = (uint8_t)(self->name.len & 7);
  ret->weight.is_some = self->value != 0;
  ret->weight.val = (float)self->value / 2;
}

own_counter_t exports_wasi_aot_compose_shapes_static_counter_merge(borrow_counter_t a,
                                                                   borrow_counter_t b,
                                                                   str_t *name) {
  return counter_new(*name, a->value + b->value);
}

own_counter_t exports_wasi_aot_compose_shapes_make_counter(str_t *name, int64_t start) {
  return counter_new(*name, start);
}

void exports_wasi_aot_compose_shapes_make_counters(library_list_string_t *names,
                                                   exports_wasi_aot_compose_shapes_list_own_counter_t *ret) {
  ret->len = names->len;
  ret->ptr = names->len ? malloc(names->len * sizeof(own_counter_t)) : NULL;
  for (size_t i = 0; i < names->len; i++) {
    ret->ptr[i] = counter_new(names->ptr[i], (int64_t)i * 100);
  }
  free(names->ptr);  // the strings now belong to the counters
}

int64_t exports_wasi_aot_compose_shapes_peek(borrow_counter_t c) { return c->value; }

int64_t exports_wasi_aot_compose_shapes_total(exports_wasi_aot_compose_shapes_list_borrow_counter_t *cs) {
  int64_t sum = 0;
  for (size_t i = 0; i < cs->len; i++) sum += cs->ptr[i]->value;
  free(cs->ptr);
  return sum;
}

// Takes the counter over and drops it (which runs its destructor) before returning.
void exports_wasi_aot_compose_shapes_consume(own_counter_t c, str_t *ret) {
  counter_t *rep = exports_wasi_aot_compose_shapes_counter_rep(c);
  char buf[48];
  snprintf(buf, sizeof buf, " was %lld", (long long)rep->value);
  *ret = str_copy(&rep->name);
  str_append_ascii(ret, buf);
  lib_print("consume counter", &rep->name, rep->value);
  exports_wasi_aot_compose_shapes_counter_drop_own(c);
}

void exports_wasi_aot_compose_shapes_wrap(own_counter_t c, str_t *note,
                                          exports_wasi_aot_compose_shapes_named_counter_t *ret) {
  counter_t *rep = exports_wasi_aot_compose_shapes_counter_rep(c);
  rep->value += 1;
  ret->note = str_concat(note, &rep->name);
  ret->counter = c;  // passed on as it came
  library_string_free(note);
}

own_counter_t exports_wasi_aot_compose_shapes_unwrap(exports_wasi_aot_compose_shapes_named_counter_t *n) {
  counter_t *rep = exports_wasi_aot_compose_shapes_counter_rep(n->counter);
  rep->value += (int64_t)n->note.len;
  library_string_free(&n->note);
  return n->counter;
}

void exports_wasi_aot_compose_shapes_live(library_tuple2_u32_u32_t *ret) {
  ret->f0 = created - destroyed;
  ret->f1 = destroyed;
}
