# Integrations (issue 7): the KRM function under real kustomize, the Helm
# post-renderer under real helm, the kubectl plugin, the pre-commit hook, the
# GitHub Action's scripts and the commands shown in docs/INTEGRATIONS.md and
# the README migration guide. Tools come from the Go module proxy into .tools/bin.
# Measured here (2 cores shared with other builds): first install with
# downloads kustomize 1m32s, helm 12m04s (1m46s CPU); compile only (modules
# cached, empty build cache) kustomize 2m24s (47s CPU), helm 6m07s (2m07s
# CPU); installed tools are reused. The tests themselves take about 35 s.
KUSTOMIZE_VERSION := v5.8.0
HELM_VERSION := v3.22.0
KUSTOMIZE := $(TOOLS)/kustomize
HELM := $(TOOLS)/helm
KUBECTL_NATIVIZE := $(BIN)/kubectl-nativize

$(KUSTOMIZE):
	GOBIN=$(TOOLS) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
$(HELM):
	GOBIN=$(TOOLS) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

.PHONY: kubectl-plugin integration-tools test-integrations
## kubectl-plugin: bin/kubectl-nativize, so `kubectl nativize …` finds nativize on PATH, and
## bin/kubectl_complete-nativize, which completes `kubectl nativize <TAB>` (kubectl 1.26+).
kubectl-plugin: build
	ln -sf nativize $(KUBECTL_NATIVIZE)
	printf '%s\n' '#!/bin/sh' '# Completes "kubectl nativize ..." (kubectl 1.26+ runs kubectl_complete-<plugin>).' \
		'd=$$(dirname "$$0")' \
		'if [ -x "$$d/nativize" ]; then exec "$$d/nativize" completion kubectl "$$@"; fi' \
		'exec nativize completion kubectl "$$@"' > $(BIN)/kubectl_complete-nativize
	chmod +x $(BIN)/kubectl_complete-nativize

# Debian packages the tests drive: the pre-commit hook runs under real
# pre-commit, and the zsh and fish completion scripts under those shells.
APT_INTEGRATION_PACKAGES := pre-commit zsh fish

## integration-tools: kustomize (required); helm and the Debian packages are
## tried, and the tests that need them skip, saying so, if they cannot be installed.
integration-tools: $(KUSTOMIZE)
	@$(MAKE) --no-print-directory $(HELM) || echo "warning: helm $(HELM_VERSION) could not be installed; the helm post-renderer test will skip"
	@command -v pre-commit >/dev/null && command -v zsh >/dev/null && command -v fish >/dev/null || \
		apt-get install -y -q $(APT_INTEGRATION_PACKAGES) >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(APT_INTEGRATION_PACKAGES) >/dev/null 2>&1; } || \
		echo "warning: could not apt-get install $(APT_INTEGRATION_PACKAGES); the tests that need them will skip"

## test-integrations: nativize inside kustomize, helm, kubectl, pre-commit and the GitHub Action; docs snippets.
test-integrations: build kubectl-plugin integration-tools
	cd tests/integration && NATIVIZE=$(NATIVIZE) KUBECTL_NATIVIZE=$(KUBECTL_NATIVIZE) \
		KUSTOMIZE=$(KUSTOMIZE) HELM=$(HELM) $(GO) test -count=1 ./...
	$(GO) test -count=1 -run 'Completion' ./cmd/nativize   # again, now that zsh and fish are installed

TEST_TARGETS += test-integrations

.PHONY: update-docs
## update-docs: rewrite the command outputs in docs/INTEGRATIONS.md and the README migration guide; review the diff.
update-docs: build kubectl-plugin integration-tools
	cd tests/integration && NATIVIZE=$(NATIVIZE) KUSTOMIZE=$(KUSTOMIZE) HELM=$(HELM) $(GO) test -count=1 -run TestDocs ./... -update
