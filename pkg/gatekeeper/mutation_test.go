package gatekeeper

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	mutationsunversioned "github.com/open-policy-agent/gatekeeper/v3/apis/mutations/unversioned"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/mutators/assign"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/mutators/assignmeta"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// mutationSystem loads every mutator of library/mutation into Gatekeeper's
// own mutation system.
func mutationSystem(t *testing.T) *mutation.System {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(libraryDir, "mutation", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no mutators: %v", err)
	}
	sys := mutation.NewSystem(mutation.SystemOpts{})
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(raw, &u.Object); err != nil {
			t.Fatal(err)
		}
		var m types.Mutator
		switch u.GetKind() {
		case "Assign":
			a := &mutationsunversioned.Assign{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, a); err != nil {
				t.Fatal(err)
			}
			m, err = assign.MutatorForAssign(a)
		case "AssignMetadata":
			a := &mutationsunversioned.AssignMetadata{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, a); err != nil {
				t.Fatal(err)
			}
			m, err = assignmeta.MutatorForAssignMetadata(a)
		default:
			t.Fatalf("%s: unexpected kind %s", f, u.GetKind())
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := sys.Upsert(m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return sys
}

func TestMutators(t *testing.T) {
	sys := mutationSystem(t)
	both := map[string]any{
		"sidecar.istio.io/nativeSidecar":                          "true",
		"config.alpha.linkerd.io/proxy-enable-native-sidecar":     "true",
		"consul.hashicorp.com/enable-consul-dataplane-as-sidecar": "true",
	}
	tests := []struct {
		name      string
		namespace string
		in        string
		// wantAnnotations are the annotations after mutation (nil: none).
		wantAnnotations map[string]any
		// wantSpec is the spec after mutation.
		wantSpec string
	}{
		{
			name: "opts a plain pod into every mesh's native injection",
			in: `
metadata: {name: web}
spec:
  containers: [{name: web, image: web}]`,
			wantAnnotations: both,
			wantSpec:        `{containers: [{name: web, image: web}]}`,
		},
		{
			name: "an explicit opt-out is kept",
			in: `
metadata: {name: web, annotations: {sidecar.istio.io/nativeSidecar: "false"}}
spec:
  containers: [{name: web, image: web}]`,
			wantAnnotations: map[string]any{
				"sidecar.istio.io/nativeSidecar":                          "false",
				"config.alpha.linkerd.io/proxy-enable-native-sidecar":     "true",
				"consul.hashicorp.com/enable-consul-dataplane-as-sidecar": "true",
			},
			wantSpec: `{containers: [{name: web, image: web}]}`,
		},
		{
			// Linkerd reads its stable key, then beta, then alpha: assigning
			// the alpha key never outranks an opt-out in any generation.
			name: "a Linkerd opt-out in any generation is kept",
			in: `
metadata: {name: web, annotations: {config.beta.linkerd.io/proxy-enable-native-sidecar: "false"}}
spec:
  containers: [{name: web, image: web}]`,
			wantAnnotations: map[string]any{
				"sidecar.istio.io/nativeSidecar":                          "true",
				"config.beta.linkerd.io/proxy-enable-native-sidecar":      "false",
				"config.alpha.linkerd.io/proxy-enable-native-sidecar":     "true",
				"consul.hashicorp.com/enable-consul-dataplane-as-sidecar": "true",
			},
			wantSpec: `{containers: [{name: web, image: web}]}`,
		},
		{
			name: "a stable Linkerd opt-out is not outranked",
			in: `
metadata: {name: web, annotations: {config.linkerd.io/proxy-enable-native-sidecar: "false"}}
spec:
  containers: [{name: web, image: web}]`,
			wantAnnotations: map[string]any{
				"sidecar.istio.io/nativeSidecar":                          "true",
				"config.linkerd.io/proxy-enable-native-sidecar":           "false",
				"config.alpha.linkerd.io/proxy-enable-native-sidecar":     "true",
				"consul.hashicorp.com/enable-consul-dataplane-as-sidecar": "true",
			},
			wantSpec: `{containers: [{name: web, image: web}]}`,
		},
		{
			name: "a Consul opt-out is kept",
			in: `
metadata: {name: web, annotations: {consul.hashicorp.com/enable-consul-dataplane-as-sidecar: "False"}}
spec:
  containers: [{name: web, image: web}]`,
			wantAnnotations: map[string]any{
				"sidecar.istio.io/nativeSidecar":                          "true",
				"config.alpha.linkerd.io/proxy-enable-native-sidecar":     "true",
				"consul.hashicorp.com/enable-consul-dataplane-as-sidecar": "False",
			},
			wantSpec: `{containers: [{name: web, image: web}]}`,
		},
		{
			name: "a proxy already in initContainers gets restartPolicy: Always",
			in: `
metadata: {name: web}
spec:
  initContainers:
    - {name: istio-init, image: proxyv2}
    - {name: istio-proxy, image: proxyv2}
    - {name: migrate, image: migrate}
  containers: [{name: web, image: web}]`,
			wantAnnotations: both,
			wantSpec: `
initContainers:
  - {name: istio-init, image: proxyv2}
  - {name: istio-proxy, image: proxyv2, restartPolicy: Always}
  - {name: migrate, image: migrate}
containers: [{name: web, image: web}]`,
		},
		{
			name: "a wrong restartPolicy on a proxy init container is replaced",
			in: `
metadata: {name: web}
spec:
  initContainers: [{name: linkerd-proxy, image: proxy, restartPolicy: Never}]
  containers: [{name: web, image: web}]`,
			wantAnnotations: both,
			wantSpec: `
initContainers: [{name: linkerd-proxy, image: proxy, restartPolicy: Always}]
containers: [{name: web, image: web}]`,
		},
		{
			name: "a classic proxy is not moved and no init container is invented (MustExist)",
			in: `
metadata: {name: web}
spec:
  containers: [{name: web, image: web}, {name: istio-proxy, image: proxyv2}]`,
			wantAnnotations: both,
			wantSpec:        `{containers: [{name: web, image: web}, {name: istio-proxy, image: proxyv2}]}`,
		},
		{
			name:      "control-plane namespaces are left alone",
			namespace: "kube-system",
			in: `
metadata: {name: web}
spec:
  initContainers: [{name: istio-proxy, image: proxyv2}]
  containers: [{name: web, image: web}]`,
			wantSpec: `
initContainers: [{name: istio-proxy, image: proxyv2}]
containers: [{name: web, image: web}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := tt.namespace
			if ns == "" {
				ns = "shop"
			}
			pod := map[string]any{}
			if err := yaml.Unmarshal([]byte(tt.in), &pod); err != nil {
				t.Fatal(err)
			}
			pod["apiVersion"], pod["kind"] = "v1", "Pod"
			pod["metadata"].(map[string]any)["namespace"] = ns
			u := &unstructured.Unstructured{Object: pod}
			_, err := sys.Mutate(context.Background(), &types.Mutable{
				Object:    u,
				Namespace: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
				Source:    types.SourceTypeOriginal,
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := u.GetAnnotations(); !reflect.DeepEqual(toAny(got), tt.wantAnnotations) {
				t.Errorf("annotations %v, want %v", got, tt.wantAnnotations)
			}
			var want map[string]any
			if err := yaml.Unmarshal([]byte(tt.wantSpec), &want); err != nil {
				t.Fatal(err)
			}
			if got := u.Object["spec"]; !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("spec\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func toAny(m map[string]string) map[string]any {
	if m == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
