// wasi:sockets/udp through its WIT bindings: an echo over the loopback interface between a
// server socket whose streams take any peer and a client whose streams are fixed to the
// server, check-send and send, receive and its pollable, a second `stream` that undoes the
// association, the socket options, and the errors of unbound sockets and bad destinations.
// Ports are assigned by the system and never printed.
#include "p2_util.h"

typedef wasi_sockets_udp_own_udp_socket_t udp_own_t;
typedef wasi_sockets_udp_borrow_udp_socket_t udp_t;
typedef wasi_sockets_udp_tuple2_own_incoming_datagram_stream_own_outgoing_datagram_stream_t
    streams_t;
#define BORROW(s) wasi_sockets_udp_borrow_udp_socket(s)
#define IN(s) wasi_sockets_udp_borrow_incoming_datagram_stream(s)
#define OUT(s) wasi_sockets_udp_borrow_outgoing_datagram_stream(s)
#define FAMILY_V4 WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4

static wasi_sockets_network_borrow_network_t net;

static udp_own_t new_udp(void) {
  udp_own_t s;
  net_error_t err;
  if (!wasi_sockets_udp_create_socket_create_udp_socket(FAMILY_V4, &s, &err)) {
    printf("create-udp-socket: error %s\n", net_error_name(err));
    exit(1);
  }
  return s;
}

static bool bind_to(udp_t s, sockaddr_t addr, net_error_t *err) {
  return wasi_sockets_udp_method_udp_socket_start_bind(s, net, &addr, err) &&
         wasi_sockets_udp_method_udp_socket_finish_bind(s, err);
}

static bool open_streams(udp_t s, sockaddr_t *remote, streams_t *streams, net_error_t *err) {
  return wasi_sockets_udp_method_udp_socket_stream(s, remote, streams, err);
}

static void close_streams(streams_t *streams) {
  wasi_sockets_udp_incoming_datagram_stream_drop_own(streams->f0);
  wasi_sockets_udp_outgoing_datagram_stream_drop_own(streams->f1);
}

// Sends one datagram to `to` (none: the stream's remote), after check-send permits it.
static bool send_one(wasi_sockets_udp_borrow_outgoing_datagram_stream_t out, const char *text,
                     size_t len, const sockaddr_t *to, uint64_t *sent, net_error_t *err) {
  uint64_t permitted = 0;
  while (permitted == 0) {
    if (!wasi_sockets_udp_method_outgoing_datagram_stream_check_send(out, &permitted, err))
      return false;
    if (permitted == 0) block_on(wasi_sockets_udp_method_outgoing_datagram_stream_subscribe(out));
  }
  wasi_sockets_udp_outgoing_datagram_t d;
  memset(&d, 0, sizeof d);
  d.data = bytes(text, len);
  if (to) {
    d.remote_address.is_some = true;
    d.remote_address.val = *to;
  }
  wasi_sockets_udp_list_outgoing_datagram_t list = {&d, 1};
  return wasi_sockets_udp_method_outgoing_datagram_stream_send(out, &list, sent, err);
}

// Receives until `want` datagrams have come, waiting on the stream's pollable; prints each.
static void receive(const char *who, wasi_sockets_udp_borrow_incoming_datagram_stream_t in,
                    size_t want, const sockaddr_t *from) {
  size_t got = 0;
  for (int rounds = 0; got < want && rounds < 1000; rounds++) {
    wasi_sockets_udp_list_incoming_datagram_t list;
    net_error_t err;
    if (!wasi_sockets_udp_method_incoming_datagram_stream_receive(in, 16, &list, &err)) {
      printf("%s receive: error %s\n", who, net_error_name(err));
      return;
    }
    for (size_t i = 0; i < list.len; i++) {
      printf("%s received ", who);
      print_list(&list.ptr[i].data);
      printf(" from the expected peer: %s\n", yes(same_addr(&list.ptr[i].remote_address, from)));
    }
    got += list.len;
    wasi_sockets_udp_list_incoming_datagram_free(&list);
    if (got < want) block_on(wasi_sockets_udp_method_incoming_datagram_stream_subscribe(in));
  }
}

