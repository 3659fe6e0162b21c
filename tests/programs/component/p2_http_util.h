// The wasi:http client helpers of the HTTP client guests (p2_http_client.c,
// p2_https_client.c): error names, fields, sending a request and reading a response.
#ifndef P2_HTTP_UTIL_H
#define P2_HTTP_UTIL_H

#include "p2_util.h"

typedef wasi_http_types_own_fields_t fields_own_t;
typedef wasi_http_types_error_code_t http_error_t;
#define FIELDS(f) wasi_http_types_borrow_fields(f)

static const char *const HTTP_ERROR_NAMES[] = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size", "HTTP-response-incomplete",
    "HTTP-response-header-section-size", "HTTP-response-header-size",
    "HTTP-response-body-size", "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size", "HTTP-response-transfer-coding",
    "HTTP-response-content-coding", "HTTP-response-timeout", "HTTP-upgrade-failed",
    "HTTP-protocol-error", "loop-detected", "configuration-error", "internal-error",
};

static inline const char *http_error_name(const http_error_t *e) {
  if (e->tag < sizeof HTTP_ERROR_NAMES / sizeof HTTP_ERROR_NAMES[0]) return HTTP_ERROR_NAMES[e->tag];
  return "(out of range)";
}

static const char *const HEADER_ERROR_NAMES[] = {"invalid-syntax", "forbidden", "immutable"};

static char server[64];

static inline void print_header_result(const char *what, bool ok, wasi_http_types_header_error_t err) {
  printf("%s: %s\n", what, ok ? "ok" : HEADER_ERROR_NAMES[err.tag < 3 ? err.tag : 0]);
}

static inline bool append(wasi_http_types_borrow_fields_t f, const char *name, const char *value,
                   wasi_http_types_header_error_t *err) {
  p2_guest_string_t n = str(name);
  wasi_http_types_field_value_t v = {(uint8_t *)value, strlen(value)};
  return wasi_http_types_method_fields_append(f, &n, &v, err);
}

// Prints every value of `name` in `f`.
static inline void print_values(wasi_http_types_borrow_fields_t f, const char *name) {
  p2_guest_string_t n = str(name);
  wasi_http_types_list_field_value_t values;
  wasi_http_types_method_fields_get(f, &n, &values);
  printf("  %s:", name);
  for (size_t i = 0; i < values.len; i++) {
    putchar(' ');
    print_bytes(values.ptr[i].ptr, values.ptr[i].len);
  }
  if (!values.len) fputs(" (none)", stdout);
  putchar('\n');
  wasi_http_types_list_field_value_free(&values);
}

typedef struct {
  int status;  // -1: the request failed, with `error`
  http_error_t error;
  wasi_http_types_own_incoming_response_t response;
} outcome_t;

// Waits for the response head behind `future` (and drops it), checking that a second get
// says the response was taken.
static inline outcome_t await_response(
    wasi_http_outgoing_handler_own_future_incoming_response_t future) {
  outcome_t out = {.status = -1};
  wasi_http_types_borrow_future_incoming_response_t f =
      wasi_http_types_borrow_future_incoming_response(future);
  wasi_http_types_result_result_own_incoming_response_error_code_void_t got;
  for (int waits = 0; !wasi_http_types_method_future_incoming_response_get(f, &got); waits++) {
    if (waits > 100) {
      puts("the response never came");
      exit(1);
    }
    block_on(wasi_http_types_method_future_incoming_response_subscribe(f));
  }
  if (!got.is_err && !got.val.ok.is_err) {
    out.response = got.val.ok.val.ok;
    out.status = wasi_http_types_method_incoming_response_status(
        wasi_http_types_borrow_incoming_response(out.response));
  } else if (!got.is_err) {
    out.error = got.val.ok.val.err;
  }
  wasi_http_types_result_result_own_incoming_response_error_code_void_t again;
  if (wasi_http_types_method_future_incoming_response_get(f, &again) && !again.is_err) {
    puts("the second get returned a response");
  }
  wasi_http_types_future_incoming_response_drop_own(future);
  return out;
}

// The scheme `send` sets; -1 sets none.
static int send_scheme = WASI_HTTP_TYPES_SCHEME_HTTP;

