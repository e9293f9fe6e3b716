package validate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/mutate"
)

// fixedByConversion are the checks a conversion must clear on every pod
// spec it converts.
var fixedByConversion = map[string]bool{CheckClassicSidecar: true, CheckInitBeforeProxy: true, CheckSetupAfterProxy: true}

// TestPropertiesGenerated checks invariants over generated objects: input
// untouched, findings sorted, unique and prefixed, and `nativize mutate`
// output free of what the fix claims to fix (and offering no further fix).
func TestPropertiesGenerated(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mutate.New(mutate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := podgen.New(4)
	const n = 3000
	converted := 0
	for i := range n {
		obj := g.Object(i)
		before := mutate.DeepCopy(obj)
		fs := c.Check(obj)
		if !reflect.DeepEqual(obj, before) {
			t.Fatalf("object %d: Check modified its input", i)
		}
		assertWellFormed(t, i, fs)
		out, plan, err := m.Object(obj)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Empty() {
			continue
		}
		converted++
		for _, f := range c.Check(out) {
			if fixedByConversion[f.Check] || f.Check == CheckEffectiveRequests || len(f.Fix) > 0 ||
				strings.Contains(f.Message, "without restartPolicy: Always") {
				b, _ := json.Marshal(out)
				t.Fatalf("object %d after conversion still has %s\n%s", i, f.Message, b)
			}
		}
	}
	if converted < n/3 {
		t.Fatalf("only %d of %d generated objects needed a conversion; the property is too weak", converted, n)
	}
}

func assertWellFormed(t *testing.T, i int, fs []Finding) {
	t.Helper()
	for j, f := range fs {
		prefix := fmt.Sprintf("%s: %s/%s: ", f.Check, f.Object.Kind, f.Object.Name)
		if !strings.HasPrefix(f.Message, prefix) {
			t.Fatalf("object %d: message %q lacks prefix %q", i, f.Message, prefix)
		}
		if f.Severity.Rank() == 0 {
			t.Fatalf("object %d: severity %q", i, f.Severity)
		}
		if j > 0 && Compare(fs[j-1], f) >= 0 {
			t.Fatalf("object %d: findings not sorted or repeated: %+v then %+v", i, fs[j-1], f)
		}
	}
}

// FuzzCheck feeds arbitrary YAML to the checker: it must never panic and
// its findings must stay well formed.
func FuzzCheck(f *testing.F) {
	g := podgen.New(7)
	for i := range 20 {
		b, err := yaml.Marshal(g.Object(i))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"apiVersion: v1\nkind: Pod\nspec: {containers: notalist}\n",
		"apiVersion: v1\nkind: Pod\nspec: {initContainers: [1, 2], containers: [{name: istio-proxy}]}\n",
		"apiVersion: v1\nkind: Pod\nspec: {restartPolicy: 5, initContainers: [{name: istio-proxy, restartPolicy: [x]}], containers: [{name: a, restartPolicy: null, command: [1, true, /quitquitquit]}]}\n",
		"apiVersion: batch/v1\nkind: Job\nspec: {template: {spec: {containers: [{name: a, resources: {requests: {cpu: [1]}, limits: \"x\"}}, {name: istio-proxy, resources: {requests: {cpu: 1e400}}}]}}}\n",
		"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Pod, metadata: {name: 5}, spec: {containers: [{name: a}, {name: daprd}]}}]}]\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {annotations: {nativize.dev/sidecars: \",,a, ,\", nativize.dev/before-sidecars: 7}}\nspec: {containers: [{name: a}, {name: b}]}\n",
	} {
		f.Add([]byte(s))
	}
	c, err := New(Options{KubeVersion: "1.28"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if err := yaml.Unmarshal(data, &obj); err != nil || obj == nil {
			return
		}
		assertWellFormed(t, 0, c.Check(obj))
	})
}

// BenchmarkCheck measures the Go engine on generated objects.
func BenchmarkCheck(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	g := podgen.New(1)
	objs := make([]map[string]any, 256)
	for i := range objs {
		objs[i] = g.Object(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Check(objs[i%len(objs)])
		i++
	}
}
