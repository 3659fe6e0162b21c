// A wasi:http/proxy component with a large memory image (tests/servers.rs): 256 KiB of
// initialised data, so that its instances map the image copy-on-write and their memory is
// reset by discarding pages, where p2_proxy's small image is copied back.
//   /   "fresh\n" if the table and the static data are as instantiated (else 500 and
//       "stale\n"), having then dirtied a few pages of the table and the static data
#include <stdint.h>
#include <string.h>

#include "bindings/proxy_guest.h"

#define TABLE_BYTES (256 << 10)

// Every 4096th byte set, the rest zero: LLVM emits the whole array as one data segment.
#define MARK(i) [(i) * 4096] = (uint8_t)((i) + 1)
#define MARK8(i) MARK(i), MARK(i + 1), MARK(i + 2), MARK(i + 3), MARK(i + 4), MARK(i + 5), \
                 MARK(i + 6), MARK(i + 7)
#define MARK64(i) MARK8(i), MARK8(i + 8), MARK8(i + 16), MARK8(i + 24), MARK8(i + 32), \
                  MARK8(i + 40), MARK8(i + 48), MARK8(i + 56)
static uint8_t table[TABLE_BYTES] = {MARK64(0)};
static uint32_t requests;

static int table_fresh(void) {
  for (size_t i = 0; i < TABLE_BYTES; i++) {
    uint8_t want = i % 4096 == 0 ? (uint8_t)(i / 4096 + 1) : 0;
    if (table[i] != want) return 0;
  }
  return 1;
}

static void respond(wasi_http_types_own_response_outparam_t out, uint16_t status,
                    const char *text) {
  wasi_http_types_own_outgoing_response_t response =
      wasi_http_types_constructor_outgoing_response(wasi_http_types_constructor_fields());
  if (!wasi_http_types_method_outgoing_response_set_status_code(
          wasi_http_types_borrow_outgoing_response(response), status))
    __builtin_trap();
  wasi_http_types_own_outgoing_body_t body;
  if (!wasi_http_types_method_outgoing_response_body(
          wasi_http_types_borrow_outgoing_response(response), &body))
    __builtin_trap();
  wasi_io_streams_own_output_stream_t stream;
  if (!wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body),
                                                  &stream))
    __builtin_trap();
  wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
  result.val.ok = response;
  wasi_http_types_static_response_outparam_set(out, &result);
  proxy_guest_list_u8_t chunk = {(uint8_t *)text, strlen(text)};
  wasi_io_streams_stream_error_t err;
  if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(
          wasi_io_streams_borrow_output_stream(stream), &chunk, &err))
    __builtin_trap();
  wasi_io_streams_output_stream_drop_own(stream);
  wasi_http_types_error_code_t error;
  if (!wasi_http_types_static_outgoing_body_finish(body, NULL, &error)) __builtin_trap();
}

void exports_wasi_http_incoming_handler_handle(
    exports_wasi_http_incoming_handler_own_incoming_request_t request,
    wasi_http_types_own_response_outparam_t out) {
  wasi_http_types_incoming_request_drop_own(request);
  int fresh = requests == 0 && table_fresh();
  requests++;
  for (size_t i = 0; i < TABLE_BYTES; i += 65536 + 4096) table[i + 17] = 0xee;
  respond(out, fresh ? 200 : 500, fresh ? "fresh\n" : "stale\n");
}