// Sends a request to the test server and waits for the response head.
static inline outcome_t send(uint8_t method, const char *path, fields_own_t headers,
                      wasi_http_types_own_outgoing_body_t *body_out, uint64_t first_byte_ms,
                      const char *authority) {
  outcome_t out = {.status = -1};
  wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(headers);
  wasi_http_types_borrow_outgoing_request_t r = wasi_http_types_borrow_outgoing_request(req);
  wasi_http_types_method_t m = {.tag = method};
  wasi_http_types_method_outgoing_request_set_method(r, &m);
  p2_guest_string_t p = str(path);
  wasi_http_types_method_outgoing_request_set_path_with_query(r, &p);
  if (send_scheme >= 0) {
    wasi_http_types_scheme_t scheme = {.tag = (uint8_t)send_scheme};
    wasi_http_types_method_outgoing_request_set_scheme(r, &scheme);
  }
  p2_guest_string_t a = str(authority ? authority : server);
  wasi_http_types_method_outgoing_request_set_authority(r, &a);
  if (body_out) wasi_http_types_method_outgoing_request_body(r, body_out);
  wasi_http_types_own_request_options_t opts = wasi_http_types_constructor_request_options();
  if (first_byte_ms) {
    uint64_t ns = first_byte_ms * 1000000ull;
    wasi_http_types_method_request_options_set_first_byte_timeout(
        wasi_http_types_borrow_request_options(opts), &ns);
  }
  wasi_http_outgoing_handler_own_future_incoming_response_t future;
  if (!wasi_http_outgoing_handler_handle(req, &opts, &future, &out.error)) return out;
  return await_response(future);
}

// Reads the whole body; prints it unless `quiet`, then its trailers. Returns the byte count
// and sets `sum` to their sum.
static inline size_t read_body(wasi_http_types_own_incoming_response_t resp, bool quiet, uint32_t *sum) {
  wasi_http_types_own_incoming_body_t body;
  if (!wasi_http_types_method_incoming_response_consume(
          wasi_http_types_borrow_incoming_response(resp), &body)) {
    puts("  consume: error");
    return 0;
  }
  wasi_http_types_own_incoming_body_t twice;
  if (wasi_http_types_method_incoming_response_consume(
          wasi_http_types_borrow_incoming_response(resp), &twice))
    puts("  consume twice: ok (wrong)");
  wasi_http_types_own_input_stream_t stream;
  wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(body), &stream);
  in_t in = wasi_io_streams_borrow_input_stream(stream);
  size_t total = 0;
  *sum = 0;
  static uint8_t shown[4096];
  size_t kept = 0;
  for (;;) {
    p2_guest_list_u8_t data;
    stream_error_t err;
    if (!wasi_io_streams_method_input_stream_blocking_read(in, 65536, &data, &err)) {
      if (err.tag != WASI_IO_STREAMS_STREAM_ERROR_CLOSED) {
        fputs("error ", stdout);
        print_stream_error(&err);
      }
      break;
    }
    for (size_t i = 0; i < data.len; i++) *sum += data.ptr[i];
    total += data.len;
    for (size_t i = 0; i < data.len && kept < sizeof shown; i++) shown[kept++] = data.ptr[i];
    p2_guest_list_u8_free(&data);
  }
  if (!quiet) {
    fputs("  body: ", stdout);
    print_bytes(shown, kept);
    putchar('\n');
  }
  wasi_io_streams_input_stream_drop_own(stream);
  wasi_http_types_own_future_trailers_t trailers = wasi_http_types_static_incoming_body_finish(body);
  wasi_http_types_borrow_future_trailers_t t = wasi_http_types_borrow_future_trailers(trailers);
  wasi_http_types_result_result_option_own_trailers_error_code_void_t got;
  for (int waits = 0; !wasi_http_types_method_future_trailers_get(t, &got) && waits < 100; waits++)
    block_on(wasi_http_types_method_future_trailers_subscribe(t));
  if (!got.is_err && !got.val.ok.is_err) {
    if (got.val.ok.val.ok.is_some) {
      fields_own_t tr = got.val.ok.val.ok.val;
      fputs("  trailers:\n", stdout);
      print_values(FIELDS(tr), "x-trailer");
      wasi_http_types_fields_drop_own(tr);
    } else {
      puts("  trailers: none");
    }
  } else if (!got.is_err) {
    printf("  trailers: error %s\n", http_error_name(&got.val.ok.val.err));
  }
  wasi_http_types_future_trailers_drop_own(trailers);
  return total;
}

static inline void print_outcome(const char *what, outcome_t *o) {
  if (o->status < 0)
    printf("%s: error %s\n", what, http_error_name(&o->error));
  else
    printf("%s: status %d\n", what, o->status);
}

