package provider

import (
	"encoding/json"
	"testing"
)

// istioPod is a classic Istio-injected workload of the given kind (Pod or
// Job), as JSON.
func istioPod(t testing.TB, kind string) []byte {
	t.Helper()
	spec := map[string]any{
		"initContainers": []any{map[string]any{"name": "istio-init", "image": "docker.io/istio/proxyv2:1.24.0"}},
		"containers": []any{
			map[string]any{"name": "app", "image": "nginx:1.27", "ports": []any{map[string]any{"containerPort": 8080}}},
			map[string]any{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.0",
				"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}}},
		},
	}
	meta := map[string]any{"name": "web", "namespace": "shop"}
	var obj map[string]any
	switch kind {
	case "Pod":
		spec["restartPolicy"] = "Always"
		obj = map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
	case "Job":
		spec["restartPolicy"] = "Never"
		obj = map[string]any{"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
			"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{}, "spec": spec}}}
	default:
		t.Fatalf("istioPod: kind %q", kind)
	}
	return mustJSON(t, obj)
}

// plainPod has nothing to convert.
const plainPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"plain","namespace":"shop"},"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}`

// configMap is not a workload.
const configMap = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"b"}}`

// review is an AdmissionReview v1 request around object (raw JSON).
func review(t testing.TB, uid, op string, object []byte, dryRun bool) []byte {
	t.Helper()
	req := map[string]any{
		"uid":       uid,
		"kind":      map[string]any{"group": "", "version": "v1", "kind": "Pod"},
		"resource":  map[string]any{"group": "", "version": "v1", "resource": "pods"},
		"namespace": "shop",
		"operation": op,
		"userInfo":  map[string]any{"username": "system:serviceaccount:kube-system:replicaset-controller"},
		"dryRun":    dryRun,
	}
	if object != nil {
		req["object"] = json.RawMessage(object)
	}
	return mustJSON(t, map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})
}

// providerRequest is a Gatekeeper external data request.
func providerRequest(t testing.TB, keys ...string) []byte {
	t.Helper()
	return mustJSON(t, map[string]any{
		"apiVersion": "externaldata.gatekeeper.sh/v1beta1",
		"kind":       "ProviderRequest",
		"request":    map[string]any{"keys": keys},
	})
}
