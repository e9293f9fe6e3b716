# nativize check: smoke test of the built binary on the shipped examples.

.PHONY: check-examples check-smoke
TEST_TARGETS += check-smoke

## check-examples: the table report for the shipped examples.
check-examples: build
	$(NATIVIZE) check -f examples -R --fail-on never

## check-smoke: every report format on the examples, exit codes 1 (findings) and 2 (bad input),
## and mutate output that checks clean.
check-smoke: build
	@set -e; for o in table json sarif junit github tap; do \
	  code=0; $(NATIVIZE) check -f examples -R -o $$o > /dev/null || code=$$?; \
	  test $$code -eq 1 || { echo "check-smoke: -o $$o exited $$code, want 1 (the examples carry errors)"; exit 1; }; \
	done
	@$(NATIVIZE) check -f examples -R --fail-on never -o sarif | grep -q '"version": "2.1.0"'
	@code=0; printf 'kind: Pod\nmetadata: {name: x\n' | $(NATIVIZE) check -f - >/dev/null 2>&1 || code=$$?; \
	  test $$code -eq 2 || { echo "check-smoke: a bad document exited $$code, want 2"; exit 1; }
	@for f in $$(find examples -name '*.yaml' | sort); do \
	  code=0; $(NATIVIZE) mutate -f $$f | $(NATIVIZE) check -f - > /dev/null || code=$$?; \
	  test $$code -eq 0 || { echo "check-smoke: nativize mutate -f $$f | nativize check exited $$code, want 0"; exit 1; }; \
	done
	@echo "check-smoke: ok"
