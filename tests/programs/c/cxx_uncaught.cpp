/*
 * A C++ exception that nothing catches (built like cxx_exceptions.cpp). With wasm
 * exception handling there is no search phase: the throw unwinds frame by frame, the
 * destructors on the way run (clang's cleanup landing pads: catch_all, then rethrow), and
 * the exception leaves _start. That is reported like a trap: status 134 and "uncaught
 * exception" on stderr, after the lines the destructors flushed. (A native build differs:
 * its search phase finds no handler, so std::terminate runs before any destructor.)
 */
#ifdef __wasm__
#include "cxx_eh_abi.h"
#endif

#include <cstdio>
#include <stdexcept>

struct Noisy {
    int id;
    ~Noisy() {
        printf("destroying %d\n", id);
        fflush(stdout);
    }
};

__attribute__((noinline)) static void fail() {
    Noisy inner{1};
    throw std::runtime_error("nobody catches this");
}

__attribute__((noinline)) static void wrapper() {
    Noisy middle{2};
    try {
        fail();
    } catch (const std::logic_error &) {
        printf("wrong handler\n");
    }
}

int main() {
    Noisy outer{3};
    printf("before the throw\n");
    fflush(stdout);
    wrapper();
    printf("unreachable\n");
    return 0;
}
