// wasi:sockets/ip-name-lookup through its WIT bindings: resolving `localhost` (waiting on the
// stream's pollable while the resolver works), address literals, and names that are not
// names. Which loopback addresses `localhost` has depends on the host's /etc/hosts, so only
// facts true on every host are printed.
#include "p2_util.h"

typedef wasi_sockets_ip_name_lookup_own_resolve_address_stream_t lookup_own_t;

static wasi_sockets_network_borrow_network_t net;

static bool is_loopback(const wasi_sockets_network_ip_address_t *ip) {
  if (ip->tag == WASI_SOCKETS_NETWORK_IP_ADDRESS_IPV4) return ip->val.ipv4.f0 == 127;
  const wasi_sockets_network_ipv6_address_t *a = &ip->val.ipv6;
  return !a->f0 && !a->f1 && !a->f2 && !a->f3 && !a->f4 && !a->f5 && !a->f6 && a->f7 == 1;
}

static void print_addr(const wasi_sockets_network_ip_address_t *ip) {
  if (ip->tag == WASI_SOCKETS_NETWORK_IP_ADDRESS_IPV4) {
    const wasi_sockets_network_ipv4_address_t *a = &ip->val.ipv4;
    printf("%u.%u.%u.%u", a->f0, a->f1, a->f2, a->f3);
  } else {
    const wasi_sockets_network_ipv6_address_t *a = &ip->val.ipv6;
    printf("[%x:%x:%x:%x:%x:%x:%x:%x]", a->f0, a->f1, a->f2, a->f3, a->f4, a->f5, a->f6, a->f7);
  }
}

// Resolves `name`; prints every address when `print` is set, else only what all hosts agree
// on (at least one address, all of them loopback).
static void resolve(const char *name, bool print) {
  printf("resolve %s: ", name);
  p2_guest_string_t s = str(name);
  lookup_own_t stream;
  net_error_t err;
  if (!wasi_sockets_ip_name_lookup_resolve_addresses(net, &s, &stream, &err)) {
    printf("error %s\n", net_error_name(err));
    return;
  }
  wasi_sockets_ip_name_lookup_borrow_resolve_address_stream_t b =
      wasi_sockets_ip_name_lookup_borrow_resolve_address_stream(stream);
  int count = 0, loopback = 0, waits = 0;
  for (;;) {
    wasi_sockets_ip_name_lookup_option_ip_address_t next;
    if (!wasi_sockets_ip_name_lookup_method_resolve_address_stream_resolve_next_address(b, &next,
                                                                                          &err)) {
      if (err == WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK && waits++ < 100) {
        block_on(wasi_sockets_ip_name_lookup_method_resolve_address_stream_subscribe(b));
        continue;
      }
      printf("error %s", net_error_name(err));
      break;
    }
    if (!next.is_some) break;
    if (print) {
      if (count) fputs(", ", stdout);
      print_addr(&next.val);
    }
    count++;
    loopback += is_loopback(&next.val);
  }
  if (!print) printf("some addresses: %s, all loopback: %s", yes(count > 0), yes(count == loopback));
  putchar('\n');
  // The stream stays exhausted.
  wasi_sockets_ip_name_lookup_option_ip_address_t next;
  if (wasi_sockets_ip_name_lookup_method_resolve_address_stream_resolve_next_address(b, &next,
                                                                                       &err))
    printf("  then: %s\n", next.is_some ? "an address" : "none");
  wasi_sockets_ip_name_lookup_resolve_address_stream_drop_own(stream);
}

bool exports_wasi_cli_run_run(void) {
  util_init();
  wasi_sockets_network_own_network_t own = wasi_sockets_instance_network_instance_network();
  net = wasi_sockets_network_borrow_network(own);
  resolve("localhost", false);
  resolve("LOCALHOST", false);
  resolve("127.0.0.1", true);
  resolve("10.20.30.40", true);
  resolve("[::1]", true);
  resolve("", true);
  resolve("two words", true);
  resolve("name:80", true);
  resolve("http://localhost/", true);
  wasi_sockets_network_network_drop_own(own);
  return true;
}
