package gatekeeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/provider"
	"github.com/nativize/nativize/pkg/validate"
)

// engines is the Gatekeeper engine next to the Go checks it must agree with.
type engines struct {
	gk  *Engine
	go_ *validate.Checker
}

func newEngines(t *testing.T, kube string, cat *catalog.Catalog) engines {
	t.Helper()
	gk, err := New(Options{KubeVersion: kube, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gk.Close)
	c, err := validate.New(validate.Options{KubeVersion: kube, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return engines{gk, c}
}

// compare reports (and returns true on) a difference between the engines;
// n is the number of findings.
func (e engines) compare(t *testing.T, name string, obj map[string]any) (bad bool, n int) {
	t.Helper()
	got, err := e.gk.Check(context.Background(), obj)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return true, 0
	}
	want := e.go_.Check(obj)
	validate.Sort(want)
	if len(got) == 0 && len(want) == 0 {
		return false, 0
	}
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if string(g) != string(w) {
		t.Errorf("%s: gatekeeper engine\n%s\nGo engine\n%s", name, g, w)
		return true, len(got)
	}
	return false, len(got)
}

// readObjects returns every well-formed document of the files matching glob.
func readObjects(t *testing.T, glob string) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files for %s: %v", glob, err)
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		docs, err := document.ReadAll([]string{f}, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if d.Err == nil && d.Object != nil {
				out[d.Where()] = d.Object
			}
		}
	}
	return out
}

// TestParityWithGoEngine holds the Gatekeeper engine to the Go checks on the
// golden inputs and outputs, the library's own samples and the examples.
func TestParityWithGoEngine(t *testing.T) {
	objs := readObjects(t, "../mutate/testdata/golden/*.yaml")
	for k, v := range readObjects(t, filepath.Join(libraryDir, "*", "samples", "*", "example_*.yaml")) {
		objs[k] = v
	}
	for k, v := range readObjects(t, "../../examples/*.yaml") {
		objs[k] = v
	}
	findings := 0
	for _, kube := range []string{"", "1.27", "1.28", "1.34"} {
		e := newEngines(t, kube, nil)
		for name, obj := range objs {
			_, n := e.compare(t, name+" kube="+kube, obj)
			findings += n
		}
	}
	t.Logf("%d documents x 4 kube versions compared, %d findings", len(objs), findings)
	if findings == 0 {
		t.Fatal("no findings at all: the comparison proves nothing")
	}
}

