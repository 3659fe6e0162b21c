// A wasi:http/proxy component the server tests drive (tests/servers.rs), one route per
// behaviour:
//   /            200 "hello from wasi-aot\n" (the benchmark's hello world)
//   /echo        the request body streamed back, with x-method and x-length headers
//   /headers     the request's path with query and its x-test header values, one per line
//   /status/NNN  an empty response with status NNN
//   /big         1 MiB of a repeating pattern, written 4096 bytes at a time
//   /slow        "slow done\n" after 300 ms, having printed "slow: started" on stdout
//                (concurrency, and graceful shutdown: the harness waits for the line)
//   /trap        traps (the server answers 500 and keeps serving)
//   /error       sets the outparam to an error (500)
//   /noanswer    returns without setting the outparam (500)
//   /fresh       "fresh\n" if this instance's memory is as instantiated (else 500 and
//                what is stale): its size, its data, its zeroed static data and 2 MiB
//                from malloc (which grows the memory) are checked, then all of them are
//                dirtied for whatever instance comes next
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindings/proxy_guest.h"

typedef wasi_http_types_own_response_outparam_t outparam_t;

static int starts_with(const proxy_guest_string_t *s, const char *prefix) {
  size_t n = strlen(prefix);
  return s->len >= n && memcmp(s->ptr, prefix, n) == 0;
}

static int equals(const proxy_guest_string_t *s, const char *text) {
  return s->len == strlen(text) && memcmp(s->ptr, text, s->len) == 0;
}

static void add_header(wasi_http_types_borrow_fields_t fields, const char *name,
                       const uint8_t *value, size_t len) {
  wasi_http_types_field_name_t n;
  proxy_guest_string_set(&n, name);
  wasi_http_types_field_value_t v = {(uint8_t *)value, len};
  wasi_http_types_header_error_t err;
  if (!wasi_http_types_method_fields_append(fields, &n, &v, &err)) abort();
}

static void add_number_header(wasi_http_types_borrow_fields_t fields, const char *name,
                              uint64_t value) {
  char digits[24];
  int i = sizeof digits;
  do {
    digits[--i] = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0);
  add_header(fields, name, (const uint8_t *)digits + i, sizeof digits - i);
}

// Writes `len` bytes, at most 4096 per blocking-write-and-flush (its limit).
static void write_all(wasi_io_streams_borrow_output_stream_t out, const uint8_t *data,
                      size_t len) {
  while (len > 0) {
    size_t n = len > 4096 ? 4096 : len;
    proxy_guest_list_u8_t chunk = {(uint8_t *)data, n};
    wasi_io_streams_stream_error_t err;
    if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(out, &chunk, &err)) abort();
    data += n;
    len -= n;
  }
}

// A response with `status` and the headers in `headers` (consumed), handed to `out`; its
// body and the body's stream come back for writing.
static void start_response(outparam_t out, wasi_http_types_own_fields_t headers, uint16_t status,
                           wasi_http_types_own_outgoing_body_t *body,
                           wasi_io_streams_own_output_stream_t *stream) {
  wasi_http_types_own_outgoing_response_t response =
      wasi_http_types_constructor_outgoing_response(headers);
  wasi_http_types_borrow_outgoing_response_t r =
      wasi_http_types_borrow_outgoing_response(response);
  if (!wasi_http_types_method_outgoing_response_set_status_code(r, status)) abort();
  if (!wasi_http_types_method_outgoing_response_body(r, body)) abort();
  if (!wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(*body),
                                                   stream))
    abort();
  wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
  result.val.ok = response;
  wasi_http_types_static_response_outparam_set(out, &result);
}

static void finish(wasi_http_types_own_outgoing_body_t body,
                   wasi_io_streams_own_output_stream_t stream) {
  wasi_io_streams_output_stream_drop_own(stream);
  wasi_http_types_error_code_t err;
  if (!wasi_http_types_static_outgoing_body_finish(body, NULL, &err)) abort();
}

