# sft: two commands for a user, `make run` and `make test`; `make bench` for the speed figures.
SHELL := /bin/bash
export OPENBLAS_CORETYPE := $(shell scripts/blas-coretype)
# OpenBLAS threads sleep after ~25 us instead of spinning 0.1 s against our kernels (see BLASEnvironment.swift)
export OPENBLAS_THREAD_TIMEOUT ?= 16
# oneDNN's OpenMP threads likewise spin briefly, then sleep
export GOMP_SPINCOUNT ?= 10000
export SFT_CACHE ?= $(CURDIR)/cache
export SFT_MODEL ?= $(SFT_CACHE)/models/SmolLM2-135M-Instruct.Q4_1.gguf
SWIFT_RELEASE := swift build -c release
BIN := .build/release

.PHONY: run test bench build setup deps model fixtures clean fuzz install uninstall

run: setup build
	$(BIN)/sft

setup: deps model

deps:
	@scripts/install-deps

model:
	@scripts/fetch-model

build:
	$(SWIFT_RELEASE)

# `sft` on the PATH: the release binary into $(PREFIX)/bin and the default model into $(PREFIX)/share/sft/models,
# where the installed binary looks for it (from any folder). PREFIX defaults to ~/.local (~/.local/bin is on the
# PATH of most shells); `make install PREFIX=/usr/local` for all users.
PREFIX ?= $(HOME)/.local
install: setup build
	install -d $(PREFIX)/bin $(PREFIX)/share/sft/models
	install -m 755 $(BIN)/sft $(PREFIX)/bin/sft
	install -m 644 $(SFT_MODEL) $(PREFIX)/share/sft/models/
	@echo "installed $(PREFIX)/bin/sft; run \`sft\` from any folder (is $(PREFIX)/bin on your PATH?)"

uninstall:
	rm -f $(PREFIX)/bin/sft
	rm -rf $(PREFIX)/share/sft

# Release mode: numeric tests run 100x faster than debug. Testable imports are not used, so -c release works.
test: setup
	$(SWIFT_RELEASE) --build-tests
	swift test -c release --skip-build --disable-swift-testing

# sft's figures and the peer's (HF transformers + PEFT) in ROUNDS (3) alternating rounds, best of each side in
# one table; PEER=0 skips the peer.
bench: setup
	$(SWIFT_RELEASE)
	scripts/bench

# libFuzzer targets of every parser (fuzz/, its own package: `make test` never builds it), FUZZ_S seconds each;
# fails on any crash, leak or timeout (scripts/fuzz says where the input is).
FUZZ_S ?= 60
fuzz:
	FUZZ_S=$(FUZZ_S) scripts/fuzz

# Regenerates the committed reference fixtures; needs torch/transformers/peft (pip), never run by CI.
fixtures:
	python3 scripts/make-runtime-fixtures.py --model $(SFT_MODEL)
	python3 scripts/make-model-fixtures.py && python3 scripts/make-decay-fixture.py
	python3 scripts/make-arch-fixtures.py
	python3 scripts/make-peft-fixture.py
	python3 scripts/make-tokenizer-fixtures.py
	python3 scripts/make-formats-fixture.py
	python3 scripts/make-gguf-quant-fixture.py
	python3 scripts/make-data-fixtures.py && python3 scripts/make-sample-data.py && python3 scripts/make-sample-xlsx.py
	python3 scripts/make-gemma3-fixtures.py
	python3 scripts/make-session-models.py

clean:
	rm -rf .build
