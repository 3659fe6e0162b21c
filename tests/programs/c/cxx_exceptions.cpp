/*
 * C++ exceptions as clang++ -fwasm-exceptions compiles them (clang 14: the legacy wasm
 * instructions try, catch, catch_all, rethrow and delegate), linked against Debian's
 * libc++ for wasm32-wasi with the small runtime of cxx_eh_abi.h (Debian's libc++abi has
 * no exception support). Plain portable C++: a native build prints the same.
 *
 *  - std::runtime_error and std::out_of_range caught as const std::exception& (what());
 *  - several catch clauses: the first that matches wins, by value, by reference, by
 *    pointer, derived-to-base, and catch (...);
 *  - destructors run while unwinding, innermost first, across frames, and for the
 *    constructed members of an object whose constructor throws;
 *  - `throw;` rethrows the same object (no copy); a new exception thrown in a handler;
 *    nested try blocks inside handlers;
 *  - throws through function pointers and virtual calls;
 *  - 100000 throws in a loop, a throw from 1000 frames deep, and the shadow stack pointer
 *    restored after catching;
 *  - every exception object destroyed once caught: the live-object count returns to zero.
 */
#ifdef __wasm__
#include "cxx_eh_abi.h"
#endif

#include <cstdio>
#include <cstring>
#include <stdexcept>

static int live_objects;
static int trace_len;
static char trace[256];

/* Appends one character to the unwinding trace. */
static void mark(char c) {
    if (trace_len < (int)sizeof trace - 1)
        trace[trace_len++] = c;
}

static const char *take_trace() {
    trace[trace_len] = 0;
    trace_len = 0;
    return trace;
}

struct Guard {
    char name;
    explicit Guard(char n) : name(n) {}
    ~Guard() { mark(name); }
};

struct Base {
    int code;
    explicit Base(int c) : code(c) { live_objects++; }
    Base(const Base &other) : code(other.code) { live_objects++; }
    virtual ~Base() { live_objects--; }
    virtual const char *kind() const { return "Base"; }
};

struct Derived : Base {
    explicit Derived(int c) : Base(c) {}
    const char *kind() const override { return "Derived"; }
};

struct MoreDerived : Derived {
    explicit MoreDerived(int c) : Derived(c) {}
    const char *kind() const override { return "MoreDerived"; }
};

struct Unrelated {
    int value;
};

__attribute__((noinline)) static void throw_kind(int k) {
    switch (k) {
    case 0: throw 42;
    case 1: throw 2.5;
    case 2: throw "a C string";
    case 3: throw Derived(3);
    case 4: throw MoreDerived(4);
    case 5: throw Unrelated{5};
    case 6: throw std::out_of_range("index 6");
    case 7: throw 'c';
    default: break;
    }
}

__attribute__((noinline)) static void standard_exceptions() {
    try {
        throw std::runtime_error("runtime error text");
    } catch (const std::exception &e) {
        printf("std::exception& caught: %s\n", e.what());
    }
    try {
        throw_kind(6);
    } catch (const std::logic_error &e) {
        printf("std::logic_error& caught out_of_range: %s\n", e.what());
    }
}

__attribute__((noinline)) static void clause_selection() {
    for (int k = 0; k <= 8; k++) {
        printf("throw_kind(%d): ", k);
        try {
            throw_kind(k);
            printf("no exception\n");
        } catch (int v) {
            printf("int %d\n", v);
        } catch (double d) {
            printf("double %g\n", d);
        } catch (const char *s) {
            printf("const char* \"%s\"\n", s);
        } catch (const MoreDerived &e) {
            printf("MoreDerived& %s %d\n", e.kind(), e.code);
        } catch (const Base &e) {
            printf("Base& %s %d\n", e.kind(), e.code);
        } catch (Unrelated u) {
            printf("Unrelated by value %d\n", u.value);
        } catch (const std::exception &e) {
            printf("std::exception& %s\n", e.what());
        } catch (...) {
            printf("catch (...)\n");
        }
    }
    Derived pointee(9);
    try {
        throw &pointee;
    } catch (const Base *p) {
        printf("pointer caught as const Base*: %s %d, same object %d\n", p->kind(), p->code,
               p == &pointee);
    }
}

__attribute__((noinline)) static int unwind_inner(int x) {
    Guard c('c');
    if (x > 0)
        throw Derived(x);
    return x;
}

__attribute__((noinline)) static int unwind_middle(int x) {
    Guard b('b');
    {
        Guard scoped('s');
    }
    return unwind_inner(x) + 1;
}

