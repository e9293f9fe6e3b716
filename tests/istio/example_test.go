package istio

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/mutate"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the example and golden files from Istio's injector")

// exampleHeader is the comment on top of examples/istio-sleep.yaml.
const exampleHeader = `# The seed example: a pod whose init container check-traffic needs the mesh, injected
# by Istio's real sidecar injector in classic mode (ENABLE_NATIVE_SIDECARS=false), as
# ` + "`istioctl kube-inject`" + ` emits it. istio-proxy is a regular container and istio-init
# runs after check-traffic, so check-traffic runs outside the mesh before any proxy exists:
# its request fails wherever the service needs the mesh (STRICT mTLS, mesh-only routes).
# ` + "`nativize mutate`" + ` turns istio-proxy into a native sidecar ahead of check-traffic.
# Produced by tests/istio (go test -run TestExample -update) from
# tests/istio/testdata/istio-sleep.in.yaml with istio.io/istio pkg/kube/inject and the
# injector settings that ` + "`istioctl manifest generate`" + ` renders (tests/istio/testdata/default).
# Do not edit by hand.
`

// TestExample keeps the shipped example and its native-mode counterpart equal to what
// Istio's injector produces for testdata/istio-sleep.in.yaml.
func TestExample(t *testing.T) {
	inj, err := Load("testdata/default")
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile("testdata/istio-sleep.in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		native     bool
		file       string
		header     string
		wantInit   []string
		wantMain   []string
		proxyAlway bool
	}{
		{
			name:     "classic",
			file:     "../../examples/istio-sleep.yaml",
			header:   exampleHeader,
			wantInit: []string{"check-traffic", "istio-init"},
			wantMain: []string{"sleep", "istio-proxy"},
		},
		{
			name:       "native",
			native:     true,
			file:       "testdata/istio-sleep.native.yaml",
			header:     "# Istio's injection of istio-sleep.in.yaml in native mode (ENABLE_NATIVE_SIDECARS=true).\n# Produced by go test -run TestExample -update; do not edit.\n",
			wantInit:   []string{"istio-init", "istio-proxy", "check-traffic"},
			wantMain:   []string{"sleep"},
			proxyAlway: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := inj.Inject(in, tc.native)
			if err != nil {
				t.Fatal(err)
			}
			got := append([]byte(tc.header), bytes.TrimSuffix(out, []byte("---\n"))...)
			if *update {
				if err := os.WriteFile(tc.file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale; run go test -run TestExample -update\n%s", tc.file, lineDiff(string(want), string(got)))
			}
			var pod podShape
			if err := yaml.Unmarshal(got, &pod); err != nil {
				t.Fatal(err)
			}
			if g := names(pod.Spec.InitContainers); !equalStrings(g, tc.wantInit) {
				t.Errorf("init containers = %v, want %v", g, tc.wantInit)
			}
			if g := names(pod.Spec.Containers); !equalStrings(g, tc.wantMain) {
				t.Errorf("containers = %v, want %v", g, tc.wantMain)
			}
			for _, c := range pod.Spec.InitContainers {
				if c.Name == "istio-proxy" && (c.RestartPolicy == "Always") != tc.proxyAlway {
					t.Errorf("istio-proxy restartPolicy = %q", c.RestartPolicy)
				}
			}
		})
	}
}

// podShape is the part of a pod the example test looks at.
type podShape struct {
	Spec struct {
		InitContainers []containerShape `json:"initContainers"`
		Containers     []containerShape `json:"containers"`
	} `json:"spec"`
}

type containerShape struct {
	Name          string `json:"name"`
	RestartPolicy string `json:"restartPolicy"`
}

func names(cs []containerShape) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExampleConverts checks the seed requirement end to end: nativize turns the
// shipped example into exactly what Istio injects in native mode.
func TestExampleConverts(t *testing.T) {
	read := func(path string) map[string]any {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Fatal(err)
		}
		return obj
	}
	classic := read("../../examples/istio-sleep.yaml")
	native := read("testdata/istio-sleep.native.yaml")
	m, err := mutate.New(mutate.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	got, plan, err := m.Object(classic)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Empty() {
		t.Fatal("nativize found nothing to convert in the example")
	}
	if ds := compare(normalize(native), normalize(got)); len(ds) > 0 {
		t.Errorf("nativize(examples/istio-sleep.yaml) != Istio native:\n%s", formatDiffs(ds))
	}
}
