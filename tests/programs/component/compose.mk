# compose_app.wasm: a composition of two C components (sources in compose/). The library
# (compose/library.c) exports wasi-aot:compose/shapes; the app (compose/app.c) imports it
# and exports wasi:cli/run. wac plugs the library into the app, so every call between them
# goes through a fused adapter: strings, lists, records, variants, enums, options, results,
# flags, tuples and resource handles cross the boundary as parameters and as results, and
# the library's strings are UTF-16 (its bindings are generated with --string-encoding
# utf16) while the app's are UTF-8, so every string is transcoded. Only the composed
# component lies in tests/programs/component/ (the harness runs every .wasm there); the
# two halves are built in $(COMPOSE_BUILD).
#
# Included by tests/programs/Makefile.inc (`make components`) after c.mk, whose tools it
# uses (wit-bindgen, wasm-tools and the reactor adapter: `make c-components-deps`); paths
# are relative to the repository root. compose_app.wasm is rebuilt when a source, the WIT
# or the bindings (compose/bindings/, checked in like the .wasm) are newer; the bindings
# are regenerated when the WIT is newer. Both halves are reactors made components with
# the reactor adapter, as in c.mk (the app exports `run` itself; the library prints from
# its resource's destructor, so it has libc and WASI too).
#
# Tools: `make compose-deps` installs the pinned wac-cli into target/tools/wac (and what
# c-components-deps installs).

COMPOSE_DIR := tests/programs/component/compose
COMPOSE_APP := tests/programs/component/compose_app.wasm
COMPOSE_BUILD := target/compose-build
COMPONENT_PROGRAMS += $(COMPOSE_APP)

WAC_VERSION := 0.12.0
WAC_ROOT := target/tools/wac
WAC ?= $(WAC_ROOT)/bin/wac

COMPOSE_WIT := $(COMPOSE_DIR)/wit/world.wit $(wildcard wasi-host/wit/deps/*.wit)
COMPOSE_LIBRARY_BINDINGS := $(addprefix $(COMPOSE_DIR)/bindings/library,.c .h _component_type.o)
COMPOSE_APP_BINDINGS := $(addprefix $(COMPOSE_DIR)/bindings/app,.c .h _component_type.o)

.PHONY: compose-deps
## compose-deps: the pinned wac-cli (target/tools/wac) and the tools of c-components-deps
compose-deps: c-components-deps
	@if [ "$$($(WAC) --version 2>/dev/null)" != "wac-cli $(WAC_VERSION)" ]; then \
	    cargo install wac-cli --version $(WAC_VERSION) --locked --root $(WAC_ROOT); \
	fi

$(COMPOSE_LIBRARY_BINDINGS) &: $(COMPOSE_WIT)
	$(WIT_BINDGEN) c $(COMPOSE_DIR)/wit --world library --string-encoding utf16 \
	    --out-dir $(COMPOSE_DIR)/bindings

$(COMPOSE_APP_BINDINGS) &: $(COMPOSE_WIT)
	$(WIT_BINDGEN) c $(COMPOSE_DIR)/wit --world app --out-dir $(COMPOSE_DIR)/bindings

# One half (app or library): compile and link as separate steps (see Makefile.inc), then
# wrap the core module.
$(COMPOSE_BUILD)/%.wasm: $(COMPOSE_DIR)/%.c $(COMPOSE_DIR)/bindings/%.c \
        $(COMPOSE_DIR)/bindings/%.h $(COMPOSE_DIR)/bindings/%_component_type.o
	@if [ -z "$(C_COMPONENT_ADAPTER)" ]; then \
	    echo "no reactor adapter $(C_COMPONENT_ADAPTER_VERSION): make c-components-deps" >&2; \
	    exit 1; \
	fi
	@mkdir -p $(COMPOSE_BUILD)
	$(WASM_CC) $(WASM_CFLAGS) -c -o $@.o $(COMPOSE_DIR)/$*.c && \
	$(WASM_CC) $(WASM_CFLAGS) -c -o $@.bindings.o $(COMPOSE_DIR)/bindings/$*.c && \
	$(WASM_CC) -mexec-model=reactor $(WASM_LDFLAGS) -o $@.core.wasm $@.o $@.bindings.o \
	    $(COMPOSE_DIR)/bindings/$*_component_type.o && \
	$(C_COMPONENT_WASM_TOOLS) component new $@.core.wasm \
	    --adapt wasi_snapshot_preview1=$(C_COMPONENT_ADAPTER) -o $@; \
	status=$$?; rm -f $@.o $@.bindings.o $@.core.wasm; exit $$status

# The library's export satisfies the app's import of wasi-aot:compose/shapes; the WASI
# imports of both stay imports of the composition.
$(COMPOSE_APP): $(COMPOSE_BUILD)/app.wasm $(COMPOSE_BUILD)/library.wasm
	@if [ ! -x $(WAC) ]; then echo "no wac at $(WAC): make compose-deps" >&2; exit 1; fi
	$(WAC) plug $(COMPOSE_BUILD)/app.wasm --plug $(COMPOSE_BUILD)/library.wasm -o $@