__attribute__((noinline)) static int unwind_outer(int x) {
    Guard a('a');
    try {
        return unwind_middle(x);
    } catch (int) {
        mark('X'); /* wrong clause: never runs */
        return -1;
    }
}

struct Member {
    char name;
    explicit Member(char n) : name(n) { mark((char)(n - 32)); }
    ~Member() { mark(name); }
};

struct Throws {
    Member first{'f'};
    Member second{'g'};
    Throws() { throw Base(77); }
    ~Throws() { mark('X'); /* not constructed: never runs */ }
};

__attribute__((noinline)) static void destructors() {
    try {
        unwind_outer(5);
    } catch (const Base &e) {
        mark('!');
        printf("unwound frames, caught %s %d, destructor order %s\n", e.kind(), e.code,
               take_trace());
    }
    try {
        Throws t;
        (void)t;
    } catch (const Base &e) {
        printf("constructor threw %d, members built and destroyed: %s\n", e.code, take_trace());
    }
}

static const void *first_address;

__attribute__((noinline)) static void rethrow_and_nesting() {
    try {
        try {
            throw MoreDerived(11);
        } catch (Base &e) {
            first_address = &e;
            e.code++;
            throw;
        }
    } catch (const MoreDerived &e) {
        printf("rethrown: %s %d, same object %d\n", e.kind(), e.code,
               (const void *)&e == first_address);
    }
    try {
        try {
            throw 1;
        } catch (int v) {
            try {
                throw v + 1;
            } catch (int w) {
                printf("nested in handler: outer %d inner %d\n", v, w);
            }
            throw Derived(v + 2);
        }
    } catch (const Base &e) {
        printf("thrown from handler: %s %d\n", e.kind(), e.code);
    }
    try {
        try {
            throw_kind(1);
        } catch (...) {
            try {
                throw;
            } catch (double d) {
                printf("rethrow inside catch (...) caught as double %g\n", d);
                throw;
            }
        }
    } catch (double d) {
        printf("rethrown twice %g\n", d);
    }
}

struct Shape {
    virtual ~Shape() = default;
    virtual int area(int scale) const = 0;
};

struct Square : Shape {
    int side;
    explicit Square(int s) : side(s) {}
    int area(int scale) const override {
        if (side < 0)
            throw std::invalid_argument("negative side");
        return side * side * scale;
    }
};

__attribute__((noinline)) static int checked_div(int a, int b) {
    if (b == 0)
        throw std::domain_error("division by zero");
    return a / b;
}

__attribute__((noinline)) static void indirect_calls() {
    int (*volatile op)(int, int) = checked_div;
    try {
        printf("through a function pointer: %d", op(84, 2));
        printf(" %d\n", op(1, 0));
    } catch (const std::domain_error &e) {
        printf(", then %s\n", e.what());
    }
    Square good(3), bad(-1);
    const Shape *shapes[] = {&good, &bad};
    for (const Shape *s : shapes) {
        try {
            printf("virtual call: %d\n", s->area(2));
        } catch (const std::invalid_argument &e) {
            printf("virtual call threw: %s\n", e.what());
        }
    }
}

__attribute__((noinline)) static int recurse(int n) {
    volatile char frame[64];
    frame[0] = (char)n;
    if (n == 0)
        throw Derived(1000);
    return recurse(n - 1) + frame[0];
}

/* The address of a local in a fresh frame: on wasm, a slot on the shadow stack. */
__attribute__((noinline)) static void note_stack_address(const void **out) {
    volatile char local[32];
    local[0] = 0;
    *out = (const void *)local;
}

__attribute__((noinline)) static void loops_and_depth() {
    long sum = 0;
    for (int i = 0; i < 100000; i++) {
        try {
            throw_kind(i % 2 ? 0 : 4);
        } catch (int v) {
            sum += v;
        } catch (const Base &e) {
            sum += e.code;
        }
    }
    printf("100000 throws: sum %ld, live objects %d\n", sum, live_objects);
    const void *before, *after;
    note_stack_address(&before);
    try {
        recurse(1000);
    } catch (const Base &e) {
        printf("from 1000 frames deep: %s %d\n", e.kind(), e.code);
    }
    note_stack_address(&after);
    printf("stack pointer restored: %d\n", before == after);
}

int main() {
    standard_exceptions();
    clause_selection();
    destructors();
    rethrow_and_nesting();
    indirect_calls();
    loops_and_depth();
    printf("live objects at exit: %d\n", live_objects);
    return 0;
}
