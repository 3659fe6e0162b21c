// The network policy seen from a guest: built with `--allow-tcp-listen 127.0.0.1` and
// `--allow-tcp-connect 127.0.0.1` (p2_net_policy.net) and nothing else, it may listen and
// connect on 127.0.0.1 only; every other bind, listen, connect, UDP use and name lookup is
// `access-denied`, and the guest goes on. HTTP requests obey the same outbound rules: one
// to 127.0.0.1 goes out (and finds no server); one elsewhere, or to a name the guest may not
// look up (resolving would use the network too), is `HTTP-request-denied`.
#include "p2_util.h"

typedef wasi_sockets_tcp_own_tcp_socket_t tcp_own_t;
#define TCP(s) wasi_sockets_tcp_borrow_tcp_socket(s)
#define FAMILY_V4 WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4
#define FAMILY_V6 WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6

static wasi_sockets_network_borrow_network_t net;

// Sends `GET http://AUTHORITY/` and says how the request ended.
static void http_get(const char *authority) {
  wasi_http_types_own_outgoing_request_t req =
      wasi_http_types_constructor_outgoing_request(wasi_http_types_constructor_fields());
  wasi_http_types_borrow_outgoing_request_t r = wasi_http_types_borrow_outgoing_request(req);
  wasi_http_types_scheme_t scheme = {.tag = WASI_HTTP_TYPES_SCHEME_HTTP};
  wasi_http_types_method_outgoing_request_set_scheme(r, &scheme);
  p2_guest_string_t a = str(authority);
  wasi_http_types_method_outgoing_request_set_authority(r, &a);
  printf("http GET %s: ", authority);
  wasi_http_outgoing_handler_own_future_incoming_response_t future;
  wasi_http_types_error_code_t err;
  if (!wasi_http_outgoing_handler_handle(req, NULL, &future, &err)) {
    printf("error %u at once\n", err.tag);
    return;
  }
  wasi_http_types_borrow_future_incoming_response_t f =
      wasi_http_types_borrow_future_incoming_response(future);
  wasi_http_types_result_result_own_incoming_response_error_code_void_t got;
  for (int waits = 0; !wasi_http_types_method_future_incoming_response_get(f, &got); waits++) {
    if (waits > 100) {
      puts("no answer");
      exit(1);
    }
    block_on(wasi_http_types_method_future_incoming_response_subscribe(f));
  }
  if (got.is_err) {
    puts("taken twice");
  } else if (!got.val.ok.is_err) {
    puts("a response");
    wasi_http_types_incoming_response_drop_own(got.val.ok.val.ok);
  } else if (got.val.ok.val.err.tag == WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_DENIED) {
    puts("error HTTP-request-denied");
  } else if (got.val.ok.val.err.tag == WASI_HTTP_TYPES_ERROR_CODE_CONNECTION_REFUSED) {
    puts("error connection-refused");
  } else {
    printf("error %u\n", got.val.ok.val.err.tag);
  }
  wasi_http_types_future_incoming_response_drop_own(future);
}

static tcp_own_t new_tcp(uint8_t family) {
  tcp_own_t s;
  net_error_t err;
  if (!wasi_sockets_tcp_create_socket_create_tcp_socket(family, &s, &err)) {
    printf("create-tcp-socket: error %s\n", net_error_name(err));
    exit(1);
  }
  return s;
}

static bool tcp_bind(tcp_own_t s, sockaddr_t addr, net_error_t *err) {
  return wasi_sockets_tcp_method_tcp_socket_start_bind(TCP(s), net, &addr, err) &&
         wasi_sockets_tcp_method_tcp_socket_finish_bind(TCP(s), err);
}

static bool tcp_listen(tcp_own_t s, net_error_t *err) {
  return wasi_sockets_tcp_method_tcp_socket_start_listen(TCP(s), err) &&
         wasi_sockets_tcp_method_tcp_socket_finish_listen(TCP(s), err);
}

