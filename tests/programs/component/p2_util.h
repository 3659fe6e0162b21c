// Helpers shared by the C guests of tests/programs/component/ (p2_*.c): printing results
// deterministically (error codes and stream errors by name, bytes escaped) and building
// the wit-bindgen argument types. Output goes through libc's stdout, unbuffered, so that it
// interleaves in order with what the programs write through wasi:cli/stdout themselves.
#ifndef P2_UTIL_H
#define P2_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings/p2_guest.h"

typedef wasi_filesystem_types_error_code_t error_code_t;
typedef wasi_io_streams_stream_error_t stream_error_t;
typedef wasi_io_streams_borrow_input_stream_t in_t;
typedef wasi_io_streams_borrow_output_stream_t out_t;
typedef wasi_filesystem_types_borrow_descriptor_t fd_t;

static inline void util_init(void) { setvbuf(stdout, NULL, _IONBF, 0); }

static const char *const ERROR_CODE_NAMES[] = {
    "access", "would-block", "already", "bad-descriptor", "busy", "deadlock", "quota",
    "exist", "file-too-large", "illegal-byte-sequence", "in-progress", "interrupted",
    "invalid", "io", "is-directory", "loop", "too-many-links", "message-size",
    "name-too-long", "no-device", "no-entry", "no-lock", "insufficient-memory",
    "insufficient-space", "not-directory", "not-empty", "not-recoverable", "unsupported",
    "no-tty", "no-such-device", "overflow", "not-permitted", "pipe", "read-only",
    "invalid-seek", "text-file-busy", "cross-device",
};

static inline const char *error_code_name(error_code_t code) {
  if (code < sizeof ERROR_CODE_NAMES / sizeof ERROR_CODE_NAMES[0]) return ERROR_CODE_NAMES[code];
  return "(out of range)";
}

static const char *const DESCRIPTOR_TYPE_NAMES[] = {
    "unknown", "block-device", "character-device", "directory",
    "fifo", "symbolic-link", "regular-file", "socket",
};

static inline const char *descriptor_type_name(wasi_filesystem_types_descriptor_type_t type) {
  if (type < 8) return DESCRIPTOR_TYPE_NAMES[type];
  return "(out of range)";
}

// A borrowed WIT string of a C string (no copy: the callee only reads it).
static inline p2_guest_string_t str(const char *s) {
  p2_guest_string_t out = {(uint8_t *)s, strlen(s)};
  return out;
}

// A borrowed list<u8> of a C string.
static inline p2_guest_list_u8_t bytes(const char *s, size_t len) {
  p2_guest_list_u8_t out = {(uint8_t *)s, len};
  return out;
}

// Prints `len` bytes as a quoted string, with \n, \0, \\, \" and \xHH escapes.
static inline void print_bytes(const uint8_t *ptr, size_t len) {
  putchar('"');
  for (size_t i = 0; i < len; i++) {
    uint8_t c = ptr[i];
    if (c == '\n') fputs("\\n", stdout);
    else if (c == 0) fputs("\\0", stdout);
    else if (c == '\\' || c == '"') printf("\\%c", c);
    else if (c < 32 || c >= 127) printf("\\x%02x", c);
    else putchar(c);
  }
  putchar('"');
}

static inline void print_list(const p2_guest_list_u8_t *list) { print_bytes(list->ptr, list->len); }

static inline void print_string(const p2_guest_string_t *s) { print_bytes(s->ptr, s->len); }

// Describes a stream error and releases it: `closed`, or `last-operation-failed` with the
// filesystem error code that wasi:filesystem/types gives for the error (when it gives
// one) and whether to-debug-string says anything. Any debug text itself varies between
// hosts, so it is never printed.
static inline void print_stream_error(stream_error_t *err) {
  if (err->tag == WASI_IO_STREAMS_STREAM_ERROR_CLOSED) {
    fputs("closed", stdout);
    return;
  }
  wasi_io_error_own_error_t own = err->val.last_operation_failed;
  wasi_io_error_borrow_error_t borrowed = wasi_io_error_borrow_error(own);
  p2_guest_string_t debug;
  wasi_io_error_method_error_to_debug_string(borrowed, &debug);
  error_code_t code;
  fputs("last-operation-failed (filesystem-error-code: ", stdout);
  if (wasi_filesystem_types_filesystem_error_code(borrowed, &code))
    fputs(error_code_name(code), stdout);
  else
    fputs("none", stdout);
  printf(", debug string non-empty: %s)", debug.len > 0 ? "yes" : "no");
  p2_guest_string_free(&debug);
  wasi_io_error_error_drop_own(own);
}

// "ok" or "error NAME" for a result<_, error-code>.
static inline void print_fs_result(bool ok, error_code_t err) {
  if (ok)
    fputs("ok", stdout);
  else
    printf("error %s", error_code_name(err));
}

