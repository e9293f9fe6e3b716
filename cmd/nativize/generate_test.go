package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerate runs `nativize generate admission-policy` as a user would:
// stdout, --out, --check against fresh and stale files, and usage errors.
func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	stale := func() {
		p := filepath.Join(dir, "validating-policies.yaml")
		if err := os.WriteFile(p, []byte("# edited by hand\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name    string
		before  func()
		args    []string
		code    int
		outHas  string
		errHas  string
		written []string
	}{
		{name: "policy on stdout", args: []string{"admission-policy"}, outHas: "kind: MutatingAdmissionPolicy"},
		{name: "--check before any file exists", args: []string{"admission-policy", "--out", dir, "--check"}, code: 1, errHas: "is out of date"},
		{name: "--out writes every file", args: []string{"admission-policy", "--out", dir},
			written: []string{"mutating-policy.yaml", "validating-policies.yaml", "validating-bindings-warn.yaml", "validating-bindings-deny.yaml"}},
		{name: "--check passes on what it wrote", args: []string{"admission-policy", "--out", dir, "--check"}},
		{name: "--check names a hand-edited file", before: stale, args: []string{"admission-policy", "--out", dir, "--check"}, code: 1, errHas: "validating-policies.yaml is out of date"},
		{name: "unknown target", args: []string{"gatekeeper"}, code: 2, errHas: "want one target, admission-policy"},
		{name: "--check needs --out", args: []string{"admission-policy", "--check"}, code: 2, errHas: "--check needs --out"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			code, out, errOut := runMain(t, "", append([]string{"generate"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut)
			}
			if !strings.Contains(out, tt.outHas) || !strings.Contains(errOut, tt.errHas) {
				t.Errorf("stdout %.200q lacks %q or stderr %q lacks %q", out, tt.outHas, errOut, tt.errHas)
			}
			for _, f := range tt.written {
				if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || len(b) == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
		})
	}
	// What --out wrote is what the repository ships.
	for _, f := range []string{"mutating-policy.yaml", "validating-bindings-warn.yaml", "validating-bindings-deny.yaml"} {
		got, _ := os.ReadFile(filepath.Join(dir, f))
		want, err := os.ReadFile(filepath.Join("..", "..", "library", "admission", f))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s differs from library/admission/%s (%v)", f, f, err)
		}
	}
}
