MAKEFLAGS += --no-print-directory
# Thin wrapper around CMake/CTest. `make demo` and `make check` first run
# the idempotent dependency installer (Debian packages only).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan demo check test test-asan fuzz fuzz-smoke bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEKV_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)

demo: build
	@rm -rf demo-out demo-example.fsm
	@build/ekvgen --seed 1 --records 400 --output demo-example.fsm
	@build/ekvbackup decode --input demo-example.fsm --output demo-out
	@build/ekvbackup verify demo-out
	@echo "demo: dump tree in ./demo-out (try: find demo-out -type f | head; cd demo-out && sha256sum -c CHECKSUMS)"

test: build
	@cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

check: test test-asan fuzz-smoke

# Builds the libFuzzer targets with clang and runs each briefly over its seed corpus.
fuzz-smoke: fuzz
	@for f in build-fuzz/tests/fuzz/fuzz_*; do \
		name=$$(basename $$f); corpus=tests/fuzz/corpus/$${name#fuzz_}; \
		echo "fuzz-smoke: $$name (15 s)"; mkdir -p build-fuzz/corpus-$$name; \
		$$f -max_total_time=15 -rss_limit_mb=4096 build-fuzz/corpus-$$name $$corpus >build-fuzz/$$name.log 2>&1 \
			|| { tail -30 build-fuzz/$$name.log; exit 1; }; \
	done

fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DEKV_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzzers
	@echo "fuzz: run e.g. build-fuzz/tests/fuzz/fuzz_reader tests/fuzz/corpus/reader -max_total_time=60"

bench: build
	@bash bench/decode.sh

clean:
	rm -rf build build-asan build-fuzz demo-out demo-example.fsm
