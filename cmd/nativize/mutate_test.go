package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs nativize in-process and returns exit code, stdout and stderr.
func runMain(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, streams{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

const classicJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: nightly-report
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: report # the job
        image: report:1
      - name: istio-proxy
        image: proxyv2:1
`

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: untouched   # odd   spacing
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMutateCommand(t *testing.T) {
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", classicJob)
	cm := writeFile(t, dir, "sub/cm.yaml", configMap)
	writeFile(t, dir, "tree/job.yaml", classicJob)
	writeFile(t, dir, "tree/sub/cm.yaml", configMap)
	bad := writeFile(t, dir, "bad.yaml", configMap+"---\nkind: Pod # istio-proxy\nmetadata: [oops\n---\n"+classicJob)
	brokenPlain := writeFile(t, dir, "plain.yaml", "kind: ConfigMap\ndata: [oops\n")
	cases := []struct {
		name       string
		stdin      string
		args       []string
		code       int
		outHas     []string
		outLacks   []string
		errHas     []string
		outExactly string
	}{
		{name: "converts a file", args: []string{"mutate", "-f", job}, code: 0,
			outHas: []string{"initContainers:\n      - name: istio-proxy", "restartPolicy: Always", "- name: report # the job"}, outLacks: []string{"containers:\n      - name: istio-proxy"}},
		{name: "unchanged document byte for byte", args: []string{"mutate", "-f", cm}, code: 0, outExactly: configMap},
		{name: "stdin", stdin: classicJob, args: []string{"mutate", "-f", "-"}, code: 0, outHas: []string{"restartPolicy: Always"}},
		{name: "directory without -R skips subdirectories", args: []string{"mutate", "-f", filepath.Join(dir, "tree")}, code: 0,
			outHas: []string{"name: nightly-report"}, outLacks: []string{"untouched"}},
		{name: "directory with -R", args: []string{"mutate", "-R", "-f", filepath.Join(dir, "tree")}, code: 0,
			outHas: []string{"name: nightly-report", "restartPolicy: Always\n", "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: untouched   # odd   spacing\n"}},
		{name: "bad document reported with file and line, rest kept", args: []string{"mutate", "-f", bad}, code: 2,
			errHas: []string{bad + ":7: document 2:"}, outHas: []string{"name: untouched   # odd   spacing", "restartPolicy: Always"}, outLacks: []string{"[oops"}},
		{name: "broken documents that mention no sidecar are reported too", args: []string{"mutate", "-f", brokenPlain}, code: 2, errHas: []string{brokenPlain + ":2: document 1:"}, outLacks: []string{"[oops"}},
		{name: "--validate-all decodes and reports them", args: []string{"mutate", "--validate-all", "-f", brokenPlain}, code: 2, errHas: []string{brokenPlain + ":2: document 1:"}},
		{name: "json output of several documents is a List", args: []string{"mutate", "-f", job, "-f", cm, "-o", "json"}, code: 0,
			outHas: []string{`"kind": "List"`, `"restartPolicy": "Always"`, `"name": "untouched"`}},
		{name: "kube version below 1.28 refused", args: []string{"mutate", "-f", job, "--kube-version", "1.27"}, code: 2, errHas: []string{"1.27"}},
		{name: "kube version 1.28 warns", args: []string{"mutate", "-f", job, "--kube-version", "1.28"}, code: 0, errHas: []string{"SidecarContainers"}},
		{name: "missing -f", args: []string{"mutate"}, code: 2, errHas: []string{"-f is required"}},
		{name: "a file named without -f is refused, not ignored", args: []string{"mutate", "-f", job, job}, code: 2, errHas: []string{"unexpected arguments", "pass files with -f"}},
		{name: "diff refuses it too", args: []string{"diff", "-f", job, job}, code: 2, errHas: []string{"nativize diff: unexpected arguments"}},
		{name: "unknown engine", args: []string{"mutate", "-f", job, "--engine", "opa"}, code: 2, errHas: []string{`unknown --engine "opa" (want go or rego)`}},
		{name: "missing file", args: []string{"mutate", "-f", filepath.Join(dir, "nope.yaml")}, code: 2, errHas: []string{"nope.yaml"}},
		{name: "help", args: []string{"mutate", "--help"}, code: 0, outHas: []string{"Examples:", "--in-place"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, errHas: []string{"unknown command"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runMain(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, errs)
			}
			if tc.outExactly != "" && out != tc.outExactly {
				t.Errorf("stdout = %q, want %q", out, tc.outExactly)
			}
			for _, s := range tc.outHas {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.outLacks {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
			for _, s := range tc.errHas {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
		})
	}
}

func TestMutateJSONSingle(t *testing.T) {
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", classicJob)
	code, out, _ := runMain(t, "", "mutate", "-f", job, "-o", "json")
	var obj map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &obj) != nil || obj["kind"] != "Job" {
		t.Fatalf("exit %d, output %s", code, out)
	}
}

func TestInPlace(t *testing.T) {
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", "# header comment\n"+classicJob)
	cm := writeFile(t, dir, "cm.yaml", configMap)
	info, _ := os.Stat(cm)
	code, _, errs := runMain(t, "", "mutate", "-f", dir, "--in-place")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got, _ := os.ReadFile(job)
	for _, s := range []string{"# header comment\n", "- name: report # the job", "restartPolicy: Always"} {
		if !strings.Contains(string(got), s) {
			t.Errorf("rewritten file lacks %q:\n%s", s, got)
		}
	}
	after, _ := os.Stat(cm)
	if b, _ := os.ReadFile(cm); string(b) != configMap || !after.ModTime().Equal(info.ModTime()) {
		t.Errorf("unchanged file was rewritten")
	}
	// A second run changes nothing, and diff agrees.
	if code, out, _ := runMain(t, "", "diff", "-f", dir); code != 0 || out != "" {
		t.Errorf("diff after in-place: exit %d, output %q", code, out)
	}
	if code, _, errs := runMain(t, "", "mutate", "-f", "-", "--in-place"); code != 2 || !strings.Contains(errs, "stdin") {
		t.Errorf("--in-place on stdin: exit %d, %s", code, errs)
	}
}

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", classicJob)
	cm := writeFile(t, dir, "cm.yaml", configMap)
	code, out, _ := runMain(t, "", "diff", "-f", job)
	if code != 1 {
		t.Fatalf("diff exit %d, want 1", code)
	}
	for _, s := range []string{"--- a/" + job, "+++ b/" + job, "+      initContainers:", "+        restartPolicy: Always", "-      - name: istio-proxy"} {
		if !strings.Contains(out, s) {
			t.Errorf("diff lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("diff coloured when not writing to a terminal")
	}
	if code, out, _ := runMain(t, "", "diff", "-f", cm); code != 0 || out != "" {
		t.Errorf("diff of unchanged file: exit %d, %q", code, out)
	}
	bad := writeFile(t, dir, "bad.yaml", "kind: Pod # istio-proxy\nmetadata: [oops\n")
	if code, _, errs := runMain(t, "", "diff", "-f", bad); code != 2 || !strings.Contains(errs, "bad.yaml:2: document 1:") {
		t.Errorf("diff of bad file: exit %d, %s", code, errs)
	}
}

// TestMutateEnginesAgree holds `mutate --engine rego` to the Go engine's
// bytes on every golden input and the shipped example.
func TestMutateEnginesAgree(t *testing.T) {
	files, _ := filepath.Glob("../../pkg/mutate/testdata/golden/*.in.yaml")
	files = append(files, "../../examples/istio-sleep.yaml")
	if len(files) < 11 {
		t.Fatalf("found %d inputs", len(files))
	}
	for _, f := range files {
		codeGo, outGo, _ := runMain(t, "", "mutate", "-f", f)
		codeRego, outRego, errRego := runMain(t, "", "mutate", "--engine", "rego", "-f", f)
		if codeGo != 0 || codeRego != 0 {
			t.Fatalf("%s: exit go %d rego %d: %s", f, codeGo, codeRego, errRego)
		}
		if outGo != outRego {
			t.Errorf("%s: engines disagree\n--- go\n%s\n--- rego\n%s", f, outGo, outRego)
		}
	}
}
