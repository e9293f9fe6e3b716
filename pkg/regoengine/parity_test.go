package regoengine

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

// engines holds both engines for one set of options.
type engines struct {
	goMut   *mutate.Mutator
	goCheck *validate.Checker
	rego    *Engine
}

func newEngines(t testing.TB, kube string, cat *catalog.Catalog) engines {
	t.Helper()
	var e engines
	var err error
	if e.rego, err = New(Options{KubeVersion: kube, Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	if e.goCheck, err = validate.New(validate.Options{KubeVersion: kube, Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	if e.goMut, err = mutate.New(mutate.Options{KubeVersion: kube, Catalog: cat}); err != nil {
		e.goMut = nil // below 1.28: the Go engine refuses at New, Rego at Mutate
	}
	return e
}

func canon(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// compare runs obj through both engines and reports every difference.
func (e engines) compare(t testing.TB, name string, obj map[string]any) (mismatch bool) {
	t.Helper()
	before := canon(t, obj)
	ctx := context.Background()
	rOut, rPatch, rErr := e.rego.Mutate(ctx, obj)
	if e.goMut == nil {
		if rErr == nil {
			t.Errorf("%s: Go refuses the kube version, Rego converted", name)
			mismatch = true
		}
	} else {
		gOut, plan, gErr := e.goMut.Object(obj)
		if (gErr != nil) != (rErr != nil) {
			t.Errorf("%s: errors differ: go %v, rego %v", name, gErr, rErr)
			return true
		}
		if g, r := canon(t, plan.Patch()), canon(t, rPatch); g != r {
			t.Errorf("%s: patches differ\n go:   %s\n rego: %s", name, g, r)
			mismatch = true
		}
		rPlan, err := e.rego.Plan(obj)
		if err != nil {
			t.Fatalf("%s: rego plan: %v", name, err)
		}
		if g, r := canon(t, plan), canon(t, rPlan); g != r {
			t.Errorf("%s: plans differ\n go:   %s\n rego: %s", name, g, r)
			mismatch = true
		}
		for i := range min(len(plan.Specs), len(rPlan.Specs)) {
			g, r := plan.Specs[i], rPlan.Specs[i]
			if canon(t, []any{g.HadInit, g.InitContainers, g.Containers}) != canon(t, []any{r.HadInit, r.InitContainers, r.Containers}) {
				t.Errorf("%s: plan lists differ at spec %d", name, i)
				mismatch = true
			}
		}
		if g, r := canon(t, gOut), canon(t, rOut); g != r {
			t.Errorf("%s: objects differ\n go:   %s\n rego: %s", name, g, r)
			mismatch = true
		}
	}
	rFind, err := e.rego.Check(ctx, obj)
	if err != nil {
		t.Fatalf("%s: rego check: %v", name, err)
	}
	if g, r := canon(t, e.goCheck.Check(obj)), canon(t, rFind); g != r {
		t.Errorf("%s: findings differ\n go:   %s\n rego: %s", name, g, r)
		mismatch = true
	}
	if canon(t, obj) != before {
		t.Errorf("%s: input modified", name)
		mismatch = true
	}
	return mismatch
}

// TestParityGolden runs every golden input through both engines.
func TestParityGolden(t *testing.T) {
	files, err := filepath.Glob("../mutate/testdata/golden/*.in.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, kube := range []string{"", "1.27", "1.28", "1.34"} {
		e := newEngines(t, kube, nil)
		n := 0
		for _, f := range files {
			docs, err := document.ReadAll([]string{f}, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				if d.Err != nil || d.Object == nil {
					continue
				}
				n++
				e.compare(t, filepath.Base(f)+"#"+d.Where()+" kube="+kube, d.Object)
			}
		}
		t.Logf("kube %q: %d golden documents compared", kube, n)
	}
}

// TestParityGenerated runs generated objects (the seeded generator shared
// with the core tests) through both engines.
func TestParityGenerated(t *testing.T) {
	const perVersion = 2000
	// A catalog of its own: image globs, requiresSetup, another custom kind,
	// and no Rollout (so Rollouts are skipped).
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
	runs := []struct {
		kube string
		cat  *catalog.Catalog
		n    int
	}{{"", nil, perVersion}, {"1.28", nil, 500}, {"1.27", nil, 500}, {"1.34", nil, 500}, {"", own, 1000}}
	for _, run := range runs {
		kube := run.kube
		e := newEngines(t, kube, run.cat)
		g := podgen.New(7)
		bad := 0
		for i := range run.n {
			obj := g.Object(i)
			if e.compare(t, canon(t, obj)+" kube="+kube, obj) {
				bad++
				if bad > 5 {
					t.Fatalf("kube %q: too many mismatches", kube)
				}
			}
		}
		t.Logf("kube %q, own catalog %v: %d generated objects compared, %d mismatches", kube, run.cat != nil, run.n, bad)
	}
}

// The Rego engine is an engine.Engine: every entry point can run it.
