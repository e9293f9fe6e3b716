# Pinned external tools, installed from the Go module proxy into .tools/bin.
OPA_VERSION := v1.22.2
CONFTEST_VERSION := v0.71.1
GATOR_VERSION := v3.23.1
OPA := $(TOOLS)/opa
CONFTEST := $(TOOLS)/conftest
GATOR := $(TOOLS)/gator

$(OPA):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)
$(CONFTEST):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/conftest@$(CONFTEST_VERSION)
$(GATOR):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/gatekeeper/v3/cmd/gator@$(GATOR_VERSION)

.PHONY: tools
tools: $(OPA) $(CONFTEST) $(GATOR)
