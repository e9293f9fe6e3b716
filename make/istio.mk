# Istio oracle (tests/istio, its own Go module): Istio's real sidecar injector
# (istio.io/istio pkg/kube/inject) injects generated workloads in classic and in
# native mode; nativize(classic) must equal Istio(native) (tests/istio/FINDINGS.md).
# Also keeps examples/istio-sleep.yaml equal to Istio's classic injection.
# Measured here (2 cores shared with other builds), with the Rego engine in the
# test: modules cached, empty build cache 11m15s (440 s CPU, about 4 min on 2
# free cores; OPA and k8s.io packages are shared with the main module's build
# cache when their versions match); module downloads add about 663 MB of module
# cache and a few minutes; warm 18-25s (12 s CPU), of which the 300-case oracle
# run is 7-12s.
.PHONY: test-istio
test-istio:
	cd tests/istio && $(GO) test -count=1 ./...

TEST_TARGETS += test-istio
