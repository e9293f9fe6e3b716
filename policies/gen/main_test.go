package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestGeneratedCatalogUpToDate fails when policies/lib/catalog.rego drifts
// from pkg/catalog/catalog.yaml.
func TestGeneratedCatalogUpToDate(t *testing.T) {
	if err := run(filepath.Join("..", "..", defaultIn), filepath.Join("..", "..", defaultOut), true); err != nil {
		t.Fatal(err)
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    []string
		wantErr bool
	}{
		{name: "entries", yaml: "containers:\n  - {name: istio-proxy, role: proxy, mesh: istio}\n",
			want: []string{"package nativize.lib.catalog", `"name": "istio-proxy"`, `"role": "proxy"`}},
		{name: "globs", yaml: "containers:\n  - {name: x, role: sidecar, images: ['*/x*']}\n", want: []string{`"*/x*"`}},
		{name: "bad yaml", yaml: "containers: [", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render([]byte(tc.yaml))
			if tc.wantErr {
				if err == nil {
					t.Fatal("want error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("output lacks %s:\n%s", w, got)
				}
			}
			if _, err := ast.ParseModuleWithOpts("catalog.rego", string(got), ast.ParserOptions{RegoVersion: ast.RegoV1}); err != nil {
				t.Errorf("output does not parse: %v", err)
			}
		})
	}
}

func TestRunDetectsDrift(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "c.yaml")
	out := filepath.Join(dir, "c.rego")
	if err := os.WriteFile(in, []byte("containers: [{name: a, role: proxy}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out, false); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out, true); err != nil {
		t.Fatalf("fresh file reported as drifted: %v", err)
	}
	if err := os.WriteFile(in, []byte("containers: [{name: b, role: proxy}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(in, out, true)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("out of date")) {
		t.Fatalf("drift not detected: %v", err)
	}
}
