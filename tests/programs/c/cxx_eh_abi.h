/*
 * A minimal C++ exception runtime for clang's wasm exception handling, included by the
 * C++ test programs (the .cpp files of tests/programs/c) when they are built for wasm.
 *
 * Why it exists: Debian's libc++abi for wasm32-wasi (libc++abi-14-dev-wasm32) is built
 * without exception support. Its libc++abi.a has cxa_noexception.o instead of
 * cxa_exception.o and cxa_personality.o, so __cxa_throw, __cxa_begin_catch and the
 * personality routine are missing, and no wasm libunwind is packaged (_Unwind_CallPersonality,
 * __wasm_lpad_context). Linking clang++ -fwasm-exceptions code against it fails with those
 * undefined symbols. This header supplies them, small but complete for what the tests use:
 *
 *  - __cxa_allocate_exception, __cxa_free_exception, __cxa_throw, __cxa_rethrow,
 *    __cxa_begin_catch, __cxa_end_catch, __cxa_get_exception_ptr, with libc++abi's
 *    bookkeeping (handler counts, negative while rethrown; a stack of caught exceptions);
 *  - the wasm unwinder interface of LLVM's libunwind (Unwind-wasm.c): the landing pad
 *    stores its index and LSDA in __wasm_lpad_context, calls _Unwind_CallPersonality with
 *    the thrown pointer, and branches on the selector it leaves there;
 *  - the personality: the LSDA is read as libc++abi's wasm personality reads it (the
 *    call-site table is indexed by landing pad, each entry a landing pad and an action), and
 *    each catch type is matched with libc++abi's own __shim_type_info::can_catch (from
 *    private_typeinfo.cpp, which Debian's archive has), so derived-to-base, pointer and
 *    qualification conversions behave as in libc++abi.
 *
 * Not supported: threads, foreign exceptions, std::exception_ptr (dependent exceptions) and
 * dynamic exception specifications (an LSDA filter aborts).
 */
#ifndef CXX_EH_ABI_H
#define CXX_EH_ABI_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>

namespace __cxxabiv1 {
/* The layout of libc++abi's private base of every type_info it emits; only can_catch is
 * called, through the vtable. */
class __shim_type_info : public std::type_info {
  public:
    ~__shim_type_info() override;
    virtual void noop1() const;
    virtual void noop2() const;
    virtual bool can_catch(const __shim_type_info *thrown, void *&adjusted) const = 0;
};
} // namespace __cxxabiv1

namespace cxx_eh_abi {

/* What wasm `throw` carries (an i32 pointer): the place of _Unwind_Exception. */
struct UnwindException {
    uint64_t exception_class;
};

struct Header {
    const std::type_info *type;
    void *(*destructor)(void *); /* on wasm, destructors return `this` */
    void *adjusted; /* the object as the matched catch clause sees it */
    int handlers;   /* active catch clauses; negative while rethrown */
    Header *next_caught;
    UnwindException unwind;
};

constexpr size_t kHeaderSize = (sizeof(Header) + 15) & ~size_t(15);
constexpr uint64_t kClass = 0x434c4e47432b2b00ull; /* "CLNGC++\0" */

inline Header *header_of_object(void *object) {
    return reinterpret_cast<Header *>(static_cast<char *>(object) - kHeaderSize);
}

inline void *object_of(Header *h) {
    return reinterpret_cast<char *>(h) + kHeaderSize;
}

inline Header *header_of_unwind(void *unwind) {
    return reinterpret_cast<Header *>(static_cast<char *>(unwind) - offsetof(Header, unwind));
}

static Header *caught_exceptions;

inline uintptr_t read_uleb(const uint8_t **p) {
    uintptr_t value = 0;
    unsigned shift = 0;
    uint8_t byte;
    do {
        byte = *(*p)++;
        value |= uintptr_t(byte & 0x7f) << shift;
        shift += 7;
    } while (byte & 0x80);
    return value;
}

inline intptr_t read_sleb(const uint8_t **p) {
    uintptr_t value = 0;
    unsigned shift = 0;
    uint8_t byte;
    do {
        byte = *(*p)++;
        value |= uintptr_t(byte & 0x7f) << shift;
        shift += 7;
    } while (byte & 0x80);
    if (shift < 8 * sizeof(value) && (byte & 0x40))
        value |= ~uintptr_t(0) << shift;
    return static_cast<intptr_t>(value);
}

} // namespace cxx_eh_abi

