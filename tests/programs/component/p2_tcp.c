// wasi:sockets/tcp through its WIT bindings: an echo server and its client in one process on
// the loopback interface, driven by pollables (a megabyte goes through while the server, on
// the same thread, echoes it back), every socket
// option, and the state machine's errors (unbound, already bound, connect refused, bad
// addresses). Ports are assigned by the system and never printed.
#include "p2_util.h"

typedef wasi_sockets_tcp_own_tcp_socket_t tcp_own_t;
typedef wasi_sockets_tcp_borrow_tcp_socket_t tcp_t;
#define BORROW(s) wasi_sockets_tcp_borrow_tcp_socket(s)
#define FAMILY_V4 WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4
#define FAMILY_V6 WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6

static wasi_sockets_network_borrow_network_t net;

static tcp_own_t new_tcp(uint8_t family) {
  tcp_own_t s;
  net_error_t err;
  if (!wasi_sockets_tcp_create_socket_create_tcp_socket(family, &s, &err)) {
    printf("create-tcp-socket: error %s\n", net_error_name(err));
    exit(1);
  }
  return s;
}

static void wait_socket(tcp_t s) { block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(s)); }

static bool bind_to(tcp_t s, sockaddr_t addr, net_error_t *err) {
  return wasi_sockets_tcp_method_tcp_socket_start_bind(s, net, &addr, err) &&
         wasi_sockets_tcp_method_tcp_socket_finish_bind(s, err);
}

static bool listen_on(tcp_t s, net_error_t *err) {
  return wasi_sockets_tcp_method_tcp_socket_start_listen(s, err) &&
         wasi_sockets_tcp_method_tcp_socket_finish_listen(s, err);
}

// Connects, waiting on the socket's pollable while the connect is in progress.
static bool connect_to(tcp_t s, sockaddr_t addr,
                       wasi_sockets_tcp_tuple2_own_input_stream_own_output_stream_t *streams,
                       net_error_t *err) {
  if (!wasi_sockets_tcp_method_tcp_socket_start_connect(s, net, &addr, err)) return false;
  for (;;) {
    if (wasi_sockets_tcp_method_tcp_socket_finish_connect(s, streams, err)) return true;
    if (*err != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK) return false;
    wait_socket(s);
  }
}

static void unbound_state(void) {
  puts("== an unbound socket");
  tcp_own_t own = new_tcp(FAMILY_V4);
  tcp_t s = BORROW(own);
  net_error_t err;
  sockaddr_t addr;
  printf("address-family: %s\n",
         wasi_sockets_tcp_method_tcp_socket_address_family(s) == FAMILY_V4 ? "ipv4" : "ipv6");
  printf("is-listening: %s\n", yes(wasi_sockets_tcp_method_tcp_socket_is_listening(s)));
  print_net_result("finish-bind", wasi_sockets_tcp_method_tcp_socket_finish_bind(s, &err), err);
  wasi_sockets_tcp_tuple2_own_input_stream_own_output_stream_t streams;
  print_net_result("finish-connect",
                   wasi_sockets_tcp_method_tcp_socket_finish_connect(s, &streams, &err), err);
  print_net_result("start-listen", wasi_sockets_tcp_method_tcp_socket_start_listen(s, &err), err);
  print_net_result("finish-listen", wasi_sockets_tcp_method_tcp_socket_finish_listen(s, &err),
                   err);
  wasi_sockets_tcp_tuple3_own_tcp_socket_own_input_stream_own_output_stream_t accepted;
  print_net_result("accept", wasi_sockets_tcp_method_tcp_socket_accept(s, &accepted, &err), err);
  print_net_result("local-address",
                   wasi_sockets_tcp_method_tcp_socket_local_address(s, &addr, &err), err);
  print_net_result("remote-address",
                   wasi_sockets_tcp_method_tcp_socket_remote_address(s, &addr, &err), err);
  print_net_result("shutdown",
                   wasi_sockets_tcp_method_tcp_socket_shutdown(
                       s, WASI_SOCKETS_TCP_SHUTDOWN_TYPE_BOTH, &err),
                   err);
  // A socket with nothing in progress has nothing to wait for.
  wait_socket(s);
  puts("subscribe and block: returned");
  wasi_sockets_tcp_tcp_socket_drop_own(own);
}

