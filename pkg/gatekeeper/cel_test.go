package gatekeeper

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

// regoClient builds a client that evaluates one template's Rego source
// with one constraint of the given parameters.
func regoClient(t *testing.T, c libraryCheck, params map[string]any) *constraintclient.Client {
	t.Helper()
	d, err := rego.New()
	if err != nil {
		t.Fatal(err)
	}
	client, err := constraintclient.NewClient(constraintclient.Targets(&target.K8sValidationTarget{}),
		constraintclient.Driver(d), constraintclient.EnforcementPoints(enforcementPoint))
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadBundle(os.DirFS(filepath.Join(libraryDir, c.folder())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddTemplate(context.Background(), b.templates[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddConstraint(context.Background(), paramConstraint(t, c, params)); err != nil {
		t.Fatal(err)
	}
	return client
}

// paramConstraint is the check's shipped constraint with the parameters.
func paramConstraint(t *testing.T, c libraryCheck, params map[string]any) *unstructured.Unstructured {
	t.Helper()
	b, err := loadBundle(os.DirFS(filepath.Join(libraryDir, c.folder())))
	if err != nil {
		t.Fatal(err)
	}
	con := b.constraints[0].DeepCopy()
	if len(params) > 0 {
		if err := unstructured.SetNestedField(con.Object, runtimeJSON(params), "spec", "parameters"); err != nil {
			t.Fatal(err)
		}
	}
	return con
}

func messages(t *testing.T, c *constraintclient.Client, obj map[string]any) []string {
	t.Helper()
	u := unstructured.Unstructured{Object: runtimeJSON(obj).(map[string]any)}
	resp, err := c.Review(context.Background(), target.AugmentedUnstructured{Object: u, Source: mutationtypes.SourceTypeOriginal},
		reviews.EnforcementPoint(enforcementPoint))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range resp.Results() {
		out = append(out, r.Msg)
	}
	slices.Sort(out)
	return out
}

// celLocates reports whether the CEL sources locate obj's pod spec: a
// built-in kind, or a default catalog kind with one pod spec path (group/Kind,
// so apps.kruise.io's StatefulSet is not apps'); kinds with several pod specs
// are left to the Rego source (celLocate).
func celLocates(obj map[string]any) bool {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if _, ok := workload.Builtin()[workload.Group(apiVersion)+"/"+kind]; ok {
		return true
	}
	paths, ok := catalog.Default().KindPaths(workload.Group(apiVersion), kind)
	return ok && len(paths) == 1
}

// gatorPath is the pinned gator binary (make test-library passes GATOR).
func gatorPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("GATOR")
	if p == "" {
		p = "../../.tools/bin/gator"
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no gator binary (%v); make test-library installs it", err)
	}
	return p
}

// TestCELMatchesRego holds each CEL source to its Rego twin on the golden
// inputs, the samples and generated objects of the built-in kinds, for
// several parameter sets. The Rego verdicts come from frameworks' Rego
// driver here; they are written as a gator suite and the real gator (whose
// k8scel driver is preferred over Rego, as in Gatekeeper) must pass it: CEL
// reports a violation exactly when Rego does, and its message is one of
// Rego's (CEL reports the first container only).
func TestCELMatchesRego(t *testing.T) {
	gator := gatorPath(t)
	objs := readObjects(t, "../mutate/testdata/golden/*.yaml")
	for k, v := range readObjects(t, filepath.Join(libraryDir, "*", "samples", "*", "example_*.yaml")) {
		objs[k] = v
	}
	for k, v := range readObjects(t, "testdata/cel-edges.yaml") {
		objs[k] = v
	}
	g := podgen.New(5)
	n := 60
	if testing.Short() {
		n = 30
	}
	for i := range n {
		objs[fmt.Sprintf("generated %d", i)] = g.Object(i)
	}
	names := slices.Sorted(maps.Keys(objs))
	paramSets := []map[string]any{
		{}, {"kubeVersion": "1.27"}, {"kubeVersion": "v1.28.3"}, {"kubeVersion": "1.29"},
		{"kubeVersion": "1.28", "minSeverity": "error"}, {"kubeVersion": " +1.+20.x "}, {"minSeverity": "error"},
		{"kubeVersion": "1.34", "catalog": map[string]any{"containers": []any{
			map[string]any{"name": "envoy", "role": "proxy", "requiresSetup": []any{"kuma-init"}},
			map[string]any{"name": "helper", "role": "proxy", "images": []any{"registry.example.com/*-agent*", "*/log-shipper:?"}},
			map[string]any{"name": "odd-glob", "role": "proxy", "images": []any{"docker.io/envoy+(?)[x]{y}^$.io|z:*"}},
			map[string]any{"name": "istio-proxy", "role": "sidecar"},
		}}},
	}
	dir := t.TempDir()
	cases := 0
	for _, c := range checks() {
		if c.cel == nil {
			continue
		}
		cdir := filepath.Join(dir, c.folder())
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			t.Fatal(err)
		}
		tmpl := mustRead(t, filepath.Join(libraryDir, c.folder(), "template.yaml"))
		if err := os.WriteFile(filepath.Join(cdir, "template.yaml"), tmpl, 0o644); err != nil {
			t.Fatal(err)
		}
		for i, name := range names {
			if !celLocates(objs[name]) {
				continue
			}
			writeJSON(t, filepath.Join(cdir, fmt.Sprintf("object-%d.json", i)), objs[name])
		}
		var tests []any
		for p, params := range paramSets {
			con := paramConstraint(t, c, params)
			writeJSON(t, filepath.Join(cdir, fmt.Sprintf("constraint-%d.json", p)), con.Object)
			rg := regoClient(t, c, params)
			var cs []any
			flagged := 0
			for i, name := range names {
				if !celLocates(objs[name]) {
					continue
				}
				want := messages(t, rg, objs[name])
				var asserts []any
				if len(want) == 0 {
					asserts = []any{map[string]any{"violations": 0}}
				} else {
					flagged++
					alts := make([]string, len(want))
					for j, m := range want {
						alts[j] = regexp.QuoteMeta(m)
					}
					// One CEL violation per validation that fires: per
					// message family Rego reports.
					k := families(want)
					asserts = []any{
						map[string]any{"violations": k},
						map[string]any{"violations": k, "message": "^(" + strings.Join(alts, "|") + ")$"},
					}
				}
				cs = append(cs, map[string]any{"name": fmt.Sprintf("%s %d", name, i), "object": fmt.Sprintf("object-%d.json", i), "assertions": asserts})
				cases++
			}
			tests = append(tests, map[string]any{"name": fmt.Sprintf("params %v", params), "template": "template.yaml",
				"constraint": fmt.Sprintf("constraint-%d.json", p), "cases": cs})
			t.Logf("%s %v: %d objects, %d flagged by Rego", c.rule.ID, params, len(cs), flagged)
		}
		writeJSON(t, filepath.Join(cdir, "suite.json"), map[string]any{"kind": "Suite", "apiVersion": "test.gatekeeper.sh/v1alpha1", "tests": tests})
		// gator reads suites named *.yaml; JSON is YAML.
		if err := os.Rename(filepath.Join(cdir, "suite.json"), filepath.Join(cdir, "suite.yaml")); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(gator, "verify", dir+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("gator verify (CEL) disagrees with Rego: %v\n%s", err, tail(out, 4000))
	}
	t.Logf("gator verified %d CEL cases against Rego", cases)
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// quoted matches the quoted names in a message.
var quoted = regexp.MustCompile(`"[^"]*"`)

// families counts the distinct messages once names are blanked out: the
// CEL validations that fire, since each reports its first container.
func families(msgs []string) int {
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[quoted.ReplaceAllString(m, `""`)] = true
	}
	return len(seen)
}
