# nativize serve (pkg/provider): short fuzzing of every handler's decoding.
# The seed corpora (pkg/provider/testdata/fuzz) already run in `make unit`;
# this explores beyond them for SERVE_FUZZTIME per target.
# A count, not a duration: with a duration Go's fuzz coordinator can end a run
# as "context deadline exceeded" when the deadline falls while a worker is
# minimizing a new input (seen once in four runs of FuzzHandler here).
SERVE_FUZZTIME ?= 3000x
SERVE_FUZZ_TARGETS := FuzzMutate FuzzValidate FuzzExternalData FuzzHandler

.PHONY: fuzz-serve
## fuzz-serve: fuzz /mutate, /validate, /externaldata and the router.
fuzz-serve:
	@set -e; for t in $(SERVE_FUZZ_TARGETS); do \
		echo "fuzz $$t ($(SERVE_FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(SERVE_FUZZTIME) -fuzzminimizetime 5s ./pkg/provider; \
	done
TEST_TARGETS += fuzz-serve