static void bad_addresses(void) {
  puts("== addresses a socket refuses");
  net_error_t err;
  tcp_own_t v4 = new_tcp(FAMILY_V4);
  static const uint16_t loopback6[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  static const uint16_t mapped[8] = {0, 0, 0, 0, 0, 0xffff, 0x7f00, 1};
  print_net_result("bind an ipv4 socket to [::1]", bind_to(BORROW(v4), ipv6(loopback6, 0), &err),
                   err);
  print_net_result("bind to multicast 224.0.0.1",
                   bind_to(BORROW(v4), ipv4(224, 0, 0, 1, 0), &err), err);
  sockaddr_t zero_port = ipv4(127, 0, 0, 1, 0);
  print_net_result("start-connect to port 0",
                   wasi_sockets_tcp_method_tcp_socket_start_connect(BORROW(v4), net, &zero_port,
                                                                    &err),
                   err);
  sockaddr_t any = ipv4(0, 0, 0, 0, 80);
  print_net_result("start-connect to 0.0.0.0",
                   wasi_sockets_tcp_method_tcp_socket_start_connect(BORROW(v4), net, &any, &err),
                   err);
  wasi_sockets_tcp_tcp_socket_drop_own(v4);

  tcp_own_t v6 = new_tcp(FAMILY_V6);
  printf("ipv6 address-family: %s\n",
         wasi_sockets_tcp_method_tcp_socket_address_family(BORROW(v6)) == FAMILY_V6 ? "ipv6"
                                                                                     : "ipv4");
  print_net_result("bind an ipv6 socket to ::ffff:127.0.0.1",
                   bind_to(BORROW(v6), ipv6(mapped, 0), &err), err);
  print_net_result("bind an ipv6 socket to 127.0.0.1",
                   bind_to(BORROW(v6), ipv4(127, 0, 0, 1, 0), &err), err);
  wasi_sockets_tcp_tcp_socket_drop_own(v6);
}

static void options(void) {
  puts("== options");
  tcp_own_t own = new_tcp(FAMILY_V4);
  tcp_t s = BORROW(own);
  net_error_t err;
  bool enabled;
  print_net_result("set-keep-alive-enabled true",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_enabled(s, true, &err), err);
  if (wasi_sockets_tcp_method_tcp_socket_keep_alive_enabled(s, &enabled, &err))
    printf("keep-alive-enabled: %s\n", yes(enabled));
  print_net_result("set-keep-alive-enabled false",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_enabled(s, false, &err), err);
  if (wasi_sockets_tcp_method_tcp_socket_keep_alive_enabled(s, &enabled, &err))
    printf("keep-alive-enabled: %s\n", yes(enabled));

  uint64_t ns;
  print_net_result("set-keep-alive-idle-time 0",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_idle_time(s, 0, &err), err);
  print_net_result("set-keep-alive-idle-time 30s",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_idle_time(
                       s, 30000000000ull, &err),
                   err);
  if (wasi_sockets_tcp_method_tcp_socket_keep_alive_idle_time(s, &ns, &err))
    printf("keep-alive-idle-time: %llus\n", (unsigned long long)(ns / 1000000000ull));
  print_net_result("set-keep-alive-interval 0",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_interval(s, 0, &err), err);
  print_net_result("set-keep-alive-interval 5s",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_interval(s, 5000000000ull,
                                                                              &err),
                   err);
  if (wasi_sockets_tcp_method_tcp_socket_keep_alive_interval(s, &ns, &err))
    printf("keep-alive-interval: %llus\n", (unsigned long long)(ns / 1000000000ull));
  uint32_t count;
  print_net_result("set-keep-alive-count 0",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_count(s, 0, &err), err);
  print_net_result("set-keep-alive-count 4",
                   wasi_sockets_tcp_method_tcp_socket_set_keep_alive_count(s, 4, &err), err);
  if (wasi_sockets_tcp_method_tcp_socket_keep_alive_count(s, &count, &err))
    printf("keep-alive-count: %u\n", (unsigned)count);

  uint8_t hops;
  print_net_result("set-hop-limit 0", wasi_sockets_tcp_method_tcp_socket_set_hop_limit(s, 0, &err),
                   err);
  print_net_result("set-hop-limit 42",
                   wasi_sockets_tcp_method_tcp_socket_set_hop_limit(s, 42, &err), err);
  if (wasi_sockets_tcp_method_tcp_socket_hop_limit(s, &hops, &err))
    printf("hop-limit: %u\n", (unsigned)hops);

  uint64_t size;
  print_net_result("set-receive-buffer-size 0",
                   wasi_sockets_tcp_method_tcp_socket_set_receive_buffer_size(s, 0, &err), err);
  print_net_result("set-receive-buffer-size 65536",
                   wasi_sockets_tcp_method_tcp_socket_set_receive_buffer_size(s, 65536, &err),
                   err);
  if (wasi_sockets_tcp_method_tcp_socket_receive_buffer_size(s, &size, &err))
    printf("receive-buffer-size at least 65536: %s\n", yes(size >= 65536));
  print_net_result("set-send-buffer-size 0",
                   wasi_sockets_tcp_method_tcp_socket_set_send_buffer_size(s, 0, &err), err);
  print_net_result("set-send-buffer-size 65536",
                   wasi_sockets_tcp_method_tcp_socket_set_send_buffer_size(s, 65536, &err), err);
  if (wasi_sockets_tcp_method_tcp_socket_send_buffer_size(s, &size, &err))
    printf("send-buffer-size at least 65536: %s\n", yes(size >= 65536));
  print_net_result("set-listen-backlog-size 0",
                   wasi_sockets_tcp_method_tcp_socket_set_listen_backlog_size(s, 0, &err), err);
  print_net_result("set-listen-backlog-size 32",
                   wasi_sockets_tcp_method_tcp_socket_set_listen_backlog_size(s, 32, &err), err);
  wasi_sockets_tcp_tcp_socket_drop_own(own);
}

typedef struct {
  tcp_own_t socket;
  wasi_io_streams_own_input_stream_t in;
  wasi_io_streams_own_output_stream_t out;
} conn_t;

static void close_conn(conn_t *c) {
  wasi_io_streams_input_stream_drop_own(c->in);
  wasi_io_streams_output_stream_drop_own(c->out);
  wasi_sockets_tcp_tcp_socket_drop_own(c->socket);
}

// Reads what the stream has, waiting for something; returns the byte count, 0 at the end.
static size_t read_some(in_t in, uint8_t *buf, size_t cap) {
  p2_guest_list_u8_t data;
  stream_error_t err;
  if (!wasi_io_streams_method_input_stream_blocking_read(in, cap, &data, &err)) {
    if (err.tag != WASI_IO_STREAMS_STREAM_ERROR_CLOSED) {
      fputs("read: error ", stdout);
      print_stream_error(&err);
      putchar('\n');
    }
    return 0;
  }
  memcpy(buf, data.ptr, data.len);
  size_t n = data.len;
  p2_guest_list_u8_free(&data);
  return n;
}

// The client sends a megabyte with check-write and write while the server, on the same
// thread, reads what has arrived and echoes it back; the client reads the echo as it goes.
static void bulk_echo(conn_t *client, conn_t *server) {
  enum { TOTAL = 1 << 20 };
  static uint8_t chunk[16384];
  size_t sent = 0, echoed = 0, received = 0;
  uint32_t sum_sent = 0, sum_received = 0;
  in_t client_in = wasi_io_streams_borrow_input_stream(client->in);
  out_t client_out = wasi_io_streams_borrow_output_stream(client->out);
  in_t server_in = wasi_io_streams_borrow_input_stream(server->in);
  out_t server_out = wasi_io_streams_borrow_output_stream(server->out);
  stream_error_t err;
  int rounds = 0;
  while (received < TOTAL && rounds < 1000000) {
    rounds++;
    uint64_t permitted = 0;
    if (sent < TOTAL && wasi_io_streams_method_output_stream_check_write(client_out, &permitted,
                                                                         &err) &&
        permitted > 0) {
      size_t n = TOTAL - sent;
      if (n > sizeof chunk) n = sizeof chunk;
      if (n > permitted) n = permitted;
      for (size_t i = 0; i < n; i++) {
        chunk[i] = (uint8_t)((sent + i) * 7);
        sum_sent += chunk[i];
      }
      p2_guest_list_u8_t data = {chunk, n};
      if (!wasi_io_streams_method_output_stream_write(client_out, &data, &err)) break;
      sent += n;
    }
    p2_guest_list_u8_t data;
    uint64_t room = 0;
    if (echoed < sent &&
        wasi_io_streams_method_output_stream_check_write(server_out, &room, &err) && room > 0 &&
        wasi_io_streams_method_input_stream_read(server_in, room < 16384 ? room : 16384, &data,
                                                 &err)) {
      if (data.len > 0) {
        if (!wasi_io_streams_method_output_stream_write(server_out, &data, &err)) break;
        wasi_io_streams_method_output_stream_flush(server_out, &err);
        echoed += data.len;
      }
      p2_guest_list_u8_free(&data);
    }
    if (wasi_io_streams_method_input_stream_read(client_in, 16384, &data, &err)) {
      for (size_t i = 0; i < data.len; i++) sum_received += data.ptr[i];
      received += data.len;
      p2_guest_list_u8_free(&data);
    }
    // Wait until one of the streams can go on.
    wasi_io_poll_own_pollable_t ps[4] = {
        wasi_io_streams_method_output_stream_subscribe(client_out),
        wasi_io_streams_method_input_stream_subscribe(server_in),
        wasi_io_streams_method_input_stream_subscribe(client_in),
        wasi_io_streams_method_output_stream_subscribe(server_out),
    };
    wasi_io_poll_borrow_pollable_t bs[4];
    for (int i = 0; i < 4; i++) bs[i] = wasi_io_poll_borrow_pollable(ps[i]);
    wasi_io_poll_list_borrow_pollable_t list = {bs, 4};
    p2_guest_list_u32_t ready;
    wasi_io_poll_poll(&list, &ready);
    p2_guest_list_u32_free(&ready);
    for (int i = 0; i < 4; i++) wasi_io_poll_pollable_drop_own(ps[i]);
  }
  printf("bulk: sent %zu, echoed %zu, received %zu, checksums match: %s\n", sent, echoed,
         received, yes(sum_sent == sum_received));
}

static void echo(void) {
  puts("== echo over 127.0.0.1");
  net_error_t err;
  tcp_own_t listener = new_tcp(FAMILY_V4);
  if (!bind_to(BORROW(listener), ipv4(127, 0, 0, 1, 0), &err) ||
      !listen_on(BORROW(listener), &err)) {
    printf("bind and listen: error %s\n", net_error_name(err));
    exit(1);
  }
  sockaddr_t server_addr;
  wasi_sockets_tcp_method_tcp_socket_local_address(BORROW(listener), &server_addr, &err);
  fputs("listening on ", stdout);
  print_ip(&server_addr);
  printf(", port assigned: %s\n", yes(port_of(&server_addr) != 0));
  printf("is-listening: %s\n", yes(wasi_sockets_tcp_method_tcp_socket_is_listening(
                                   BORROW(listener))));
  print_net_result("set-listen-backlog-size while listening",
                   wasi_sockets_tcp_method_tcp_socket_set_listen_backlog_size(BORROW(listener), 8,
                                                                              &err),
                   err);
  wasi_sockets_tcp_tuple3_own_tcp_socket_own_input_stream_own_output_stream_t accepted;
  print_net_result("accept before a client",
                   wasi_sockets_tcp_method_tcp_socket_accept(BORROW(listener), &accepted, &err),
                   err);

  conn_t client = {.socket = new_tcp(FAMILY_V4)};
  wasi_sockets_tcp_tuple2_own_input_stream_own_output_stream_t streams;
  if (!wasi_sockets_tcp_method_tcp_socket_start_connect(BORROW(client.socket), net, &server_addr,
                                                        &err)) {
    printf("start-connect: error %s\n", net_error_name(err));
    exit(1);
  }
  print_net_result("start-connect again while connecting",
                   wasi_sockets_tcp_method_tcp_socket_start_connect(BORROW(client.socket), net,
                                                                    &server_addr, &err),
                   err);
  // The connect finishes without an accept: the kernel completes it in the listen backlog.
  for (;;) {
    if (wasi_sockets_tcp_method_tcp_socket_finish_connect(BORROW(client.socket), &streams, &err))
      break;
    if (err != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK) {
      printf("finish-connect: error %s\n", net_error_name(err));
      exit(1);
    }
    wait_socket(BORROW(client.socket));
  }
  client.in = streams.f0, client.out = streams.f1;
  puts("finish-connect: ok");
  // The listener's pollable is ready: the connection is there to accept.
  wait_socket(BORROW(listener));
  conn_t server;
  if (!wasi_sockets_tcp_method_tcp_socket_accept(BORROW(listener), &accepted, &err)) {
    printf("accept: error %s\n", net_error_name(err));
    exit(1);
  }
  server.socket = accepted.f0, server.in = accepted.f1, server.out = accepted.f2;
  puts("accept: ok");
  print_net_result("finish-connect again",
                   wasi_sockets_tcp_method_tcp_socket_finish_connect(BORROW(client.socket),
                                                                     &streams, &err),
                   err);

  sockaddr_t client_local, client_remote, server_local, server_remote;
  wasi_sockets_tcp_method_tcp_socket_local_address(BORROW(client.socket), &client_local, &err);
  wasi_sockets_tcp_method_tcp_socket_remote_address(BORROW(client.socket), &client_remote, &err);
  wasi_sockets_tcp_method_tcp_socket_local_address(BORROW(server.socket), &server_local, &err);
  wasi_sockets_tcp_method_tcp_socket_remote_address(BORROW(server.socket), &server_remote, &err);
  printf("client's remote is the listener: %s\n", yes(same_addr(&client_remote, &server_addr)));
  printf("accepted socket's local is the listener: %s\n",
         yes(same_addr(&server_local, &server_addr)));
  printf("accepted socket's remote is the client: %s\n",
         yes(same_addr(&server_remote, &client_local)));
  printf("accepted socket is-listening: %s\n",
         yes(wasi_sockets_tcp_method_tcp_socket_is_listening(BORROW(server.socket))));
  print_net_result("start-listen on a connection",
                   wasi_sockets_tcp_method_tcp_socket_start_listen(BORROW(client.socket), &err),
                   err);
  print_net_result("start-bind on a connection",
                   bind_to(BORROW(client.socket), ipv4(127, 0, 0, 1, 0), &err), err);

  // One line there and back.
  stream_error_t serr;
  p2_guest_list_u8_t line = bytes("hello over tcp\n", 15);
  printf("client blocking-write-and-flush: ");
  print_stream_result(wasi_io_streams_method_output_stream_blocking_write_and_flush(
                          wasi_io_streams_borrow_output_stream(client.out), &line, &serr),
                      &serr);
  putchar('\n');
  uint8_t buf[64];
  size_t n = read_some(wasi_io_streams_borrow_input_stream(server.in), buf, sizeof buf);
  printf("server read: ");
  print_bytes(buf, n);
  putchar('\n');
  p2_guest_list_u8_t echoed = {buf, n};
  printf("server blocking-write-and-flush: ");
  print_stream_result(wasi_io_streams_method_output_stream_blocking_write_and_flush(
                          wasi_io_streams_borrow_output_stream(server.out), &echoed, &serr),
                      &serr);
  putchar('\n');
  uint8_t back[64];
  size_t m = read_some(wasi_io_streams_borrow_input_stream(client.in), back, sizeof back);
  printf("client read: ");
  print_bytes(back, m);
  putchar('\n');

  bulk_echo(&client, &server);

  // The client stops sending: the server reads the end; then the server stops too.
  print_net_result("client shutdown send",
                   wasi_sockets_tcp_method_tcp_socket_shutdown(
                       BORROW(client.socket), WASI_SOCKETS_TCP_SHUTDOWN_TYPE_SEND, &err),
                   err);
  p2_guest_list_u8_t data;
  bool ok = wasi_io_streams_method_input_stream_blocking_read(
      wasi_io_streams_borrow_input_stream(server.in), 16, &data, &serr);
  printf("server read after the client's shutdown: ");
  if (ok) {
    print_list(&data);
    p2_guest_list_u8_free(&data);
  } else {
    fputs("error ", stdout);
    print_stream_error(&serr);
  }
  putchar('\n');
  printf("client write after its shutdown: ");
  print_stream_result(wasi_io_streams_method_output_stream_blocking_write_and_flush(
                          wasi_io_streams_borrow_output_stream(client.out), &line, &serr),
                      &serr);
  putchar('\n');
  print_net_result("server shutdown both",
                   wasi_sockets_tcp_method_tcp_socket_shutdown(
                       BORROW(server.socket), WASI_SOCKETS_TCP_SHUTDOWN_TYPE_BOTH, &err),
                   err);
  ok = wasi_io_streams_method_input_stream_blocking_read(
      wasi_io_streams_borrow_input_stream(client.in), 16, &data, &serr);
  printf("client read after the server's shutdown: ");
  if (ok) {
    print_list(&data);
    p2_guest_list_u8_free(&data);
  } else {
    fputs("error ", stdout);
    print_stream_error(&serr);
  }
  putchar('\n');
  close_conn(&client);
  close_conn(&server);

  // Nothing listens on the port any more: a connect is refused, and the socket is closed.
  wasi_sockets_tcp_tcp_socket_drop_own(listener);
  tcp_own_t refused = new_tcp(FAMILY_V4);
  print_net_result("connect to a closed port",
                   connect_to(BORROW(refused), server_addr, &streams, &err), err);
  print_net_result("start-connect after a refusal",
                   wasi_sockets_tcp_method_tcp_socket_start_connect(BORROW(refused), net,
                                                                    &server_addr, &err),
                   err);
  wasi_sockets_tcp_tcp_socket_drop_own(refused);

  // Binding twice to one address and port.
  tcp_own_t first = new_tcp(FAMILY_V4), second = new_tcp(FAMILY_V4);
  bind_to(BORROW(first), ipv4(127, 0, 0, 1, 0), &err);
  sockaddr_t taken;
  wasi_sockets_tcp_method_tcp_socket_local_address(BORROW(first), &taken, &err);
  listen_on(BORROW(first), &err);
  print_net_result("bind to a port in use", bind_to(BORROW(second), taken, &err), err);
  print_net_result("bind a bound socket again",
                   bind_to(BORROW(first), ipv4(127, 0, 0, 1, 0), &err), err);
  wasi_sockets_tcp_tcp_socket_drop_own(second);
  wasi_sockets_tcp_tcp_socket_drop_own(first);
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  wasi_sockets_network_own_network_t own = wasi_sockets_instance_network_instance_network();
  net = wasi_sockets_network_borrow_network(own);
  unbound_state();
  bad_addresses();
  options();
  echo();
  wasi_sockets_network_network_drop_own(own);
  return true;
}
