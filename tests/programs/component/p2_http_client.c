// wasi:http's client through its WIT bindings, against the harness's test server (its
// address is argv[1]): a GET with headers, a POST whose body is streamed in pieces and
// echoed back with trailers, a response with trailers, a 3 MiB body read as it arrives,
// status codes, a connection refused, a first-byte timeout, and the fields and request
// setters' validation.
#include "p2_http_util.h"

static void fields_rules(void) {
  puts("== fields");
  fields_own_t own = wasi_http_types_constructor_fields();
  wasi_http_types_borrow_fields_t f = FIELDS(own);
  wasi_http_types_header_error_t err;
  print_header_result("append a name with a space", append(f, "bad name", "x", &err), err);
  print_header_result("append a value with a newline", append(f, "x-ok", "a\nb", &err), err);
  print_header_result("append connection", append(f, "Connection", "close", &err), err);
  print_header_result("append host", append(f, "host", "example.com", &err), err);
  print_header_result("append X-Multi 1", append(f, "X-Multi", "1", &err), err);
  print_header_result("append x-multi 2", append(f, "x-multi", "2", &err), err);
  print_header_result("append x-other", append(f, "x-other", "o", &err), err);
  print_values(f, "X-MULTI");
  p2_guest_string_t name = str("x-multi");
  printf("has x-multi: %s\n", yes(wasi_http_types_method_fields_has(f, &name)));
  wasi_http_types_field_value_t one = {(uint8_t *)"only", 4};
  wasi_http_types_list_field_value_t values = {&one, 1};
  print_header_result("set x-multi", wasi_http_types_method_fields_set(f, &name, &values, &err),
                      err);
  print_values(f, "x-multi");
  wasi_http_types_list_tuple2_field_name_field_value_t entries;
  wasi_http_types_method_fields_entries(f, &entries);
  fputs("entries:", stdout);
  for (size_t i = 0; i < entries.len; i++) {
    printf(" %.*s=", (int)entries.ptr[i].f0.len, entries.ptr[i].f0.ptr);
    print_bytes(entries.ptr[i].f1.ptr, entries.ptr[i].f1.len);
  }
  putchar('\n');
  wasi_http_types_list_tuple2_field_name_field_value_free(&entries);
  print_header_result("delete x-other", wasi_http_types_method_fields_delete(f, &(p2_guest_string_t){(uint8_t *)"x-other", 7}, &err), err);
  print_values(f, "x-other");

  // A request's headers are immutable.
  fields_own_t copy = wasi_http_types_method_fields_clone(f);
  wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(copy);
  wasi_http_types_own_headers_t headers =
      wasi_http_types_method_outgoing_request_headers(wasi_http_types_borrow_outgoing_request(req));
  print_header_result("append to a request's headers",
                      append(FIELDS(headers), "x-late", "1", &err), err);
  print_values(FIELDS(headers), "x-multi");
  wasi_http_types_fields_drop_own(headers);

  // The request's setters check what they are given.
  wasi_http_types_borrow_outgoing_request_t r = wasi_http_types_borrow_outgoing_request(req);
  wasi_http_types_method_t bad_method = {.tag = WASI_HTTP_TYPES_METHOD_OTHER,
                                         .val.other = str("NOT A METHOD")};
  printf("set-method \"NOT A METHOD\": %s\n",
         wasi_http_types_method_outgoing_request_set_method(r, &bad_method) ? "ok" : "error");
  wasi_http_types_method_t purge = {.tag = WASI_HTTP_TYPES_METHOD_OTHER,
                                    .val.other = str("PURGE")};
  printf("set-method PURGE: %s\n",
         wasi_http_types_method_outgoing_request_set_method(r, &purge) ? "ok" : "error");
  wasi_http_types_method_t method;
  wasi_http_types_method_outgoing_request_method(r, &method);
  if (method.tag == WASI_HTTP_TYPES_METHOD_OTHER) {
    printf("method: other %.*s\n", (int)method.val.other.len, method.val.other.ptr);
    p2_guest_string_free(&method.val.other);
  }
  p2_guest_string_t path = str("no-slash");
  printf("set-path-with-query no-slash: %s\n",
         wasi_http_types_method_outgoing_request_set_path_with_query(r, &path) ? "ok" : "error");
  path = str("/a/b?c=d");
  printf("set-path-with-query /a/b?c=d: %s\n",
         wasi_http_types_method_outgoing_request_set_path_with_query(r, &path) ? "ok" : "error");
  p2_guest_string_t got;
  if (wasi_http_types_method_outgoing_request_path_with_query(r, &got)) {
    printf("path-with-query: %.*s\n", (int)got.len, got.ptr);
    p2_guest_string_free(&got);
  }
  p2_guest_string_t authority = str("a host:80");
  printf("set-authority \"a host:80\": %s\n",
         wasi_http_types_method_outgoing_request_set_authority(r, &authority) ? "ok" : "error");
  authority = str("user@host:80");
  printf("set-authority user@host:80: %s\n",
         wasi_http_types_method_outgoing_request_set_authority(r, &authority) ? "ok" : "error");
  authority = str("example.com:8080");
  printf("set-authority example.com:8080: %s\n",
         wasi_http_types_method_outgoing_request_set_authority(r, &authority) ? "ok" : "error");
  printf("authority set: %s\n", yes(wasi_http_types_method_outgoing_request_authority(r, &got)));
  p2_guest_string_free(&got);
  wasi_http_types_own_outgoing_body_t body;
  printf("body: %s\n", wasi_http_types_method_outgoing_request_body(r, &body) ? "ok" : "error");
  wasi_http_types_own_outgoing_body_t again;
  printf("body again: %s\n",
         wasi_http_types_method_outgoing_request_body(r, &again) ? "ok" : "error");
  http_error_t ferr;
  // Finishing a body is fine without ever writing to it.
  printf("finish the unsent body: %s\n",
         wasi_http_types_static_outgoing_body_finish(body, NULL, &ferr) ? "ok" : "error");
  wasi_http_types_outgoing_request_drop_own(req);
  wasi_http_types_fields_drop_own(own);

  wasi_http_types_own_request_options_t opts = wasi_http_types_constructor_request_options();
  wasi_http_types_borrow_request_options_t o = wasi_http_types_borrow_request_options(opts);
  uint64_t ns = 0;
  printf("connect-timeout before set: %s\n",
         wasi_http_types_method_request_options_connect_timeout(o, &ns) ? "some" : "none");
  ns = 1500000000ull;
  wasi_http_types_method_request_options_set_connect_timeout(o, &ns);
  ns = 0;
  if (wasi_http_types_method_request_options_connect_timeout(o, &ns))
    printf("connect-timeout: %llu ms\n", (unsigned long long)(ns / 1000000));
  wasi_http_types_request_options_drop_own(opts);
}

