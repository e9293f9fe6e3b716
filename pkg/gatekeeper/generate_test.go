package gatekeeper

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/nativize/nativize/policies"
)

// libraryDir is library/ seen from this package's directory.
const libraryDir = "../../library"

// TestGeneratedFilesUpToDate fails when committed library files drift from
// what the policies generate (run `make generate-library`).
func TestGeneratedFilesUpToDate(t *testing.T) {
	files, err := Generate(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("nothing generated")
	}
	for name, want := range files {
		got, err := os.ReadFile(path.Join(libraryDir, name))
		if err != nil {
			t.Errorf("%s: %v (run make generate-library)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what policies/ generate (run make generate-library)", name)
		}
	}
	// And no stale generated file is left behind.
	err = fs.WalkDir(os.DirFS(libraryDir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasPrefix(p, "ns") || strings.HasPrefix(p, "mutation/")) {
			return err
		}
		b, err := os.ReadFile(path.Join(libraryDir, p))
		if err != nil {
			return err
		}
		if _, ok := files[p]; !ok && bytes.HasPrefix(b, []byte(Header)) {
			t.Errorf("%s is generated but no longer produced", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEveryCheckHasCases holds each check folder to at least one sample with
// both example objects, as gatekeeper-library does.
func TestEveryCheckHasCases(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range checks() {
		ids[c.rule.ID] = true
		if len(c.cases) == 0 {
			t.Errorf("%s has no sample cases", c.rule.ID)
		}
		for _, s := range c.cases {
			for _, f := range []string{"example_allowed.yaml", "example_disallowed.yaml"} {
				p := path.Join(libraryDir, c.folder(), "samples", s.name, f)
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s: %v", c.rule.ID, err)
				}
			}
		}
	}
	for _, id := range []string{"NS001", "NS002", "NS003", "NS004", "NS005", "NS006", "NS007", "NS008"} {
		if !ids[id] {
			t.Errorf("no library folder for %s", id)
		}
	}
}

func TestToLib(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []string // substrings of the result
		wantErr bool
	}{
		{
			name: "package and references move under lib",
			src:  "package nativize.lib.x\n\nimport data.nativize.lib.y\n\nz := data.nativize.lib.y.v\n",
			want: []string{"package lib.nativize.lib.x", "import data.lib.nativize.lib.y", "z := data.lib.nativize.lib.y.v"},
		},
		{
			name: "a call by full path goes through an import",
			src:  "package nativize.validate\n\nf := data.nativize.lib.annotations.names(1, 2)\n",
			want: []string{"import data.lib.nativize.lib.annotations", "f := annotations.names(1, 2)"},
		},
		{
			name: "a call reuses an existing import alias",
			src:  "package nativize.validate\n\nimport data.nativize.lib.annotations as a\n\nf := data.nativize.lib.annotations.names(1, 2)\n",
			want: []string{"import data.lib.nativize.lib.annotations as a", "f := a.names(1, 2)"},
		},
		{
			name: "rego.v1 and future imports are dropped",
			src:  "package nativize.lib.x\n\nimport rego.v1\nimport future.keywords.in\n\nz := 1\n",
			want: []string{"package lib.nativize.lib.x\n\nz := 1"},
		},
		{name: "other data is refused", src: "package nativize.lib.x\n\nz := data.inventory.cluster\n", wantErr: true},
		{name: "other packages are refused", src: "package other\n\nz := 1\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toLib("x.rego", tt.src)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			if _, err := ast.ParseModuleWithOpts("out.rego", got, ast.ParserOptions{RegoVersion: ast.RegoV1}); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
}
