/*
 * The WASI 0.2 host-call benchmark: the same 100,000 small writes as fd_write.c, each one
 * `output-stream.blocking-write-and-flush` on stdout (the runner points it at /dev/null),
 * called directly through wit-bindgen's C bindings of the world that
 * tests/programs/component/ uses. Built as a component (benches/Makefile.inc), it compares
 * a component's host-call path with the Preview 1 one. The byte count goes to stderr.
 */
#include <stdio.h>
#include <string.h>

#include "../../tests/programs/component/bindings/p2_guest.h"

#define CALLS 100000

bool exports_wasi_cli_run_run(void) {
    static const char msg[] = "0123456789abcdef\n";
    wasi_cli_stdout_own_output_stream_t out = wasi_cli_stdout_get_stdout();
    wasi_io_streams_borrow_output_stream_t stream = wasi_io_streams_borrow_output_stream(out);
    unsigned long long total = 0;
    for (int i = 0; i < CALLS; i++) {
        p2_guest_list_u8_t bytes = {
            .ptr = (uint8_t *)(msg + (i & 7)),
            .len = 1 + (unsigned)(i & 7),
        };
        wasi_io_streams_stream_error_t err;
        if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(stream, &bytes, &err)) {
            fprintf(stderr, "blocking_write: blocking-write-and-flush failed\n");
            return false;
        }
        total += bytes.len;
    }
    wasi_io_streams_output_stream_drop_own(out);
    fprintf(stderr, "blocking_write: %llu bytes in %d calls\n", total, CALLS);
    return true;
}