// TestParityGenerated runs generated objects through both engines, with the
// default catalog and with a catalog of its own (custom kind included).
func TestParityGenerated(t *testing.T) {
	own, err := catalog.Parse([]byte(`
containers:
  - {name: istio-init, role: setup, mesh: istio}
  - {name: kuma-init, role: setup}
  - {name: istio-proxy, role: proxy, mesh: istio}
  - {name: envoy, role: proxy, mesh: kuma, requiresSetup: [kuma-init]}
  - {name: shipper, role: sidecar, images: ["*/log-shipper:?"]}
  - {name: helper, role: sidecar, mesh: linkerd, images: ["registry.example.com/*-agent*"]}
kinds:
  - {group: apps, kind: Widget, podSpecPath: spec.template.spec}
`))
	if err != nil {
		t.Fatal(err)
	}
	// Every review runs the eight templates: about 10 ms each.
	runs := []struct {
		kube string
		cat  *catalog.Catalog
		n    int
	}{{"", nil, 200}, {"1.28", nil, 60}, {"1.27", nil, 60}, {"1.34", nil, 60}, {"", own, 120}}
	for _, run := range runs {
		if testing.Short() {
			run.n /= 4
		}
		e := newEngines(t, run.kube, run.cat)
		g := podgen.New(11)
		bad, findings := 0, 0
		for i := range run.n {
			obj := g.Object(i)
			mismatch, n := e.compare(t, "generated object "+jsonString(obj)+" kube="+run.kube, obj)
			findings += n
			if mismatch {
				if bad++; bad > 3 {
					t.Fatalf("kube %q: too many mismatches", run.kube)
				}
			}
		}
		t.Logf("kube %q, own catalog %v: %d objects, %d findings, %d mismatches", run.kube, run.cat != nil, run.n, findings, bad)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCheck(t *testing.T) {
	job := func(name string) map[string]any {
		return map[string]any{
			"apiVersion": "batch/v1", "kind": "Job", "metadata": map[string]any{"name": name, "namespace": "ops"},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"restartPolicy": "Never",
				"containers": []any{
					map[string]any{"name": "main", "image": "busybox"},
					map[string]any{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.0"},
				},
			}}},
		}
	}
	tests := []struct {
		name   string
		kube   string
		obj    map[string]any
		checks []string // check ids in Compare order
		object validate.Object
	}{
		{
			name: "job with a classic proxy", obj: job("migrate"),
			checks: []string{"NS001"},
			object: validate.Object{APIVersion: "batch/v1", Kind: "Job", Namespace: "ops", Name: "migrate"},
		},
		{
			name:   "list items are checked one by one",
			obj:    map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{job("a"), job("b")}},
			checks: []string{"NS001", "NS001"},
		},
		{
			name: "an extensions/v1beta1 Deployment is matched too",
			obj: map[string]any{"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": map[string]any{"name": "old"},
				"spec": job("x")["spec"]},
			checks: []string{"NS001"},
			object: validate.Object{APIVersion: "extensions/v1beta1", Kind: "Deployment", Name: "old"},
		},
		{name: "not a workload", obj: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}}},
		{name: "no kind", obj: map[string]any{"apiVersion": "v1", "spec": map[string]any{}}},
		{name: "kind not a string", obj: map[string]any{"apiVersion": "v1", "kind": 5}},
		{name: "empty document", obj: map[string]any{}},
		{name: "malformed pod", obj: map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": "x", "spec": "x"}},
		{name: "list with malformed items", obj: map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{"x", map[string]any{"kind": "Pod"}}}},
		{
			name: "kube 1.27 refuses the conversion: no fix", kube: "1.27", obj: job("old"),
			checks: []string{"NS001"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Options{KubeVersion: tt.kube})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			fs, err := e.Check(context.Background(), tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Check)
			}
			if jsonString(got) != jsonString(tt.checks) && !(len(got) == 0 && len(tt.checks) == 0) {
				t.Fatalf("checks %v, want %v (%s)", got, tt.checks, jsonString(fs))
			}
			for _, f := range fs {
				if f.Message == "" || f.Severity == "" {
					t.Errorf("incomplete finding %+v", f)
				}
				if f.Check == "NS001" && (tt.kube == "1.27") != (len(f.Fix) == 0) {
					t.Errorf("kube %q: NS001 fix %v", tt.kube, f.Fix)
				}
			}
			if tt.object != (validate.Object{}) && fs[0].Object != tt.object {
				t.Errorf("object %+v, want %+v", fs[0].Object, tt.object)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		is   error
	}{
		{name: "bad kube version", opts: Options{KubeVersion: "banana"}},
		{name: "library without templates", opts: Options{Library: fstest.MapFS{"x.yaml": {Data: []byte("kind: ConfigMap\n")}}}, is: ErrLibrary},
		{name: "broken YAML", opts: Options{Library: fstest.MapFS{"x.yaml": {Data: []byte("a: [\n")}}}, is: ErrLibrary},
		{name: "constraint without its template", opts: Options{Library: fstest.MapFS{
			"t.yaml": {Data: mustRead(t, filepath.Join(libraryDir, "ns001-classic-sidecar", "template.yaml"))},
			"c.yaml": {Data: mustRead(t, filepath.Join(libraryDir, "ns002-init-container-before-proxy", "constraint.yaml"))},
		}}, is: ErrLibrary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.opts)
			if err == nil {
				e.Close()
				t.Fatal("want an error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLibraryDir loads library/ from disk (--library DIR): samples are
// skipped, so each check reports once, as with the embedded library; the
// provider's external-data template (library/provider) is answered in
// process by the provider's own code through the ExternalData hook.
func TestLibraryDir(t *testing.T) {
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	served := 0
	hook := func(_ context.Context, name string, keys []string) ([]externaldata.Item, error) {
		if name != "nativize" {
			return nil, fmt.Errorf("unknown provider %q", name)
		}
		served += len(keys)
		return provider.Items(eng, keys), nil
	}
	embedded, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer embedded.Close()
	disk, err := New(Options{Library: os.DirFS(libraryDir), ExternalData: hook})
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	viaProvider := 0
	for name, obj := range readObjects(t, filepath.Join(libraryDir, "*", "samples", "*", "example_disallowed.yaml")) {
		all, err := disk.Check(context.Background(), obj)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := embedded.Check(context.Background(), obj)
		// Every finding of the embedded library is there; what is left came
		// through the provider's template.
		external := slices.Clone(all)
		for _, w := range want {
			i := slices.IndexFunc(external, func(f validate.Finding) bool { return jsonString(f) == jsonString(w) })
			if i < 0 {
				t.Errorf("%s: --library DIR lacks %s (got %s)", name, jsonString(w), jsonString(all))
				continue
			}
			external = slices.Delete(external, i, i+1)
		}
		// The provider's constraint reports errors only (minSeverity: error).
		errs := 0
		for _, f := range want {
			if f.Severity == validate.SeverityError {
				errs++
			}
		}
		if len(external) != errs {
			t.Errorf("%s: %d findings via the provider, want %d: %s", name, len(external), errs, jsonString(external))
		}
		for _, f := range external {
			if strings.Contains(f.Message, "nativize provider:") || f.Severity != validate.SeverityError {
				t.Errorf("%s: not a provider finding: %s", name, jsonString(f))
			}
		}
		viaProvider += len(external)
	}
	if served == 0 || viaProvider == 0 {
		t.Fatalf("the provider answered %d keys and gave %d findings: the hook was not exercised", served, viaProvider)
	}
}

// TestConcurrentCheck runs Check from many goroutines, as the CLI does.
func TestConcurrentCheck(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	g := podgen.New(3)
	objs := make([]map[string]any, 16)
	want := make([]string, len(objs))
	for i := range objs {
		objs[i] = g.Object(i)
		fs, err := e.Check(context.Background(), objs[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = jsonString(fs)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range objs {
				j := (i + w) % len(objs)
				fs, err := e.Check(context.Background(), objs[j])
				if err != nil {
					t.Error(err)
					return
				}
				if jsonString(fs) != want[j] {
					t.Errorf("object %d: concurrent result differs", j)
				}
			}
		})
	}
	wg.Wait()
}
