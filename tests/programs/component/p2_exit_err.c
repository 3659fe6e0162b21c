// wasi:cli/exit's exit with an error: the component's exit status is 1, and exit does not
// return (p2_clocks_random ends with exit ok, p2_cli with exit-with-code).
#include "p2_util.h"

bool exports_wasi_cli_run_run(void) {
  util_init();
  puts("exit err");
  wasi_cli_exit_result_void_void_t status = {.is_err = true};
  wasi_cli_exit_exit(&status);
  puts("exit returned");
  return true;
}
