# The C guests of tests/programs/proxy/ (*.c): components of the wasi:http/proxy world
# (wit/world.wit), which tests/servers.rs builds into HTTP servers with --listen and
# drives. Built as the C guests of component/c.mk are (its tools, flags and reactor
# adapter), against bindings of their own world; the bindings and the .wasm are checked in.
# Included by tests/programs/Makefile.inc (`make components`).

PROXY_DIR := tests/programs/proxy
PROXY_WASM := $(patsubst %.c,%.wasm,$(sort $(wildcard $(PROXY_DIR)/*.c)))
COMPONENT_PROGRAMS += $(PROXY_WASM)

PROXY_BINDINGS := $(addprefix $(PROXY_DIR)/bindings/proxy_guest,.c .h _component_type.o)

$(PROXY_BINDINGS) &: $(PROXY_DIR)/wit/world.wit $(wildcard wasi-host/wit/deps/*.wit)
	$(WIT_BINDGEN) c $(PROXY_DIR)/wit --world proxy-guest --out-dir $(PROXY_DIR)/bindings

$(PROXY_WASM): %.wasm: %.c $(PROXY_BINDINGS)
	@if [ -z "$(C_COMPONENT_ADAPTER)" ]; then \
	    echo "no reactor adapter $(C_COMPONENT_ADAPTER_VERSION): make c-components-deps" >&2; \
	    exit 1; \
	fi
	$(WASM_CC) $(WASM_CFLAGS) -c -o $@.o $*.c && \
	$(WASM_CC) $(WASM_CFLAGS) -c -o $@.bindings.o $(PROXY_DIR)/bindings/proxy_guest.c && \
	$(WASM_CC) -mexec-model=reactor $(WASM_LDFLAGS) -o $@.core.wasm $@.o $@.bindings.o \
	    $(PROXY_DIR)/bindings/proxy_guest_component_type.o && \
	$(C_COMPONENT_WASM_TOOLS) component new $@.core.wasm \
	    --adapt wasi_snapshot_preview1=$(C_COMPONENT_ADAPTER) -o $@; \
	status=$$?; rm -f $@.o $@.bindings.o $@.core.wasm; exit $$status
