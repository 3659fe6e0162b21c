# The Python and JavaScript guests of tests/programs/component/: py_*.wasm from py_*.py
# with componentize-py, js_*.wasm from js_*.js with componentize-js. They target a world
# of scripting/world.wit (`command`, or `http-client` for the *_http_client guests), whose
# scripting/deps is a link to the vendored WASI 0.2.12 WIT of wasi-host/wit/deps/.
#
# Included by tests/programs/Makefile.inc (`make components`); paths are relative to the
# repository root. A .wasm is rebuilt only when its source (or the WIT) is newer. The tools
# are pinned and installed into target/tools by `make scripting-deps`, never by the build
# rules themselves (nor by `make test`, which runs the checked-in .wasm):
#   - componentize-py from PyPI (pip --target; it bundles CPython 3.14 and wasi-libc),
#   - componentize-js from npm with `npm ci` of scripting/npm/package-lock.json, which pins
#     it and everything it pulls in (jco, wizer, weval, StarlingMonkey).

SCRIPTING_TOOLS ?= target/tools
SCRIPTING_DIR := tests/programs/component
SCRIPTING_WIT := $(SCRIPTING_DIR)/scripting/world.wit $(wildcard wasi-host/wit/deps/*.wit)
# The Python guest is built from a copy: componentize-py runs the app's imports at build
# time and would leave a __pycache__ (and bundle whatever else lies beside the source).
SCRIPTING_BUILD := $(SCRIPTING_TOOLS)/scripting-build

COMPONENTIZE_PY_VERSION := 0.25.1
COMPONENTIZE_PY_DIR := $(SCRIPTING_TOOLS)/componentize-py-$(COMPONENTIZE_PY_VERSION)
COMPONENTIZE_PY := PYTHONPATH=$(abspath $(COMPONENTIZE_PY_DIR)) $(COMPONENTIZE_PY_DIR)/bin/componentize-py

COMPONENTIZE_JS_VERSION := 0.23.0
COMPONENTIZE_JS_DIR := $(SCRIPTING_TOOLS)/componentize-js-$(COMPONENTIZE_JS_VERSION)
COMPONENTIZE_JS := $(COMPONENTIZE_JS_DIR)/node_modules/.bin/componentize-js
COMPONENTIZE_JS_LOCK := $(SCRIPTING_DIR)/scripting/npm/package-lock.json

SCRIPTING_PY := $(SCRIPTING_DIR)/py_app.wasm $(SCRIPTING_DIR)/py_http_client.wasm
SCRIPTING_JS := $(SCRIPTING_DIR)/js_app.wasm $(SCRIPTING_DIR)/js_http_client.wasm
COMPONENT_PROGRAMS += $(SCRIPTING_PY) $(SCRIPTING_JS)

# The world of scripting/world.wit each guest targets.
scripting_world = $(if $(findstring http_client,$(1)),http-client,command)

.PHONY: scripting-deps
## scripting-deps: componentize-py (PyPI) and componentize-js (npm), pinned, into target/tools
scripting-deps: $(COMPONENTIZE_PY_DIR)/.installed $(COMPONENTIZE_JS_DIR)/.installed

$(COMPONENTIZE_PY_DIR)/.installed:
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
	    --root-user-action=ignore \
	    --target $(COMPONENTIZE_PY_DIR) componentize-py==$(COMPONENTIZE_PY_VERSION)
	touch $@

$(COMPONENTIZE_JS_DIR)/.installed: $(COMPONENTIZE_JS_LOCK) $(SCRIPTING_DIR)/scripting/npm/package.json
	mkdir -p $(COMPONENTIZE_JS_DIR)
	cp $(SCRIPTING_DIR)/scripting/npm/package.json $(COMPONENTIZE_JS_LOCK) $(COMPONENTIZE_JS_DIR)/
	npm ci --prefix $(COMPONENTIZE_JS_DIR) --no-audit --no-fund
	touch $@

# $(call scripting_need,STAMP): fail with a hint when a tool is not installed.
scripting_need = @test -f $(1) || { echo "$@: its tool is missing: run make scripting-deps" >&2; exit 1; }

# exit-with-code (WASI 0.2.12) gives py_app its own exit status: componentize-py turns
# sys.exit(3) into run's error result, which is status 1.
$(SCRIPTING_PY): $(SCRIPTING_DIR)/%.wasm: $(SCRIPTING_DIR)/%.py $(SCRIPTING_WIT)
	$(call scripting_need,$(COMPONENTIZE_PY_DIR)/.installed)
	rm -rf $(SCRIPTING_BUILD)/$* && mkdir -p $(SCRIPTING_BUILD)/$*
	cp $< $(SCRIPTING_BUILD)/$*/
	$(COMPONENTIZE_PY) -q -d $(SCRIPTING_DIR)/scripting \
	    -w wasi-aot:scripting/$(call scripting_world,$*) \
	    componentize $* -p $(SCRIPTING_BUILD)/$* -o $@

# --disable http fetch-event: without them StarlingMonkey imports wasi:http for fetch().
$(SCRIPTING_JS): $(SCRIPTING_DIR)/%.wasm: $(SCRIPTING_DIR)/%.js $(SCRIPTING_WIT)
	$(call scripting_need,$(COMPONENTIZE_JS_DIR)/.installed)
	$(COMPONENTIZE_JS) $< --wit $(SCRIPTING_DIR)/scripting -n $(call scripting_world,$*) \
	    --disable http fetch-event -o $@