// POST /echo with a body streamed in three writes and a trailer; the server echoes both,
// and the echo is printed.
static inline void post_echo(void) {
  wasi_http_types_header_error_t herr;
  fields_own_t h = wasi_http_types_constructor_fields();
  append(FIELDS(h), "te", "trailers", &herr);
  // An HTTP/1.1 sender declares the trailers it will send.
  append(FIELDS(h), "trailer", "x-trailer", &herr);
  wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(h);
  wasi_http_types_borrow_outgoing_request_t r = wasi_http_types_borrow_outgoing_request(req);
  wasi_http_types_method_t m = {.tag = WASI_HTTP_TYPES_METHOD_POST};
  wasi_http_types_method_outgoing_request_set_method(r, &m);
  wasi_http_types_scheme_t scheme = {.tag = (uint8_t)send_scheme};
  wasi_http_types_method_outgoing_request_set_scheme(r, &scheme);
  p2_guest_string_t p = str("/echo");
  wasi_http_types_method_outgoing_request_set_path_with_query(r, &p);
  p2_guest_string_t a = str(server);
  wasi_http_types_method_outgoing_request_set_authority(r, &a);
  wasi_http_types_own_outgoing_body_t body;
  wasi_http_types_method_outgoing_request_body(r, &body);
  // The request goes out first; the body follows as it is written.
  wasi_http_outgoing_handler_own_future_incoming_response_t future;
  http_error_t err;
  if (!wasi_http_outgoing_handler_handle(req, NULL, &future, &err)) {
    printf("POST /echo: error %s\n", http_error_name(&err));
    return;
  }
  wasi_http_types_own_output_stream_t stream;
  wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body), &stream);
  out_t out = wasi_io_streams_borrow_output_stream(stream);
  const char *parts[] = {"first part, ", "second part, ", "third part\n"};
  stream_error_t serr;
  for (int i = 0; i < 3; i++) {
    if (!wait_writable(out, strlen(parts[i]), &serr)) break;
    p2_guest_list_u8_t data = bytes(parts[i], strlen(parts[i]));
    wasi_io_streams_method_output_stream_write(out, &data, &serr);
    wasi_io_streams_method_output_stream_blocking_flush(out, &serr);
  }
  wasi_io_streams_output_stream_drop_own(stream);
  fields_own_t trailers = wasi_http_types_constructor_fields();
  append(FIELDS(trailers), "x-trailer", "sent by the guest", &herr);
  printf("finish the request body: %s\n",
         wasi_http_types_static_outgoing_body_finish(body, &trailers, &err) ? "ok" : "error");
  outcome_t echo = await_response(future);
  print_outcome("POST /echo", &echo);
  if (echo.status >= 0) {
    uint32_t sum;
    read_body(echo.response, false, &sum);
    wasi_http_types_incoming_response_drop_own(echo.response);
  }
}

// GET `path` with no headers, printed as `GET path`, its body too unless `quiet`.
static inline void get_and_print(const char *path, bool quiet) {
  outcome_t o = send(WASI_HTTP_TYPES_METHOD_GET, path, wasi_http_types_constructor_fields(), NULL,
                     0, NULL);
  char what[96];
  snprintf(what, sizeof what, "GET %s", path);
  print_outcome(what, &o);
  if (o.status >= 0) {
    uint32_t sum;
    read_body(o.response, quiet, &sum);
    wasi_http_types_incoming_response_drop_own(o.response);
  }
}

// GET /big, checked by length and sum.
static inline void get_big(void) {
  outcome_t o = send(WASI_HTTP_TYPES_METHOD_GET, "/big", wasi_http_types_constructor_fields(), NULL,
                     0, NULL);
  print_outcome("GET /big", &o);
  if (o.status >= 0) {
    uint32_t sum;
    size_t n = read_body(o.response, true, &sum);
    uint32_t expected = 0;
    for (size_t i = 0; i < (3u << 20); i++) expected += i % 251;
    printf("  %zu bytes, sum matches: %s\n", n, yes(sum == expected));
    wasi_http_types_incoming_response_drop_own(o.response);
  }
}

// GET /hello, with its headers: the server's, and the rule that they are immutable.
static inline void get_hello(void) {
  wasi_http_types_header_error_t herr;
  uint32_t sum;
  outcome_t o = send(WASI_HTTP_TYPES_METHOD_GET, "/hello", wasi_http_types_constructor_fields(),
                     NULL, 0, NULL);
  print_outcome("GET /hello", &o);
  if (o.status >= 0) {
    wasi_http_types_own_headers_t rh = wasi_http_types_method_incoming_response_headers(
        wasi_http_types_borrow_incoming_response(o.response));
    print_values(FIELDS(rh), "x-test");
    print_values(FIELDS(rh), "content-type");
    print_header_result("  append to the response's headers",
                        append(FIELDS(rh), "x-mine", "1", &herr), herr);
    wasi_http_types_fields_drop_own(rh);
    read_body(o.response, false, &sum);
    wasi_http_types_incoming_response_drop_own(o.response);
  }
}

// GET /trailers without and with `te: trailers`.
static inline void get_trailers(void) {
  wasi_http_types_header_error_t herr;
  uint32_t sum;
  // HTTP/1.1 servers send trailers to clients that say they take them.
  for (int te = 0; te < 2; te++) {
    fields_own_t h = wasi_http_types_constructor_fields();
    if (te) append(FIELDS(h), "te", "trailers", &herr);
    outcome_t o = send(WASI_HTTP_TYPES_METHOD_GET, "/trailers", h, NULL, 0, NULL);
    print_outcome(te ? "GET /trailers with te: trailers" : "GET /trailers", &o);
    if (o.status >= 0) {
      read_body(o.response, false, &sum);
      wasi_http_types_incoming_response_drop_own(o.response);
    }
  }
}

#endif
