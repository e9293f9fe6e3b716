# Istio oracle (tests/istio, its own Go module): Istio's real sidecar injector
# (istio.io/istio pkg/kube/inject) injects generated workloads in classic and in
# native mode; nativize(classic) must equal Istio(native) (tests/istio/FINDINGS.md).
# Also keeps examples/istio-sleep.yaml equal to Istio's classic injection.
# Measured here (2 cores shared with other builds): modules cached, empty build
# cache 11m10s (401 s CPU, i.e. about 3.5 min on 2 free cores); with module
# downloads too (663 MB module cache) 15m39s (422 s CPU); warm 18s (10 s CPU),
# of which the 300-case oracle run is about 6-12s.
.PHONY: test-istio
test-istio:
	cd tests/istio && $(GO) test -count=1 ./...

TEST_TARGETS += test-istio
