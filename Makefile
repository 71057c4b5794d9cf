# The verbs a user types. Each one that needs tools or images makes sure they are there first.
#   make            build build/imgbench
#   make compare    bootstrap, base images, build, then measure every variant (ARGS="--requests 200")
#   make test       bootstrap, base images, build, then the whole test suite through CTest
#   make bases      make the local base images the variants name
#   make bench      run the harness's own micro-benchmarks
#   make validate   imgbench against wrk on the same containers: the harness's fidelity check
#   make baseline   promote results/latest to results/baseline.json (ARGS="RESULTS.json --reset-accepted")
#   make test-asan  the whole test suite again, built with ASan and UBSan (build-asan), any report fatal
#   make fuzz       build the libFuzzer targets with clang (build-fuzz), run each FUZZ_SECONDS (60)
#   make format     reformat every C++ file git knows with clang-format (.clang-format)
#   make format-check  exit 1, naming the files, when one is not formatted that way
#   make clean      remove leftovers of crashed runs (by label) and the build folder

BUILD_DIR   ?= build
BUILD_TYPE  ?= RelWithDebInfo
CMAKE_FLAGS ?=
ARGS        ?=
CTEST_ARGS  ?=
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 60
# A sanitizer report ends the process with an error and a stack, so the test that met it fails.
SANITIZER_ENV  = ASAN_OPTIONS=halt_on_error=1:print_stacktrace=1:detect_leaks=1 \
                 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all build bootstrap bases compare test test-asan fuzz bench validate baseline clean \
        format format-check

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: bootstrap
	@$(MAKE) --no-print-directory $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

bases: bootstrap
	@scripts/bases

compare: bootstrap bases
	@$(MAKE) --no-print-directory build
	$(BUILD_DIR)/imgbench run $(ARGS)

test: bootstrap bases
	@$(MAKE) --no-print-directory build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 900 $(CTEST_ARGS)

# Folders of their own: a sanitizer or clang build must never be mixed into $(BUILD_DIR).
# The benchmarks are left out of both; they measure the plain build. -O1 is what ASan's authors
# advise and compiles a quarter faster than -O2 under the sanitizers.
$(ASAN_BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGBENCH_BENCH=OFF \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g -DNDEBUG" \
	  "-DIMGBENCH_SANITIZERS=address;undefined" -DIMGBENCH_WERROR=ON

test-asan: bootstrap bases $(ASAN_BUILD_DIR)/CMakeCache.txt
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure --timeout 900 $(CTEST_ARGS)

$(FUZZ_BUILD_DIR)/CMakeCache.txt:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DIMGBENCH_FUZZ=ON -DBUILD_TESTING=OFF -DIMGBENCH_BENCH=OFF

fuzz: bootstrap $(FUZZ_BUILD_DIR)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target imgbench_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz $(FUZZ_BUILD_DIR)

bench: bootstrap
	@$(MAKE) --no-print-directory build
	$(BUILD_DIR)/bench/imgbench_bench

validate: bootstrap bases
	@$(MAKE) --no-print-directory build
	scripts/validate

# Only promotes a run that exists; it measures nothing and compares nothing.
baseline:
	@$(MAKE) --no-print-directory build
	$(BUILD_DIR)/imgbench baseline promote $(ARGS)

clean:
	@if [ -x $(BUILD_DIR)/imgbench ]; then $(BUILD_DIR)/imgbench clean || true; fi
	rm -rf $(BUILD_DIR)

# The C++ files git tracks (new ones once added), test fixtures aside: they are inputs, not code.
FORMAT_FILES = git ls-files -z -- '*.cpp' '*.hpp' ':!:tests/fixtures/**'

format: bootstrap
	$(FORMAT_FILES) | xargs -0 clang-format -i

format-check: bootstrap
	@$(FORMAT_FILES) | xargs -0 clang-format --dry-run -Werror || \
	  { echo "format-check: run 'make format' and commit the result" >&2; exit 1; }