static void respond(outparam_t out, uint16_t status, const char *text) {
  wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
  static const char plain[] = "text/plain";
  add_header(wasi_http_types_borrow_fields(headers), "content-type", (const uint8_t *)plain,
             sizeof plain - 1);
  wasi_http_types_own_outgoing_body_t body;
  wasi_io_streams_own_output_stream_t stream;
  start_response(out, headers, status, &body, &stream);
  write_all(wasi_io_streams_borrow_output_stream(stream), (const uint8_t *)text, strlen(text));
  finish(body, stream);
}

static const char *method_name(const wasi_http_types_method_t *m) {
  static const char *names[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                "CONNECT", "OPTIONS", "TRACE", "PATCH", "OTHER"};
  return names[m->tag];
}

static void echo(wasi_http_types_borrow_incoming_request_t req, outparam_t out) {
  wasi_http_types_method_t method;
  wasi_http_types_method_incoming_request_method(req, &method);
  wasi_http_types_own_incoming_body_t in_body;
  if (!wasi_http_types_method_incoming_request_consume(req, &in_body)) abort();
  wasi_io_streams_own_input_stream_t in;
  if (!wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(in_body),
                                                   &in))
    abort();
  // Read it all first, so the response can say how long it was.
  uint8_t *data = NULL;
  size_t len = 0;
  for (;;) {
    proxy_guest_list_u8_t chunk;
    wasi_io_streams_stream_error_t err;
    if (!wasi_io_streams_method_input_stream_blocking_read(
            wasi_io_streams_borrow_input_stream(in), 65536, &chunk, &err))
      break;  // closed: the body is complete
    data = realloc(data, len + chunk.len);
    memcpy(data + len, chunk.ptr, chunk.len);
    len += chunk.len;
    proxy_guest_list_u8_free(&chunk);
  }
  wasi_io_streams_input_stream_drop_own(in);
  wasi_http_types_incoming_body_drop_own(in_body);
  wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
  const char *name = method_name(&method);
  add_header(wasi_http_types_borrow_fields(headers), "x-method", (const uint8_t *)name,
             strlen(name));
  add_number_header(wasi_http_types_borrow_fields(headers), "x-length", len);
  wasi_http_types_own_outgoing_body_t body;
  wasi_io_streams_own_output_stream_t stream;
  start_response(out, headers, 200, &body, &stream);
  write_all(wasi_io_streams_borrow_output_stream(stream), data, len);
  finish(body, stream);
  free(data);
}

static void headers(wasi_http_types_borrow_incoming_request_t req,
                    const proxy_guest_string_t *path, outparam_t out) {
  wasi_http_types_own_headers_t fields = wasi_http_types_method_incoming_request_headers(req);
  wasi_http_types_field_name_t name;
  proxy_guest_string_set(&name, "x-test");
  wasi_http_types_list_field_value_t values;
  wasi_http_types_method_fields_get(wasi_http_types_borrow_fields(fields), &name, &values);
  size_t cap = path->len + 2;
  for (size_t i = 0; i < values.len; i++) cap += values.ptr[i].len + 1;
  char *text = malloc(cap);
  size_t n = 0;
  memcpy(text, path->ptr, path->len);
  n += path->len;
  text[n++] = '\n';
  for (size_t i = 0; i < values.len; i++) {
    memcpy(text + n, values.ptr[i].ptr, values.ptr[i].len);
    n += values.ptr[i].len;
    text[n++] = '\n';
  }
  text[n] = 0;
  wasi_http_types_list_field_value_free(&values);
  wasi_http_types_fields_drop_own(fields);
  respond(out, 200, text);
  free(text);
}

static void big(outparam_t out) {
  static uint8_t block[4096];
  for (size_t i = 0; i < sizeof block; i++) block[i] = (uint8_t)('a' + i % 26);
  wasi_http_types_own_outgoing_body_t body;
  wasi_io_streams_own_output_stream_t stream;
  start_response(out, wasi_http_types_constructor_fields(), 200, &body, &stream);
  for (int i = 0; i < 256; i++)
    write_all(wasi_io_streams_borrow_output_stream(stream), block, sizeof block);
  finish(body, stream);
}