static inline void print_stream_result(bool ok, stream_error_t *err) {
  if (ok) {
    fputs("ok", stdout);
  } else {
    fputs("error ", stdout);
    print_stream_error(err);
  }
}

static inline void print_u32_list(const p2_guest_list_u32_t *list) {
  putchar('[');
  for (size_t i = 0; i < list->len; i++) printf("%s%u", i ? ", " : "", (unsigned)list->ptr[i]);
  putchar(']');
}

static inline const char *yes(bool b) { return b ? "yes" : "no"; }

// Waits (through the stream's pollable) until the stream accepts `n` bytes, as the
// check-write protocol asks before each write. Returns false, with `err` set, on an error.
static inline bool wait_writable(out_t out, uint64_t n, stream_error_t *err) {
  for (;;) {
    uint64_t permitted;
    if (!wasi_io_streams_method_output_stream_check_write(out, &permitted, err)) return false;
    if (permitted >= n) return true;
    wasi_io_poll_own_pollable_t p = wasi_io_streams_method_output_stream_subscribe(out);
    wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
    wasi_io_poll_pollable_drop_own(p);
  }
}

// Blocks on the input stream's pollable.
static inline void wait_readable(in_t in) {
  wasi_io_poll_own_pollable_t p = wasi_io_streams_method_input_stream_subscribe(in);
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
  wasi_io_poll_pollable_drop_own(p);
}

// wasi:sockets: error codes by name, addresses printed and built.
typedef wasi_sockets_network_error_code_t net_error_t;
typedef wasi_sockets_network_ip_socket_address_t sockaddr_t;

static const char *const NET_ERROR_NAMES[] = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory",
    "timeout", "concurrency-conflict", "not-in-progress", "would-block", "invalid-state",
    "new-socket-limit", "address-not-bindable", "address-in-use", "remote-unreachable",
    "connection-refused", "connection-reset", "connection-aborted", "datagram-too-large",
    "name-unresolvable", "temporary-resolver-failure", "permanent-resolver-failure",
};

static inline const char *net_error_name(net_error_t code) {
  if (code < sizeof NET_ERROR_NAMES / sizeof NET_ERROR_NAMES[0]) return NET_ERROR_NAMES[code];
  return "(out of range)";
}

// "ok" or "error NAME" for a result<_, error-code> of wasi:sockets.
static inline void print_net_result(const char *what, bool ok, net_error_t err) {
  if (ok)
    printf("%s: ok\n", what);
  else
    printf("%s: error %s\n", what, net_error_name(err));
}

static inline sockaddr_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  sockaddr_t addr;
  memset(&addr, 0, sizeof addr);
  addr.tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
  addr.val.ipv4.port = port;
  addr.val.ipv4.address.f0 = a;
  addr.val.ipv4.address.f1 = b;
  addr.val.ipv4.address.f2 = c;
  addr.val.ipv4.address.f3 = d;
  return addr;
}

// An IPv6 socket address from its eight segments.
static inline sockaddr_t ipv6(const uint16_t s[8], uint16_t port) {
  sockaddr_t addr;
  memset(&addr, 0, sizeof addr);
  addr.tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6;
  addr.val.ipv6.port = port;
  wasi_sockets_network_ipv6_address_t *a = &addr.val.ipv6.address;
  a->f0 = s[0], a->f1 = s[1], a->f2 = s[2], a->f3 = s[3];
  a->f4 = s[4], a->f5 = s[5], a->f6 = s[6], a->f7 = s[7];
  return addr;
}

static inline uint16_t port_of(const sockaddr_t *addr) {
  return addr->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4 ? addr->val.ipv4.port
                                                                   : addr->val.ipv6.port;
}

// Whether two socket addresses are the same (address and port).
static inline bool same_addr(const sockaddr_t *a, const sockaddr_t *b) {
  if (a->tag != b->tag) return false;
  if (a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4)
    return a->val.ipv4.port == b->val.ipv4.port &&
           memcmp(&a->val.ipv4.address, &b->val.ipv4.address, 4) == 0;
  return a->val.ipv6.port == b->val.ipv6.port &&
         memcmp(&a->val.ipv6.address, &b->val.ipv6.address, 16) == 0;
}

// The address without its port (ports are assigned by the system, so never printed).
static inline void print_ip(const sockaddr_t *addr) {
  if (addr->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4) {
    const wasi_sockets_network_ipv4_address_t *a = &addr->val.ipv4.address;
    printf("%u.%u.%u.%u", a->f0, a->f1, a->f2, a->f3);
  } else {
    const wasi_sockets_network_ipv6_address_t *a = &addr->val.ipv6.address;
    printf("[%x:%x:%x:%x:%x:%x:%x:%x]", a->f0, a->f1, a->f2, a->f3, a->f4, a->f5, a->f6, a->f7);
  }
}

// Blocks on a pollable and drops it.
static inline void block_on(wasi_io_poll_own_pollable_t p) {
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
  wasi_io_poll_pollable_drop_own(p);
}

#endif
