package regoengine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

// setPath stores v at the dotted path in obj, creating maps on the way.
func setPath(obj map[string]any, path []string, v any) {
	for _, f := range path[:len(path)-1] {
		next, ok := obj[f].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[f] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}

// kindCases builds objects of every built-in kind and every default catalog
// kind, with generated pod specs at some or all of the kind's paths (an
// object of a kind with several pod specs rarely fills them all).
func kindCases(g *podgen.Generator, n int) map[string]map[string]any {
	type kind struct {
		apiVersion, kind string
		paths            [][]string
	}
	var kinds []kind
	for gk, p := range workload.Builtin() {
		group, k, _ := strings.Cut(gk, "/")
		kinds = append(kinds, kind{strings.TrimPrefix(group+"/v1", "/"), k, [][]string{p}})
	}
	for _, k := range catalog.Default().Kinds {
		kinds = append(kinds, kind{k.Group + "/v1", k.Kind, k.Paths()})
	}
	out := map[string]map[string]any{}
	for i := range n {
		k := kinds[i%len(kinds)]
		obj := map[string]any{"apiVersion": k.apiVersion, "kind": k.kind,
			"metadata": map[string]any{"name": fmt.Sprintf("o%d", i), "annotations": map[string]any{}}}
		for j, p := range k.paths {
			if len(k.paths) > 1 && (i+j)%3 == 0 {
				continue // leave this template out
			}
			spec, ann, labels := g.PodSpec()
			setPath(obj, p, spec)
			meta := append(append([]string(nil), p[:len(p)-1]...), "metadata")
			setPath(obj, meta, map[string]any{"annotations": ann, "labels": labels})
		}
		out[fmt.Sprintf("%s %s #%d", k.apiVersion, k.kind, i)] = obj
	}
	return out
}

// TestParityKinds holds both engines to the same pod specs, patches and
// findings on every kind they locate, several pod specs per object included.
func TestParityKinds(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 120
	}
	g := podgen.New(23)
	cases := kindCases(g, n)
	for _, kube := range []string{"", "1.28"} {
		e := newEngines(t, kube, nil)
		bad, specs := 0, 0
		for name, obj := range cases {
			specs += len(workload.Locate(obj, catalog.Default()))
			if e.compare(t, name+" kube="+kube, obj) {
				if bad++; bad > 3 {
					t.Fatalf("kube %q: too many mismatches", kube)
				}
			}
		}
		t.Logf("kube %q: %d objects, %d pod specs compared", kube, len(cases), specs)
		if specs <= len(cases) {
			t.Fatalf("%d pod specs in %d objects: no object had several", specs, len(cases))
		}
	}
}