static char greeting[] = "initial contents";
static uint32_t counter;
static uint8_t zeroed[3 * 4096 + 100];

// Each request has a fresh instance: what an earlier request wrote must not show.
static void fresh(outparam_t out) {
  // An instance that an earlier request grew by 2 MiB would have 34 pages or more.
  int size_ok = __builtin_wasm_memory_size(0) < 32;
  int data_ok = strcmp(greeting, "initial contents") == 0 && counter == 0;
  int bss_ok = 1;
  for (size_t i = 0; i < sizeof zeroed; i++) bss_ok &= zeroed[i] == 0;
  size_t big = 2 << 20;
  uint8_t *heap = malloc(big);
  if (heap == NULL) abort();
  int heap_ok = 1;
  for (size_t i = 4096; i < big; i += 512) heap_ok &= heap[i] == 0;
  memset(heap, 0xa5, big);
  memset(zeroed, 0x5a, sizeof zeroed);
  strcpy(greeting, "dirtied");
  counter++;
  const char *answer = !size_ok   ? "stale size\n"
                       : !data_ok ? "stale data\n"
                       : !bss_ok  ? "stale bss\n"
                       : !heap_ok ? "stale heap\n"
                                  : "fresh\n";
  respond(out, answer[0] == 'f' ? 200 : 500, answer);
}

static void slow(outparam_t out) {
  static const char started[] = "slow: started\n";
  wasi_cli_stdout_own_output_stream_t stdout_stream = wasi_cli_stdout_get_stdout();
  write_all(wasi_io_streams_borrow_output_stream(stdout_stream), (const uint8_t *)started,
            sizeof started - 1);
  wasi_io_streams_output_stream_drop_own(stdout_stream);
  wasi_io_poll_own_pollable_t timer = wasi_clocks_monotonic_clock_subscribe_duration(300000000);
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(timer));
  wasi_io_poll_pollable_drop_own(timer);
  respond(out, 200, "slow done\n");
}

void exports_wasi_http_incoming_handler_handle(
    exports_wasi_http_incoming_handler_own_incoming_request_t request, outparam_t out) {
  wasi_http_types_borrow_incoming_request_t req = wasi_http_types_borrow_incoming_request(request);
  proxy_guest_string_t path;
  if (!wasi_http_types_method_incoming_request_path_with_query(req, &path)) abort();
  if (equals(&path, "/")) {
    respond(out, 200, "hello from wasi-aot\n");
  } else if (equals(&path, "/echo")) {
    echo(req, out);
  } else if (starts_with(&path, "/headers")) {
    headers(req, &path, out);
  } else if (starts_with(&path, "/status/") && path.len == 11) {
    uint16_t status = (uint16_t)((path.ptr[8] - '0') * 100 + (path.ptr[9] - '0') * 10 +
                                 (path.ptr[10] - '0'));
    wasi_http_types_own_outgoing_body_t body;
    wasi_io_streams_own_output_stream_t stream;
    start_response(out, wasi_http_types_constructor_fields(), status, &body, &stream);
    finish(body, stream);
  } else if (equals(&path, "/big")) {
    big(out);
  } else if (equals(&path, "/fresh")) {
    fresh(out);
  } else if (equals(&path, "/slow")) {
    slow(out);
  } else if (equals(&path, "/trap")) {
    __builtin_trap();
  } else if (equals(&path, "/error")) {
    wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = true};
    result.val.err.tag = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
    result.val.err.val.internal_error.is_some = false;
    wasi_http_types_static_response_outparam_set(out, &result);
  } else if (equals(&path, "/noanswer")) {
    wasi_http_types_response_outparam_drop_own(out);
  } else {
    respond(out, 404, "not found\n");
  }
  proxy_guest_string_free(&path);
  wasi_http_types_incoming_request_drop_own(request);
}