static bool tcp_connect(tcp_own_t s, sockaddr_t addr, net_error_t *err) {
  if (!wasi_sockets_tcp_method_tcp_socket_start_connect(TCP(s), net, &addr, err)) return false;
  wasi_sockets_tcp_tuple2_own_input_stream_own_output_stream_t streams;
  for (;;) {
    if (wasi_sockets_tcp_method_tcp_socket_finish_connect(TCP(s), &streams, err)) {
      wasi_io_streams_input_stream_drop_own(streams.f0);
      wasi_io_streams_output_stream_drop_own(streams.f1);
      return true;
    }
    if (*err != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK) return false;
    block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(TCP(s)));
  }
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  wasi_sockets_network_own_network_t own = wasi_sockets_instance_network_instance_network();
  net = wasi_sockets_network_borrow_network(own);
  net_error_t err;

  puts("== allowed");
  tcp_own_t listener = new_tcp(FAMILY_V4);
  print_net_result("bind 127.0.0.1", tcp_bind(listener, ipv4(127, 0, 0, 1, 0), &err), err);
  print_net_result("listen on 127.0.0.1", tcp_listen(listener, &err), err);
  sockaddr_t addr;
  wasi_sockets_tcp_method_tcp_socket_local_address(TCP(listener), &addr, &err);
  uint16_t port = port_of(&addr);
  tcp_own_t client = new_tcp(FAMILY_V4);
  print_net_result("connect to 127.0.0.1", tcp_connect(client, addr, &err), err);
  wasi_sockets_tcp_tcp_socket_drop_own(client);

  puts("== denied");
  tcp_own_t wide = new_tcp(FAMILY_V4);
  print_net_result("bind 0.0.0.0 port 0 (a client's own end)",
                   tcp_bind(wide, ipv4(0, 0, 0, 0, 0), &err), err);
  print_net_result("listen on 0.0.0.0", tcp_listen(wide, &err), err);
  wasi_sockets_tcp_tcp_socket_drop_own(wide);
  tcp_own_t fixed = new_tcp(FAMILY_V4);
  print_net_result("bind 0.0.0.0 with a port", tcp_bind(fixed, ipv4(0, 0, 0, 0, port), &err),
                   err);
  wasi_sockets_tcp_tcp_socket_drop_own(fixed);
  tcp_own_t other = new_tcp(FAMILY_V4);
  print_net_result("connect to 127.0.0.2", tcp_connect(other, ipv4(127, 0, 0, 2, port), &err),
                   err);
  print_net_result("the same socket to 127.0.0.1 after the denial",
                   tcp_connect(other, addr, &err), err);
  wasi_sockets_tcp_tcp_socket_drop_own(other);
  static const uint16_t loopback6[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  tcp_own_t v6 = new_tcp(FAMILY_V6);
  print_net_result("connect to [::1]", tcp_connect(v6, ipv6(loopback6, port), &err), err);
  wasi_sockets_tcp_tcp_socket_drop_own(v6);

  wasi_sockets_udp_own_udp_socket_t udp;
  if (wasi_sockets_udp_create_socket_create_udp_socket(FAMILY_V4, &udp, &err)) {
    sockaddr_t local = ipv4(127, 0, 0, 1, 0);
    print_net_result("udp bind 127.0.0.1",
                     wasi_sockets_udp_method_udp_socket_start_bind(
                         wasi_sockets_udp_borrow_udp_socket(udp), net, &local, &err),
                     err);
    wasi_sockets_udp_udp_socket_drop_own(udp);
  }

  const char *names[] = {"localhost", "127.0.0.1"};
  for (int i = 0; i < 2; i++) {
    p2_guest_string_t name = str(names[i]);
    wasi_sockets_ip_name_lookup_own_resolve_address_stream_t stream;
    bool ok = wasi_sockets_ip_name_lookup_resolve_addresses(net, &name, &stream, &err);
    printf("resolve-addresses %s: ", names[i]);
    if (ok) {
      puts("ok");
      wasi_sockets_ip_name_lookup_resolve_address_stream_drop_own(stream);
    } else {
      printf("error %s\n", net_error_name(err));
    }
  }
  http_get("127.0.0.1:1");
  http_get("127.0.0.2:1");
  http_get("localhost:1");
  wasi_sockets_tcp_tcp_socket_drop_own(listener);
  wasi_sockets_network_network_drop_own(own);
  return true;
}
