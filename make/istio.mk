# Istio oracle (tests/istio, its own Go module): Istio's real sidecar injector
# (istio.io/istio pkg/kube/inject) injects generated workloads in classic and in
# native mode; nativize(classic) must equal Istio(native). Also keeps
# examples/istio-sleep.yaml equal to Istio's classic injection.
.PHONY: test-istio
test-istio:
	cd tests/istio && $(GO) test -count=1 ./...

TEST_TARGETS += test-istio
