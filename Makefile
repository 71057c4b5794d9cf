# The verbs a user types. Each one that needs tools or images makes sure they are there first.
#   make            build build/imgbench
#   make compare    bootstrap, base images, build, then measure every variant (ARGS="--requests 200")
#   make test       bootstrap, base images, build, then the whole test suite through CTest
#   make bases      make the local base images the variants name
#   make bench      run the harness's own micro-benchmarks
#   make validate   imgbench against wrk on the same containers: the harness's fidelity check
#   make baseline   promote results/latest to results/baseline.json (ARGS="RESULTS.json --reset-accepted")
#   make clean      remove leftovers of crashed runs (by label) and the build folder

BUILD_DIR   ?= build
BUILD_TYPE  ?= RelWithDebInfo
CMAKE_FLAGS ?=
ARGS        ?=
CTEST_ARGS  ?=
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build bootstrap bases compare test bench validate baseline clean

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

bases: bootstrap
	@scripts/bases

compare: bootstrap bases
	@$(MAKE) --no-print-directory build
	$(BUILD_DIR)/imgbench run $(ARGS)

test: bootstrap bases
	@$(MAKE) --no-print-directory build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 900 $(CTEST_ARGS)

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