extern "C" {

struct _Unwind_LandingPadContext {
    uintptr_t lpad_index;
    uintptr_t lsda;
    uintptr_t selector;
};

_Unwind_LandingPadContext __wasm_lpad_context;

void *__cxa_allocate_exception(size_t size) noexcept {
    void *block = calloc(1, cxx_eh_abi::kHeaderSize + size);
    if (!block)
        std::terminate();
    return static_cast<char *>(block) + cxx_eh_abi::kHeaderSize;
}

void __cxa_free_exception(void *object) noexcept {
    free(cxx_eh_abi::header_of_object(object));
}

/* Never inlined: clang 14 crashes (SIGFPE in instruction selection) when the wasm throw
 * ends up inside a try block of the caller. */
[[noreturn]] __attribute__((noinline)) void __cxa_throw(void *object, std::type_info *type,
                                                        void *(*destructor)(void *)) {
    cxx_eh_abi::Header *h = cxx_eh_abi::header_of_object(object);
    h->type = type;
    h->destructor = destructor;
    h->adjusted = object;
    h->unwind.exception_class = cxx_eh_abi::kClass;
    __builtin_wasm_throw(0, &h->unwind);
}

[[noreturn]] __attribute__((noinline)) void __cxa_rethrow() {
    cxx_eh_abi::Header *h = cxx_eh_abi::caught_exceptions;
    if (!h)
        std::terminate();
    h->handlers = -h->handlers;
    __builtin_wasm_throw(0, &h->unwind);
}

void *__cxa_get_exception_ptr(void *unwind) noexcept {
    return cxx_eh_abi::header_of_unwind(unwind)->adjusted;
}

void *__cxa_begin_catch(void *unwind) noexcept {
    cxx_eh_abi::Header *h = cxx_eh_abi::header_of_unwind(unwind);
    h->handlers = (h->handlers < 0 ? -h->handlers : h->handlers) + 1;
    if (h != cxx_eh_abi::caught_exceptions) {
        h->next_caught = cxx_eh_abi::caught_exceptions;
        cxx_eh_abi::caught_exceptions = h;
    }
    return h->adjusted;
}

void __cxa_end_catch() {
    cxx_eh_abi::Header *h = cxx_eh_abi::caught_exceptions;
    if (!h)
        return;
    if (h->handlers < 0) {
        /* Rethrown: leaves this handler but lives on. */
        if (++h->handlers == 0)
            cxx_eh_abi::caught_exceptions = h->next_caught;
        return;
    }
    if (--h->handlers == 0) {
        cxx_eh_abi::caught_exceptions = h->next_caught;
        void *object = cxx_eh_abi::object_of(h);
        if (h->destructor)
            h->destructor(object);
        __cxa_free_exception(object);
    }
}

/* Called by every landing pad that has catch clauses; sets the selector to the type index
 * of the clause that catches, or leaves it 0 (the landing pad then rethrows). */
int _Unwind_CallPersonality(void *unwind) {
    using namespace cxx_eh_abi;
    enum { HANDLER_FOUND = 6, CONTINUE_UNWIND = 8 };
    __wasm_lpad_context.selector = 0;
    Header *h = header_of_unwind(unwind);
    const uint8_t *p = reinterpret_cast<const uint8_t *>(__wasm_lpad_context.lsda);
    if (!p || h->unwind.exception_class != kClass)
        return CONTINUE_UNWIND;
    if (*p++ != 0xff) /* landing-pad base: always omitted on wasm */
        abort();
    uint8_t ttype_encoding = *p++;
    const uint8_t *class_info = nullptr;
    if (ttype_encoding != 0xff) {
        /* absptr, udata4 or sdata4: 4-byte type_info pointers. */
        if (ttype_encoding != 0x00 && ttype_encoding != 0x03 && ttype_encoding != 0x0b)
            abort();
        uintptr_t offset = read_uleb(&p);
        class_info = p + offset;
    }
    p++; /* call-site encoding: uleb128 */
    uintptr_t table_length = read_uleb(&p);
    const uint8_t *site = p;
    const uint8_t *actions = p + table_length;
    for (uintptr_t index = 0; site < actions; index++) {
        read_uleb(&site); /* landing pad */
        uintptr_t action = read_uleb(&site);
        if (index != __wasm_lpad_context.lpad_index)
            continue;
        if (action == 0)
            return CONTINUE_UNWIND; /* cleanup only */
        const uint8_t *a = actions + action - 1;
        for (;;) {
            intptr_t type_index = read_sleb(&a);
            if (type_index > 0) {
                uint32_t entry;
                memcpy(&entry, class_info - type_index * 4, 4);
                const auto *catch_type =
                    reinterpret_cast<const __cxxabiv1::__shim_type_info *>(uintptr_t(entry));
                const auto *thrown =
                    static_cast<const __cxxabiv1::__shim_type_info *>(h->type);
                void *adjusted = object_of(h);
                if (!catch_type || catch_type->can_catch(thrown, adjusted)) {
                    h->adjusted = adjusted;
                    __wasm_lpad_context.selector = uintptr_t(type_index);
                    return HANDLER_FOUND;
                }
            } else if (type_index < 0) {
                abort(); /* dynamic exception specifications are not supported */
            }
            const uint8_t *next = a;
            intptr_t offset = read_sleb(&next);
            if (offset == 0)
                break;
            a += offset;
        }
        return CONTINUE_UNWIND;
    }
    return CONTINUE_UNWIND;
}

} /* extern "C" */

#endif
