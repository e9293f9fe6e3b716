# Rego engine (policies/, pkg/regoengine): opa check/fmt/test with a coverage
# floor, a real conftest run on a classic and a converted manifest, and the
# generated catalog's drift check. The Go/Rego parity test runs in `unit`.

REGO_COVERAGE ?= 95
REGO_CLASSIC := pkg/mutate/testdata/golden/job-istio.in.yaml
REGO_CONVERTED := pkg/mutate/testdata/golden/job-istio.out.yaml

.PHONY: test-rego generate-rego bench-rego
TEST_TARGETS += test-rego
generate: generate-rego

## generate-rego: regenerate policies/lib/catalog.rego from pkg/catalog/catalog.yaml.
generate-rego:
	$(GO) run ./policies/gen

## test-rego: opa check --strict, opa fmt, opa test with coverage, conftest pass/fail.
test-rego: $(OPA) $(CONFTEST)
	$(GO) run ./policies/gen -check
	$(OPA) check --strict policies
	@test -z "$$($(OPA) fmt -l policies)" || { $(OPA) fmt -l policies; echo "opa fmt: files above need formatting"; exit 1; }
	$(OPA) test policies --coverage --threshold $(REGO_COVERAGE) --format json > /dev/null || { $(OPA) test policies -v | tail -20; exit 1; }
	$(OPA) test policies
	@echo "conftest on a classic Job (must fail):"
	@$(CONFTEST) test -p policies $(REGO_CLASSIC); rc=$$?; \
	  if [ $$rc -ne 1 ]; then echo "conftest: want exit 1 on $(REGO_CLASSIC), got $$rc"; exit 1; fi
	@echo "conftest on the Go engine's converted Job (must pass):"
	$(CONFTEST) test -p policies $(REGO_CONVERTED)
	@echo "conftest on the Rego engine's converted Job (must pass):"
	@tmp=$$(mktemp --suffix=.json) && \
	  $(OPA) eval -d policies -i $(REGO_CLASSIC) -f raw 'data.nativize.mutate.result' > $$tmp && \
	  $(CONFTEST) test -p policies $$tmp; rc=$$?; rm -f $$tmp; exit $$rc

## bench-rego: docs/s of the Go and Rego engines on the same generated stream.
bench-rego:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./pkg/regoengine/
