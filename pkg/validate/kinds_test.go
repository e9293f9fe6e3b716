package validate

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/nativize/nativize/pkg/mutate"
)

// TestKinds: the checks find classic sidecars in every kind nativize
// locates (docs/KINDS.md), one finding per pod spec, each with the patch of
// the whole object as its fix; kinds it does not locate get none.
func TestKinds(t *testing.T) {
	golden := func(name string) map[string]any {
		b, err := os.ReadFile("../mutate/testdata/golden/" + name + ".in.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return parse(t, strings.SplitN(string(b), "\n---\n", 2)[0])
	}
	cases := []struct {
		name string
		obj  map[string]any
		want []string // "NS00x severity container"
	}{
		{"openshift deploymentconfig", golden("deploymentconfig-istio"), []string{"NS001 warning istio-proxy"}},
		{"kruise advanced statefulset, init container before the proxy", golden("kruise-linkerd"),
			[]string{"NS001 warning linkerd-proxy", "NS002 error migrate"}},
		{"flink: one finding per pod template", golden("flink-linkerd"),
			[]string{"NS001 warning cloud-sql-proxy", "NS001 warning linkerd-proxy"}},
		// restartPolicy sits on the replica spec, not in the pod spec: the
		// checks read only the pod spec, so this is a warning, not an error
		{"pytorchjob: replica restartPolicy is not read", golden("pytorchjob-istio"),
			[]string{"NS001 warning istio-proxy"}},
		{"knative service is not located", parse(t, `
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello}
spec:
  template:
    spec:
      containers:
      - {name: hello, image: ghcr.io/knative/helloworld-go:latest}
      - {name: istio-proxy, image: docker.io/istio/proxyv2:1.24.2}
`), nil},
	}
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mutate.New(mutate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			fs := c.Check(tc.obj)
			for _, f := range fs {
				got = append(got, f.Check+" "+string(f.Severity)+" "+f.Container)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			plan, err := m.Plan(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Check == "NS001" && mustJSON(t, f.Fix) != mustJSON(t, plan.Patch()) {
					t.Errorf("%s: fix is not the object's patch", f.Container)
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
