/*
 * The only non-Rust code of the runtime: entering compiled code with a resume point.
 *
 * Rust cannot call setjmp (it returns twice), so this shim does. `wasi_aot_catch` calls an
 * array-call trampoline with a jump buffer installed; the signal handler (Rust) calls
 * `wasi_aot_resume`, which longjmps back and makes `wasi_aot_catch` return non-zero. Only
 * compiled wasm frames lie between the two: host functions and libcalls never trap by
 * unwinding, they return a status and compiled code raises the trap itself.
 *
 * The signal handlers are installed with SA_NODEFER, so the non-signal-saving _setjmp and
 * _longjmp suffice and entering wasm costs no system call.
 */
#include <setjmp.h>
#include <stddef.h>

typedef void (*wasi_aot_array_call)(void *code, void *vmctx, void *values);

static __thread jmp_buf *current;

int wasi_aot_catch(wasi_aot_array_call trampoline, void *code, void *vmctx, void *values) {
    jmp_buf buf;
    jmp_buf *prev = current;
    current = &buf;
    int status = _setjmp(buf);
    if (status == 0) {
        trampoline(code, vmctx, values);
    }
    current = prev;
    return status;
}

int wasi_aot_catching(void) {
    return current != NULL;
}

void wasi_aot_resume(void) {
    _longjmp(*current, 1);
}
