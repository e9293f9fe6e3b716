# Conformance: every golden output and example through the create path of a
# v1.37 API server (decoding, defaulting, ServiceAccount admission default,
# each kind's REST strategy), and the same for what `nativize mutate` (the
# binary `build` makes) writes for them. tests/conformance is its own Go module, so
# k8s.io/kubernetes never enters the main module's dependencies (GOWORK=off
# keeps it so should a go.work appear). A cold build compiles ~1100 packages.

.PHONY: test-conformance
test-conformance: build
	cd tests/conformance && GOWORK=off $(GO) vet ./... && \
		NATIVIZE=$(NATIVIZE) GOWORK=off $(GO) test -count=1 ./...

TEST_TARGETS += test-conformance