static void requests(void) {
  puts("== requests");
  uint32_t sum;
  wasi_http_types_header_error_t herr;

  get_hello();

  fields_own_t h = wasi_http_types_constructor_fields();
  append(FIELDS(h), "x-alpha", "one", &herr);
  append(FIELDS(h), "X-Beta", "two", &herr);
  outcome_t o = send(WASI_HTTP_TYPES_METHOD_GET, "/headers", h, NULL, 0, NULL);
  print_outcome("GET /headers", &o);
  if (o.status >= 0) {
    read_body(o.response, false, &sum);
    wasi_http_types_incoming_response_drop_own(o.response);
  }

  post_echo();
  get_trailers();
  get_big();

  // A response the guest drops without reading its body.
  o = send(WASI_HTTP_TYPES_METHOD_GET, "/big", wasi_http_types_constructor_fields(), NULL, 0, NULL);
  print_outcome("GET /big, dropped unread", &o);
  if (o.status >= 0) wasi_http_types_incoming_response_drop_own(o.response);

  get_and_print("/status/204", false);
  get_and_print("/status/404", false);
  get_and_print("/status/500", false);

  o = send(WASI_HTTP_TYPES_METHOD_GET, "/slow", wasi_http_types_constructor_fields(), NULL, 200,
           NULL);
  print_outcome("GET /slow with a 200 ms first-byte timeout", &o);
  if (o.status >= 0) wasi_http_types_incoming_response_drop_own(o.response);

  o = send(WASI_HTTP_TYPES_METHOD_GET, "/", wasi_http_types_constructor_fields(), NULL, 0,
           "127.0.0.1:1");
  print_outcome("GET http://127.0.0.1:1/", &o);
  if (o.status >= 0) wasi_http_types_incoming_response_drop_own(o.response);

  // No scheme means https; the test server speaks plain HTTP.
  send_scheme = -1;
  o = send(WASI_HTTP_TYPES_METHOD_GET, "/hello", wasi_http_types_constructor_fields(), NULL, 0,
           NULL);
  print_outcome("GET /hello without a scheme", &o);
  if (o.status >= 0) wasi_http_types_incoming_response_drop_own(o.response);
  send_scheme = WASI_HTTP_TYPES_SCHEME_HTTPS;
  o = send(WASI_HTTP_TYPES_METHOD_GET, "/hello", wasi_http_types_constructor_fields(), NULL, 0,
           NULL);
  print_outcome("GET /hello over https", &o);
  if (o.status >= 0) wasi_http_types_incoming_response_drop_own(o.response);
  send_scheme = WASI_HTTP_TYPES_SCHEME_HTTP;

  // A declared content-length the body does not match.
  h = wasi_http_types_constructor_fields();
  append(FIELDS(h), "content-length", "10", &herr);
  {
    wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(h);
    wasi_http_types_own_outgoing_body_t b;
    wasi_http_types_method_outgoing_request_body(wasi_http_types_borrow_outgoing_request(req), &b);
    wasi_http_types_own_output_stream_t stream;
    wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(b), &stream);
    stream_error_t serr;
    p2_guest_list_u8_t data = bytes("short", 5);
    wasi_io_streams_method_output_stream_blocking_write_and_flush(
        wasi_io_streams_borrow_output_stream(stream), &data, &serr);
    wasi_io_streams_output_stream_drop_own(stream);
    http_error_t err;
    if (wasi_http_types_static_outgoing_body_finish(b, NULL, &err))
      puts("finish 5 bytes of a content-length 10 body: ok");
    else
      printf("finish 5 bytes of a content-length 10 body: error %s\n", http_error_name(&err));
    wasi_http_types_outgoing_request_drop_own(req);
  }
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  p2_guest_list_string_t args;
  wasi_cli_environment_get_arguments(&args);
  if (args.len < 2) {
    puts("usage: p2_http_client IP:PORT");
    return false;
  }
  snprintf(server, sizeof server, "%.*s", (int)args.ptr[1].len, args.ptr[1].ptr);
  p2_guest_list_string_free(&args);
  fields_rules();
  requests();
  return true;
}