static void unbound(void) {
  puts("== an unbound socket");
  udp_own_t own = new_udp();
  udp_t s = BORROW(own);
  net_error_t err;
  sockaddr_t addr;
  streams_t streams;
  printf("address-family: %s\n",
         wasi_sockets_udp_method_udp_socket_address_family(s) == FAMILY_V4 ? "ipv4" : "ipv6");
  print_net_result("finish-bind", wasi_sockets_udp_method_udp_socket_finish_bind(s, &err), err);
  print_net_result("stream", open_streams(s, NULL, &streams, &err), err);
  print_net_result("local-address",
                   wasi_sockets_udp_method_udp_socket_local_address(s, &addr, &err), err);
  print_net_result("remote-address",
                   wasi_sockets_udp_method_udp_socket_remote_address(s, &addr, &err), err);
  block_on(wasi_sockets_udp_method_udp_socket_subscribe(s));
  puts("subscribe and block: returned");

  uint8_t hops;
  uint64_t size;
  print_net_result("set-unicast-hop-limit 0",
                   wasi_sockets_udp_method_udp_socket_set_unicast_hop_limit(s, 0, &err), err);
  print_net_result("set-unicast-hop-limit 9",
                   wasi_sockets_udp_method_udp_socket_set_unicast_hop_limit(s, 9, &err), err);
  if (wasi_sockets_udp_method_udp_socket_unicast_hop_limit(s, &hops, &err))
    printf("unicast-hop-limit: %u\n", (unsigned)hops);
  print_net_result("set-receive-buffer-size 0",
                   wasi_sockets_udp_method_udp_socket_set_receive_buffer_size(s, 0, &err), err);
  print_net_result("set-receive-buffer-size 65536",
                   wasi_sockets_udp_method_udp_socket_set_receive_buffer_size(s, 65536, &err),
                   err);
  if (wasi_sockets_udp_method_udp_socket_receive_buffer_size(s, &size, &err))
    printf("receive-buffer-size at least 65536: %s\n", yes(size >= 65536));
  print_net_result("set-send-buffer-size 0",
                   wasi_sockets_udp_method_udp_socket_set_send_buffer_size(s, 0, &err), err);
  print_net_result("set-send-buffer-size 65536",
                   wasi_sockets_udp_method_udp_socket_set_send_buffer_size(s, 65536, &err), err);
  if (wasi_sockets_udp_method_udp_socket_send_buffer_size(s, &size, &err))
    printf("send-buffer-size at least 65536: %s\n", yes(size >= 65536));
  wasi_sockets_udp_udp_socket_drop_own(own);
}

