# Entry points for people and CI. Every target installs what is missing first, so a fresh
# Debian 12 machine needs nothing but `make run` or `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DATA ?= $(CURDIR)/labelloop-data

.PHONY: deps build backbone run demo test bench bench-loop bench-curve soak fuzz package clean

deps:
	@scripts/install-deps.sh $(if $(TEST_TOOLS),--with-test-tools,)

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Fetches npm nsfwjs and converts its MobileNetV2 to ONNX; fetches background photos.
# For tests, also the TF.js reference activations the conversion test compares against.
backbone: deps
	@scripts/setup-assets.sh $(if $(TEST_TOOLS),--with-reference,)

run: build backbone
	@scripts/demo.sh "$(DATA)"

test: TEST_TOOLS=1
test: build backbone
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build backbone
	@$(BUILD_DIR)/bench/labelloop_bench

bench-loop: build backbone
	@$(BUILD_DIR)/bench/loop_bench $(BUILD_DIR)/src/app/labelloop

# The labels-to-target curve on public and lookalike (docs/experiments.md "Labels to
# target"): a retrain every 2 (public) or 3 (lookalike) answers per label, SEEDS=n seeds
# each; the plots go to docs/images/, the points to $(BUILD_DIR)/labels_curve.jsonl.
SEEDS ?= 1
bench-curve: build backbone
	@$(BUILD_DIR)/bench/labels_curve --bench ../shared/bench/public --seeds $(SEEDS) --retrain-every 24 \
	  --json $(BUILD_DIR)/labels_curve.jsonl --png docs/images/labels_curve_public.png
	@$(BUILD_DIR)/bench/labels_curve --bench ../shared/bench/lookalike --seeds $(SEEDS) --retrain-every 72 \
	  --score-per-label 10 --score-unknown 100 --json $(BUILD_DIR)/labels_curve.jsonl --png docs/images/labels_curve_lookalike.png

# A .deb (CPack) with the binary, the systemd unit, man pages and the backbone fetched now:
# $(BUILD_DIR)/labelloop_<version>_<arch>.deb. ctest -L slow runs its install test.
package: build backbone
	@cd $(BUILD_DIR) && cpack -G DEB

# libFuzzer targets (clang, ASan+UBSan) in build-fuzz, each run FUZZ_SECONDS (default 600);
# not part of `make test`. docs/fuzzing.md.
FUZZ_SECONDS ?= 600
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)

# The crash soak: the whole loop while serve is SIGKILLed 20 times (SEED=N to repeat a run),
# with the backup/restore round trip. Prints its checks; exits non-zero when one fails.
soak: build backbone
	@$(BUILD_DIR)/bench/crash_soak $(BUILD_DIR)/src/app/labelloop --backup $(if $(SEED),--seed $(SEED),)

clean:
	rm -rf $(BUILD_DIR) build-fuzz
