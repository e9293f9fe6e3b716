# nativize — build, demo and test entry points.
# Area-specific targets live in make/*.mk; each adds its test target to TEST_TARGETS.

SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -buildvcs=false
BIN := $(CURDIR)/bin
TOOLS := $(CURDIR)/.tools/bin
NATIVIZE := $(BIN)/nativize
TEST_TARGETS :=

.PHONY: all build demo test unit fuzz-seeds lint generate bench clean
all: build

build:
	$(GO) build -o $(NATIVIZE) ./cmd/nativize

## demo: convert the shipped Istio example and print the result.
demo: build
	$(NATIVIZE) mutate -f examples/istio-sleep.yaml

# tools.mk first: other fragments use $(OPA), $(GATOR)... as prerequisites.
include make/tools.mk
include $(filter-out make/tools.mk,$(sort $(wildcard make/*.mk)))

## test: everything CI runs.
test: lint unit $(TEST_TARGETS)

## unit: Go unit tests (fuzz seed corpora run as ordinary tests).
unit:
	$(GO) test -count=1 ./...

lint:
	@test -z "$$(gofmt -l cmd pkg tests 2>/dev/null)" || { gofmt -l cmd pkg tests; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null || { $(GO) mod tidy -diff; echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

clean:
	rm -rf $(BIN)

## bench: side-by-side benchmark against conftest, gator and opa (tests/bench/RESULTS.md).
bench:
	tests/bench/bench.sh
