# Gatekeeper library (library/) and the Gatekeeper evaluation engine (pkg/gatekeeper).
# library/ns*/ templates, constraints and suites are generated from policies/;
# the example objects under samples/ are hand-written.

.PHONY: generate-library test-library

generate: generate-library

## generate-library: regenerate library/ from policies/ (after the catalog Rego).
generate-library: generate-rego
	$(GO) run ./pkg/gatekeeper/gen -policies policies -out library

## test-library: real gator verify (CEL preferred, then Rego only) and the Go
## tests that need gator (CEL held to Rego on generated objects) or guard the
## shipped files (drift, mutators in Gatekeeper's mutation system). The
## engine's parity tests run in `unit` (go test ./...).
test-library: $(GATOR)
	$(GO) run ./pkg/gatekeeper/gen -policies policies -out library -check
	$(GATOR) verify library/...
	$(GATOR) verify --enable-k8s-native-validation=false library/...
	GATOR=$(GATOR) $(GO) test -count=1 -timeout 30m -run 'TestCELMatchesRego|TestMutators|TestGeneratedFilesUpToDate|TestEveryCheckHasCases' ./pkg/gatekeeper/

TEST_TARGETS += test-library
