package regoengine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/mutate"
)

func job() map[string]any {
	return map[string]any{
		"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"name": "nightly-report"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"restartPolicy": "Never",
			"containers": []any{
				map[string]any{"name": "report", "image": "r:1", "ports": []any{map[string]any{"containerPort": int64(8080)}}},
				map[string]any{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.28.0"},
			},
		}}},
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr error
	}{
		{name: "defaults", opts: Options{}},
		{name: "version", opts: Options{KubeVersion: "v1.30.2"}},
		{name: "old version still checks", opts: Options{KubeVersion: "1.27"}},
		{name: "bad version", opts: Options{KubeVersion: "latest"}, wantErr: mutate.ErrKubeVersion},
		{name: "default catalog", opts: Options{Catalog: catalog.Default()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("New: %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestMutate(t *testing.T) {
	own, err := catalog.Parse([]byte("containers:\n  - {name: report, role: sidecar}\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		opts      Options
		wantInit  []string
		wantOps   int
		wantErr   error
		unchanged bool
	}{
		{name: "istio proxy moves", wantInit: []string{"istio-proxy"}, wantOps: 2},
		{name: "1.28 converts", opts: Options{KubeVersion: "1.28"}, wantInit: []string{"istio-proxy"}, wantOps: 2},
		{name: "1.27 refuses", opts: Options{KubeVersion: "1.27"}, wantErr: mutate.ErrKubeVersion},
		{name: "own catalog", opts: Options{Catalog: own}, wantInit: []string{"report"}, wantOps: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			in := job()
			before := canon(t, in)
			out, patch, err := e.Mutate(context.Background(), in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Mutate: %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if canon(t, in) != before {
				t.Fatal("input modified")
			}
			if len(patch) != tc.wantOps {
				t.Fatalf("patch has %d ops, want %d: %v", len(patch), tc.wantOps, patch)
			}
			spec := out["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
			var got []string
			for _, c := range spec["initContainers"].([]any) {
				got = append(got, c.(map[string]any)["name"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tc.wantInit, ",") {
				t.Fatalf("initContainers %v, want %v", got, tc.wantInit)
			}
			// Numbers come back as the document reader's int64, not json.Number.
			if tc.wantInit[0] == "istio-proxy" {
				if _, ok := findPort(out).(int64); !ok {
					t.Fatalf("containerPort is %T, want int64", findPort(out))
				}
			}
			again, patch2, err := e.Mutate(context.Background(), out)
			if err != nil || len(patch2) != 0 || canon(t, again) != canon(t, out) {
				t.Fatalf("not idempotent: %v %v", err, patch2)
			}
		})
	}
}

func findPort(obj map[string]any) any {
	spec := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	c := spec["containers"].([]any)[0].(map[string]any)
	return c["ports"].([]any)[0].(map[string]any)["containerPort"]
}

func TestCheck(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Check(context.Background(), job())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Check != "NS001" || fs[0].Severity != "error" || len(fs[0].Fix) != 2 {
		t.Fatalf("findings: %+v", fs)
	}
	want := `NS001: Job/nightly-report: container "istio-proxy" is a classic sidecar; the Job will never complete — run "nativize mutate"`
	if fs[0].Message != want {
		t.Fatalf("message %q, want %q", fs[0].Message, want)
	}
	none, err := e.Check(context.Background(), map[string]any{"apiVersion": "v1", "kind": "ConfigMap"})
	if err != nil || none != nil {
		t.Fatalf("ConfigMap: %v %v", none, err)
	}
}

func TestApply(t *testing.T) {
	obj := map[string]any{"a": []any{map[string]any{"b/c": 1}}, "m": map[string]any{"x~y": 1}}
	tests := []struct {
		name    string
		op      mutate.PatchOp
		want    string
		wantErr bool
	}{
		{name: "escaped key in list item", op: mutate.PatchOp{Op: "replace", Path: "/a/0/b~1c", Value: 2}, want: `{"a":[{"b/c":2}],"m":{"x~y":1}}`},
		{name: "tilde", op: mutate.PatchOp{Op: "add", Path: "/m/x~0y", Value: 3}, want: `{"a":[{"b/c":1}],"m":{"x~y":3}}`},
		{name: "remove unsupported", op: mutate.PatchOp{Op: "remove", Path: "/m"}, wantErr: true},
		{name: "relative path", op: mutate.PatchOp{Op: "add", Path: "m"}, wantErr: true},
		{name: "missing parent", op: mutate.PatchOp{Op: "add", Path: "/a/7/x", Value: 1}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Apply(obj, []mutate.PatchOp{tc.op})
			if (err != nil) != tc.wantErr {
				t.Fatalf("Apply: %v", err)
			}
			if err == nil && canon(t, out) != tc.want {
				t.Fatalf("got %s, want %s", canon(t, out), tc.want)
			}
		})
	}
	if canon(t, obj) != `{"a":[{"b/c":1}],"m":{"x~y":1}}` {
		t.Fatal("input modified")
	}
}

// TestResultRule holds the Rego result rule (json.patch in Rego, used by
// conftest and opa eval) to the Go-applied patch on every golden input.
func TestResultRule(t *testing.T) {
	modules, err := Modules()
	if err != nil {
		t.Fatal(err)
	}
	opts := []func(*rego.Rego){rego.Query("data.nativize.mutate.result")}
	for name, src := range modules {
		opts = append(opts, rego.Module(name, src))
	}
	q, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../mutate/testdata/golden/*.in.yaml")
	for _, f := range files {
		docs, err := document.ReadAll([]string{f}, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if d.Object == nil {
				continue
			}
			out, _, err := e.Mutate(context.Background(), d.Object)
			if err != nil {
				t.Fatal(err)
			}
			in, err := ast.InterfaceToValue(d.Object)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := q.Eval(context.Background(), rego.EvalParsedInput(in))
			if err != nil || len(rs) != 1 {
				t.Fatalf("%s: %v %v", d.Where(), rs, err)
			}
			if g, r := canon(t, out), canon(t, Normalize(rs[0].Expressions[0].Value)); g != r {
				t.Errorf("%s: result rule differs\n engine: %s\n rule:   %s", d.Where(), g, r)
			}
		}
	}
}

// TestConcurrent shares one Engine between goroutines, as the CLI's worker
// pool and the provider do (run with -race).
func TestConcurrent(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := stream(40)
	want := make([]string, len(docs))
	for i, d := range docs {
		out, _, err := e.Mutate(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = canon(t, out)
	}
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			e := e
			if w%2 == 1 { // engines prepared concurrently share the compiled policies
				var err error
				if e, err = New(Options{}); err != nil {
					errs <- err
					return
				}
			}
			for i := range docs {
				j := (i + w*7) % len(docs)
				out, _, err := e.Mutate(context.Background(), docs[j])
				if err == nil && canon(t, out) != want[j] {
					err = fmt.Errorf("doc %d differs under concurrency", j)
				}
				if err == nil {
					_, err = e.Check(context.Background(), docs[j])
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
