package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/validate"
)

// Fixtures for `nativize check`; line numbers below refer to these texts.
const (
	jobClassic = `# a Job whose classic proxy keeps it from completing
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: db
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: app
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.28.0
`
	deployNoProbe = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
      - {name: vault-agent, image: vault, restartPolicy: Always}
      containers:
      - {name: app, image: app}
`
	clean = `apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  containers:
  - {name: app, image: app}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
`
	broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad\n"
)

// writeFiles writes name→content into a temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCLI(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, streams{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestCheckExitCodes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"job.yaml":       jobClassic,
		"web.yaml":       deployNoProbe,
		"clean.yaml":     clean,
		"broken.yaml":    broken,
		"mixed.yaml":     broken + "---\n" + jobClassic,
		"nested/a.yaml":  jobClassic,
		"catalog.yaml":   "containers:\n- {name: logship, role: sidecar}\n",
		"logship.yaml":   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: l}\nspec: {template: {spec: {containers: [{name: app}, {name: logship}]}}}\n",
		"native127.yaml": deployNoProbe,
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	cases := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdoutHas  []string
		stderrHas  []string
		stdoutNot  []string
		stdoutOnly bool
	}{
		{name: "no -f", args: []string{"check"}, code: 2, stderrHas: []string{"-f is required"}},
		{name: "unknown flag", args: []string{"check", "--bogus"}, code: 2, stderrHas: []string{"unknown flag"}},
		{name: "stray argument", args: []string{"check", "-f", p("job.yaml"), "extra"}, code: 2, stderrHas: []string{"unexpected arguments"}},
		{name: "unknown format", args: []string{"check", "-f", p("job.yaml"), "-o", "yaml"}, code: 2, stderrHas: []string{`unknown -o "yaml"`}},
		{name: "unknown fail-on", args: []string{"check", "-f", p("job.yaml"), "--fail-on", "info"}, code: 2, stderrHas: []string{"--fail-on"}},
		{name: "unknown engine", args: []string{"check", "-f", p("job.yaml"), "--engine", "cel"}, code: 2, stderrHas: []string{"--engine"}},
		{name: "library without gatekeeper", args: []string{"check", "-f", p("job.yaml"), "--library", dir}, code: 2, stderrHas: []string{"--library needs --engine gatekeeper"}},
		{name: "bad kube version", args: []string{"check", "-f", p("job.yaml"), "--kube-version", "latest"}, code: 2, stderrHas: []string{"latest"}},
		{name: "missing file", args: []string{"check", "-f", p("nope.yaml")}, code: 2, stderrHas: []string{"nope.yaml"}},
		{name: "missing config", args: []string{"check", "-f", p("job.yaml"), "--config", p("nope.yaml")}, code: 2, stderrHas: []string{"nope.yaml"}},
		{name: "help", args: []string{"check", "--help"}, code: 0, stdoutHas: []string{"Examples:", "--fail-on", "sarif"}},
		{name: "clean", args: []string{"check", "-f", p("clean.yaml")}, code: 0, stdoutHas: []string{"1 object checked: 0 errors, 0 warnings, 0 info"}},
		{name: "error finding", args: []string{"check", "-f", p("job.yaml")}, code: 1,
			stdoutHas: []string{p("job.yaml"), "14  error    NS001  Job/db/migrate istio-proxy", "the Job will never complete"}},
		{name: "error, fail-on never", args: []string{"check", "-f", p("job.yaml"), "--fail-on", "never"}, code: 0, stdoutHas: []string{"NS001"}},
		{name: "warning below fail-on error", args: []string{"check", "-f", p("web.yaml")}, code: 0, stdoutHas: []string{"NS005"}},
		{name: "warning at fail-on warning", args: []string{"check", "-f", p("web.yaml"), "--fail-on", "warning"}, code: 1},
		{name: "bad document skipped, rest checked", args: []string{"check", "-f", p("mixed.yaml")}, code: 2,
			stderrHas: []string{p("mixed.yaml") + ":"}, stdoutHas: []string{"NS001", "1 object checked"}},
		{name: "only a bad document", args: []string{"check", "-f", p("broken.yaml")}, code: 2, stderrHas: []string{p("broken.yaml") + ":"}},
		{name: "stdin", args: []string{"check", "-f", "-", "-o", "github"}, stdin: jobClassic, code: 1,
			stdoutHas: []string{"::error line=14,title=NS001::Job/db/migrate istio-proxy: container"}},
		{name: "kube 1.27 flags native sidecars", args: []string{"check", "-f", p("native127.yaml"), "--kube-version", "1.27"}, code: 1, stdoutHas: []string{"NS006"}},
		{name: "config catalog", args: []string{"check", "-f", p("logship.yaml"), "--config", p("catalog.yaml")}, code: 0, stdoutHas: []string{`container "logship" is a classic sidecar`}},
		{name: "default catalog ignores logship", args: []string{"check", "-f", p("logship.yaml")}, code: 0, stdoutNot: []string{"NS001"}},
		{name: "missing library", args: []string{"check", "-f", p("job.yaml"), "--engine", "gatekeeper", "--library", p("nolib")}, code: 2, stderrHas: []string{"--library", "nolib"}},
		{name: "library dir with the provider template answered in process", args: []string{"check", "-f", p("job.yaml"), "--engine", "gatekeeper", "--library", "../../library"}, code: 1,
			stdoutHas: []string{`NS001 error (container istio-proxy): NS001: Job/migrate: container "istio-proxy" is a classic sidecar`, "2 errors"}},
		{name: "directory without -R skips nested", args: []string{"check", "-f", p("nested"), "-o", "tap"}, code: 1, stdoutHas: []string{"not ok 1 - " + p("nested/a.yaml")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdoutHas {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tc.stdoutNot {
				if strings.Contains(stdout, s) {
					t.Errorf("stdout has %q:\n%s", s, stdout)
				}
			}
			for _, s := range tc.stderrHas {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
}

// checkJSON is the -o json document.
type checkJSON struct {
	Findings []validate.Finding `json:"findings"`
	Summary  map[string]int     `json:"summary"`
}

func TestCheckJSONLocations(t *testing.T) {
	dir := writeFiles(t, map[string]string{"all.yaml": jobClassic + "---\n" + deployNoProbe + "---\n" + clean})
	code, stdout, stderr := runCLI("", "check", "-f", dir, "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc checkJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	want := map[string]int{"objects": 3, "errors": 1, "warnings": 1}
	for k, v := range want {
		if doc.Summary[k] != v {
			t.Errorf("summary %v, want %v", doc.Summary, want)
		}
	}
	file := filepath.Join(dir, "all.yaml")
	type loc struct {
		check               string
		line, containerLine int
		container, file     string
		hasFix              bool
	}
	wantLocs := []loc{
		{"NS001", 2, 14, "istio-proxy", file, true},
		{"NS005", 17, 24, "vault-agent", file, false},
	}
	if len(doc.Findings) != len(wantLocs) {
		t.Fatalf("findings %+v", doc.Findings)
	}
	for i, w := range wantLocs {
		f := doc.Findings[i]
		got := loc{f.Check, f.Line, f.ContainerLine, f.Container, f.File, len(f.Fix) > 0}
		if got != w {
			t.Errorf("finding %d = %+v, want %+v", i, got, w)
		}
	}
}

// TestCheckEnginesAgree holds the Rego and Gatekeeper engines to the Go
// engine's report on the same input (fixtures plus generated objects), for
// several kube versions and a custom catalog.
func TestCheckEnginesAgree(t *testing.T) {
	var gen strings.Builder
	g := podgen.New(11)
	for i := range 100 {
		b, err := yaml.Marshal(g.Object(i))
		if err != nil {
			t.Fatal(err)
		}
		gen.WriteString("---\n")
		gen.Write(b)
	}
	dir := writeFiles(t, map[string]string{
		"all.yaml": jobClassic + "---\n" + deployNoProbe + "---\n" + clean,
		"gen.yaml": gen.String(),
	})
	config := filepath.Join(writeFiles(t, map[string]string{
		"catalog.yaml": "containers:\n- {name: log-shipper, role: sidecar}\n- {name: migrate, role: setup}\n- {name: istio-proxy, role: proxy, mesh: istio}\n",
	}), "catalog.yaml")
	variants := [][]string{
		nil,
		{"--kube-version", "1.27"},
		{"--kube-version", "1.28"},
		{"--kube-version", "v1.34.1"},
		{"--config", config},
	}
	for _, engine := range []string{"rego", "gatekeeper"} {
		t.Run(engine, func(t *testing.T) {
			vs := variants
			if engine == "gatekeeper" {
				// A Gatekeeper review costs ~20× a Rego query; keep the CI budget.
				vs = [][]string{nil, {"--kube-version", "1.27"}, {"--config", config}}
			}
			for _, v := range vs {
				args := append([]string{"check", "-f", dir, "-o", "json", "--fail-on", "never"}, v...)
				wantCode, want, wantErr := runCLI("", args...)
				code, got, stderr := runCLI("", append(args, "--engine", engine)...)
				if code != wantCode || got != want || stderr != wantErr {
					t.Errorf("%v --engine %s: exit %d (go %d), stderr %q (go %q)\n%s", v, engine, code, wantCode, stderr, wantErr, firstDiff(got, want))
				}
				if !strings.Contains(want, `"check": "NS00`) {
					t.Errorf("%v: the Go engine found nothing; the comparison is vacuous", v)
				}
			}
		})
	}
}

// firstDiff shows the first line where two outputs differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(g), len(w))
}

// TestCheckKeepsInputOrder checks many documents on several workers and
// expects the report in input order.
func TestCheckKeepsInputOrder(t *testing.T) {
	var b strings.Builder
	const n = 60
	for i := range n {
		b.WriteString(strings.Replace(jobClassic, "name: migrate", "name: job-"+strconv.Itoa(i), 1))
		b.WriteString("---\n")
	}
	dir := writeFiles(t, map[string]string{"many.yaml": b.String()})
	code, stdout, stderr := runCLI("", "check", "-f", dir, "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc checkJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != n || doc.Summary["objects"] != n {
		t.Fatalf("findings %d, objects %d, want %d", len(doc.Findings), doc.Summary["objects"], n)
	}
	for i, f := range doc.Findings {
		if want := "job-" + strconv.Itoa(i); f.Object.Name != want || f.Line != 2+i*16 {
			t.Fatalf("finding %d is %s at line %d, want %s at line %d", i, f.Object.Name, f.Line, want, 2+i*16)
		}
	}
}
