# End to end (tests/e2e, its own Go module like tests/conformance, sharing its
# k8s.io versions and replace directives and so its build cache): etcd
# (embedded), kube-apiserver and the Deployment, ReplicaSet, Job, CronJob and
# ServiceAccount controllers of k8s.io/kubernetes v1.37.2 in process on
# loopback, `nativize serve` (the binary `build` makes) as the webhook the API
# server calls over TLS through library/provider/webhooks.yaml. No kubelet:
# assertions are on stored objects. tests/e2e/README.md has what it checks.
# Run (built): control plane up in 4.6 s, whole suite 12-47 s wall (the
# CronJob waits for a minute boundary), 7.4 s CPU, max RSS 324 MB.
# Compile: the test binary needs 2213 packages, 1109 more than
# tests/conformance (kube-apiserver's app, etcd's server, five controllers).
# Cold, in an empty GOCACHE (module cache warm): 1,160 s user + 423 s system
# CPU, 2.9 GB max RSS; 44 min wall on 2 cores shared with four other
# engineers' builds and fuzzers, so about 13-15 min on a machine of its own.
# Warm: ~40 s. With the rest of `make test` (~45-55 min cold) that keeps CI
# inside its 90 minutes, so test-e2e is in TEST_TARGETS.
# TestAdmissionPolicies starts a second control plane without the webhook
# and applies library/admission (ValidatingAdmissionPolicies held to
# `nativize check`, the MutatingAdmissionPolicy to `nativize mutate`, 25/42
# golden Pods equal, the rest left unchanged); ~25-50 s more wall time.
TEST_TARGETS += test-e2e
.PHONY: test-e2e
test-e2e: build
	cd tests/e2e && GOWORK=off $(GO) vet ./... && \
		NATIVIZE=$(NATIVIZE) GOWORK=off $(GO) test -count=1 -timeout 10m ./...
