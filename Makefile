# sft: two commands for a user, `make run` and `make test`; `make bench` for the speed figures.
SHELL := /bin/bash
export OPENBLAS_CORETYPE := $(shell scripts/blas-coretype)
export SFT_CACHE ?= $(CURDIR)/cache
export SFT_MODEL ?= $(SFT_CACHE)/models/SmolLM2-135M-Instruct.Q4_1.gguf
SWIFT_RELEASE := swift build -c release
BIN := .build/release

.PHONY: run test bench build setup deps model fixtures clean

run: setup build
	$(BIN)/sft

setup: deps model

deps:
	@scripts/install-deps

model:
	@scripts/fetch-model

build:
	$(SWIFT_RELEASE)

# Release mode: numeric tests run 100x faster than debug. Testable imports are not used, so -c release works.
test: setup
	$(SWIFT_RELEASE) --build-tests
	swift test -c release --skip-build --disable-swift-testing

bench: setup
	$(SWIFT_RELEASE) --product sft-bench
	$(BIN)/sft-bench

# Regenerates the committed reference fixtures; needs torch/transformers/peft (pip), never run by CI.
fixtures:
	python3 scripts/make-fixtures.py

clean:
	rm -rf .build
