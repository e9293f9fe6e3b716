# Pinned external tools, installed from the Go module proxy into .tools/bin.
OPA_VERSION := v1.22.2
CONFTEST_VERSION := v0.71.1
GATOR_VERSION := v3.23.1
OPA := $(TOOLS)/opa
CONFTEST := $(TOOLS)/conftest
GATOR := $(TOOLS)/gator
REGAL := $(TOOLS)/regal

$(OPA):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)
$(CONFTEST):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/conftest@$(CONFTEST_VERSION)
$(GATOR):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/gatekeeper/v3/cmd/gator@$(GATOR_VERSION)

# Regal (the Rego linter) is pinned in tools/regal/go.mod: the module proxy
# serves it only at exact versions, so `go install regal@version` (which asks
# for the version list) is refused; building from a pinned module works.
$(REGAL): tools/regal/go.mod tools/regal/go.sum
	cd tools/regal && GOWORK=off $(GO) build -o $(REGAL) github.com/open-policy-agent/regal

.PHONY: tools
tools: $(OPA) $(CONFTEST) $(GATOR) $(REGAL)
