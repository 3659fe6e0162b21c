// wasi:http's client over TLS, against the harness's HTTPS test server, whose certificate
// names `localhost` and comes from the test CA the executable is built to trust
// (--tls-ca). argv[1] is the listener that offers HTTP/2 and HTTP/1.1 by ALPN, argv[2] the
// one that offers HTTP/1.1 only (both IP:PORT). Over each: the HTTP version the server
// saw, headers, a streamed POST with a trailer echoed back, trailers, a 3 MiB body and a
// status; then a certificate that does not name the address asked for.
#include "p2_http_util.h"

// The port of an IP:PORT argument.
static const char *port_of_arg(const p2_guest_string_t *arg) {
  static char port[16];
  size_t colon = arg->len;
  while (colon > 0 && arg->ptr[colon - 1] != ':') colon--;
  snprintf(port, sizeof port, "%.*s", (int)(arg->len - colon), arg->ptr + colon);
  return port;
}

static void over(const char *title, const char *port) {
  printf("== %s\n", title);
  snprintf(server, sizeof server, "localhost:%s", port);
  get_and_print("/version", false);
  get_hello();
  post_echo();
  get_trailers();
  get_big();
  get_and_print("/status/404", false);
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  p2_guest_list_string_t args;
  wasi_cli_environment_get_arguments(&args);
  if (args.len < 3) {
    puts("usage: p2_https_client IP:PORT IP:PORT");
    return false;
  }
  char h2_port[16], http1_port[16];
  snprintf(h2_port, sizeof h2_port, "%s", port_of_arg(&args.ptr[1]));
  snprintf(http1_port, sizeof http1_port, "%s", port_of_arg(&args.ptr[2]));
  p2_guest_list_string_free(&args);

  send_scheme = WASI_HTTP_TYPES_SCHEME_HTTPS;
  over("https, HTTP/2 offered", h2_port);
  over("https, HTTP/1.1 only", http1_port);

  puts("== certificates");
  // The certificate names localhost, not the address.
  snprintf(server, sizeof server, "127.0.0.1:%s", h2_port);
  get_and_print("/hello by address", false);
  return true;
}
