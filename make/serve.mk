# nativize serve (pkg/provider): short fuzzing of every handler's decoding.
# The seed corpora (pkg/provider/testdata/fuzz) already run in `make unit`;
# this explores beyond them for SERVE_FUZZTIME per target.
SERVE_FUZZTIME ?= 10s
SERVE_FUZZ_TARGETS := FuzzMutate FuzzValidate FuzzExternalData FuzzHandler

.PHONY: fuzz-serve
## fuzz-serve: fuzz /mutate, /validate, /externaldata and the router.
fuzz-serve:
	@set -e; for t in $(SERVE_FUZZ_TARGETS); do \
		echo "fuzz $$t ($(SERVE_FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(SERVE_FUZZTIME) -fuzzminimizetime 5s ./pkg/provider; \
	done
TEST_TARGETS += fuzz-serve
