// Package linkerd holds nativize to Linkerd's own native-sidecar injection:
// every fixture in testdata was rendered from Linkerd's injection templates
// twice (README.md), and nativize run on the classic rendering must give the
// native one, with both engines.
package linkerd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/regoengine"
)

// load parses a fixture into the shape JSON decoding gives.
func load(t *testing.T, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(src, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// canonical round-trips v through JSON so int64 and float64 compare equal.
func canonical(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// diff lists the paths where got and want differ.
func diff(path string, got, want any) []string {
	if reflect.DeepEqual(got, want) {
		return nil
	}
	gm, ok1 := got.(map[string]any)
	wm, ok2 := want.(map[string]any)
	if ok1 && ok2 {
		keys := map[string]bool{}
		for k := range gm {
			keys[k] = true
		}
		for k := range wm {
			keys[k] = true
		}
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		var out []string
		for _, k := range ks {
			out = append(out, diff(path+"."+k, gm[k], wm[k])...)
		}
		return out
	}
	gl, ok1 := got.([]any)
	wl, ok2 := want.([]any)
	if ok1 && ok2 && len(gl) == len(wl) {
		var out []string
		for i := range gl {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), gl[i], wl[i])...)
		}
		return out
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return []string{fmt.Sprintf("%s: nativize %s, Linkerd %s", path, g, w)}
}

// TestLinkerdNative runs both engines on every classic fixture and compares
// the result with Linkerd's native rendering of the same workload, as parsed
// objects. A second conversion must change nothing (R5).
func TestLinkerdNative(t *testing.T) {
	classics, err := filepath.Glob(filepath.Join("testdata", "*.classic.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(classics) < 10 {
		t.Fatalf("found %d fixtures, want the whole matrix (README.md)", len(classics))
	}
	goEngine, err := mutate.New(mutate.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	regoEngine, err := regoengine.New(regoengine.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	matched := 0
	var report []string
	for _, classic := range classics {
		name := strings.TrimSuffix(filepath.Base(classic), ".classic.yaml")
		ok := t.Run(name, func(t *testing.T) {
			want := canonical(t, load(t, filepath.Join("testdata", name+".native.yaml")))
			got, plan, err := goEngine.Object(load(t, classic))
			if err != nil {
				t.Fatal(err)
			}
			if plan.Empty() {
				t.Fatal("nativize left the classic rendering alone")
			}
			if d := diff("", canonical(t, got), want); len(d) > 0 {
				t.Errorf("Go engine departs from Linkerd's native injection:\n  %s", strings.Join(d, "\n  "))
			}
			fromRego, _, err := regoEngine.Mutate(context.Background(), load(t, classic))
			if err != nil {
				t.Fatal(err)
			}
			if d := diff("", canonical(t, fromRego), want); len(d) > 0 {
				t.Errorf("Rego engine departs from Linkerd's native injection:\n  %s", strings.Join(d, "\n  "))
			}
			_, again, err := goEngine.Object(load(t, filepath.Join("testdata", name+".native.yaml")))
			if err != nil {
				t.Fatal(err)
			}
			if !again.Empty() {
				t.Errorf("nativize changes Linkerd's native rendering: %+v", again.Specs)
			}
		})
		if ok {
			matched++
			report = append(report, "match   "+name)
		} else {
			report = append(report, "DEPARTS "+name)
		}
	}
	t.Logf("Linkerd native fidelity: %d/%d cases match\n%s", matched, len(classics), strings.Join(report, "\n"))
}
