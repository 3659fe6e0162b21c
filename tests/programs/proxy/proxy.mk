# The guests of tests/programs/proxy/: components of the wasi:http/proxy world
# (wit/world.wit), which tests/servers.rs builds into HTTP servers with --listen and
# drives. The C ones (*.c) are built as the C guests of component/c.mk are (its tools,
# flags and reactor adapter), against bindings of their own world; py_proxy.py and
# js_proxy.js with componentize-py and componentize-js as component/scripting.mk builds
# its guests (its pinned tools, `make scripting-deps`). The bindings and the .wasm are
# checked in. Included by tests/programs/Makefile.inc (`make components`).

PROXY_DIR := tests/programs/proxy
PROXY_WASM := $(patsubst %.c,%.wasm,$(sort $(wildcard $(PROXY_DIR)/*.c)))
COMPONENT_PROGRAMS += $(PROXY_WASM) $(PROXY_DIR)/py_proxy.wasm $(PROXY_DIR)/js_proxy.wasm

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

PROXY_WIT := $(PROXY_DIR)/wit/world.wit $(wildcard wasi-host/wit/deps/*.wit)

# Built from a copy, as py_app is (componentize-py runs the app's imports at build time).
$(PROXY_DIR)/py_proxy.wasm: $(PROXY_DIR)/py_proxy.py $(PROXY_WIT)
	$(call scripting_need,$(COMPONENTIZE_PY_DIR)/.installed)
	rm -rf $(SCRIPTING_BUILD)/py_proxy && mkdir -p $(SCRIPTING_BUILD)/py_proxy
	cp $< $(SCRIPTING_BUILD)/py_proxy/
	$(COMPONENTIZE_PY) -q -d $(PROXY_DIR)/wit -w wasi-aot:proxy/proxy-guest \
	    componentize py_proxy -p $(SCRIPTING_BUILD)/py_proxy -o $@

$(PROXY_DIR)/js_proxy.wasm: $(PROXY_DIR)/js_proxy.js $(PROXY_WIT)
	$(call scripting_need,$(COMPONENTIZE_JS_DIR)/.installed)
	$(COMPONENTIZE_JS) $< --wit $(PROXY_DIR)/wit -n proxy-guest -o $@