static void echo(void) {
  puts("== echo over 127.0.0.1");
  net_error_t err;
  udp_own_t server = new_udp(), client = new_udp();
  if (!bind_to(BORROW(server), ipv4(127, 0, 0, 1, 0), &err) ||
      !bind_to(BORROW(client), ipv4(127, 0, 0, 1, 0), &err)) {
    printf("bind: error %s\n", net_error_name(err));
    exit(1);
  }
  print_net_result("bind a bound socket again",
                   bind_to(BORROW(server), ipv4(127, 0, 0, 1, 0), &err), err);
  sockaddr_t server_addr, client_addr, remote;
  wasi_sockets_udp_method_udp_socket_local_address(BORROW(server), &server_addr, &err);
  wasi_sockets_udp_method_udp_socket_local_address(BORROW(client), &client_addr, &err);
  fputs("server bound to ", stdout);
  print_ip(&server_addr);
  printf(", port assigned: %s\n", yes(port_of(&server_addr) != 0));

  streams_t server_streams, client_streams;
  print_net_result("server stream without a remote",
                   open_streams(BORROW(server), NULL, &server_streams, &err), err);
  print_net_result("server remote-address",
                   wasi_sockets_udp_method_udp_socket_remote_address(BORROW(server), &remote,
                                                                     &err),
                   err);
  print_net_result("client stream to the server",
                   open_streams(BORROW(client), &server_addr, &client_streams, &err), err);
  if (wasi_sockets_udp_method_udp_socket_remote_address(BORROW(client), &remote, &err))
    printf("client remote-address is the server: %s\n", yes(same_addr(&remote, &server_addr)));

  uint64_t sent = 0;
  print_net_result("client send \"ping 1\"",
                   send_one(OUT(client_streams.f1), "ping 1", 6, NULL, &sent, &err), err);
  print_net_result("client send \"ping 2\" to the server by address",
                   send_one(OUT(client_streams.f1), "ping 2", 6, &server_addr, &sent, &err), err);
  receive("server", IN(server_streams.f0), 2, &client_addr);
  print_net_result("server send \"pong\" to the client",
                   send_one(OUT(server_streams.f1), "pong", 4, &client_addr, &sent, &err), err);
  receive("client", IN(client_streams.f0), 1, &server_addr);

  // Destinations a stream refuses.
  sockaddr_t elsewhere = ipv4(127, 0, 0, 1, 9);
  print_net_result("client send to another address than its remote",
                   send_one(OUT(client_streams.f1), "x", 1, &elsewhere, &sent, &err), err);
  print_net_result("server send without an address",
                   send_one(OUT(server_streams.f1), "x", 1, NULL, &sent, &err), err);
  sockaddr_t port0 = ipv4(127, 0, 0, 1, 0);
  print_net_result("server send to port 0",
                   send_one(OUT(server_streams.f1), "x", 1, &port0, &sent, &err), err);
  static char big[70000];
  print_net_result("client send of 70000 bytes",
                   send_one(OUT(client_streams.f1), big, sizeof big, NULL, &sent, &err), err);
  wasi_sockets_udp_list_outgoing_datagram_t none = {NULL, 0};
  if (wasi_sockets_udp_method_outgoing_datagram_stream_send(OUT(client_streams.f1), &none, &sent,
                                                            &err))
    printf("send of no datagrams: %llu\n", (unsigned long long)sent);

  // A second `stream` (after the first streams are dropped, as wasmtime insists) undoes
  // the association: the socket sends anywhere again. Linux may give the socket a new port
  // on the way (it was bound to port 0), so its address is read again after the send.
  close_streams(&client_streams);
  streams_t again;
  print_net_result("client stream again, without a remote",
                   open_streams(BORROW(client), NULL, &again, &err), err);
  print_net_result("client remote-address",
                   wasi_sockets_udp_method_udp_socket_remote_address(BORROW(client), &remote,
                                                                     &err),
                   err);
  print_net_result("client send \"ping 3\" on the new stream",
                   send_one(OUT(again.f1), "ping 3", 6, &server_addr, &sent, &err), err);
  wasi_sockets_udp_method_udp_socket_local_address(BORROW(client), &client_addr, &err);
  receive("server", IN(server_streams.f0), 1, &client_addr);
  wasi_sockets_udp_list_incoming_datagram_t list;
  if (wasi_sockets_udp_method_incoming_datagram_stream_receive(IN(server_streams.f0), 0, &list,
                                                               &err)) {
    printf("receive of at most 0: %zu datagrams\n", list.len);
    wasi_sockets_udp_list_incoming_datagram_free(&list);
  }

  close_streams(&again);
  close_streams(&server_streams);
  wasi_sockets_udp_udp_socket_drop_own(client);
  wasi_sockets_udp_udp_socket_drop_own(server);
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  wasi_sockets_network_own_network_t own = wasi_sockets_instance_network_instance_network();
  net = wasi_sockets_network_borrow_network(own);
  unbound();
  echo();
  wasi_sockets_network_network_drop_own(own);
  return true;
}
