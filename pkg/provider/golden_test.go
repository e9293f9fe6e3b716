package provider

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/mutate"
)

// TestMutateGolden: for every golden case of pkg/mutate, the /mutate patch
// applied to the request object equals what `nativize mutate` writes
// (mutate.Object) and the case's .out.yaml, and the patched object needs no
// second patch.
func TestMutateGolden(t *testing.T) {
	ins, err := filepath.Glob("../mutate/testdata/golden/*.in.yaml")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	ts := startServer(t, nil)
	m, err := mutate.New(mutate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	patched := 0
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		docs := objects(t, in)
		outs := objects(t, strings.TrimSuffix(in, ".in.yaml")+".out.yaml")
		if len(docs) != len(outs) {
			t.Fatalf("%s: %d input objects, %d output objects", name, len(docs), len(outs))
		}
		for i, obj := range docs {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				raw := mustJSON(t, obj)
				resp := admit(t, ts, "/mutate", review(t, fmt.Sprintf("%s-%d", name, i), "CREATE", raw, false))
				got := raw
				if resp.Patch != nil {
					patched++
					got = applyPatch(t, raw, resp.Patch)
				}
				want, _, err := m.Object(obj)
				if err != nil {
					t.Fatal(err)
				}
				assertSameJSON(t, "mutate.Object", got, mustJSON(t, want))
				assertSameJSON(t, filepath.Base(in)+" .out.yaml", got, mustJSON(t, outs[i]))
				if again := admit(t, ts, "/mutate", review(t, "again", "UPDATE", got, false)); again.Patch != nil {
					t.Errorf("converted object patched again: %s", again.Patch)
				}
			})
		}
	}
	if patched == 0 {
		t.Fatal("no golden case produced a patch")
	}
	t.Logf("%d golden files, %d objects patched", len(ins), patched)
}

// objects reads the objects of a YAML file with the CLI's reader.
func objects(t testing.TB, path string) []map[string]any {
	t.Helper()
	docs, err := document.ReadAll([]string{path}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, d := range docs {
		if d.Err != nil {
			t.Fatal(d.Err)
		}
		if d.Object != nil {
			out = append(out, d.Object)
		}
	}
	return out
}

// assertSameJSON compares two JSON documents as values.
func assertSameJSON(t testing.TB, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("patched object differs from %s\n got: %s\nwant: %s", what, got, want)
	}
}
