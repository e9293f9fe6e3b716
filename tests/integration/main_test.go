// Package integration runs nativize inside the real tools users run it from:
// kustomize (KRM function), helm (post-renderer), kubectl (plugin),
// pre-commit (hook entry) and the GitHub Action's scripts, and checks that
// the commands in docs/ print what the docs say. `make test-integrations`
// builds bin/nativize and installs the pinned tools first; the environment
// variables NATIVIZE, KUBECTL_NATIVIZE, KUSTOMIZE and HELM name them.
package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// root is the repository root.
var root = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

// tool returns the path of a tool from env, else def (relative to the
// root); it skips the test when the tool is not there.
func tool(t *testing.T, env, def, why string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		p = filepath.Join(root, def)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not found at %s (%s): %s; run `make test-integrations`", env, p, err, why)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// nativize returns bin/nativize, which every test needs.
func nativize(t *testing.T) string {
	return tool(t, "NATIVIZE", "bin/nativize", "built by `make build`")
}

// result is what a command did.
type result struct {
	code           int
	stdout, stderr string
}

// run runs a command in dir with extra environment and returns its result;
// only failing to start it fails the test.
func run(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return r
}

// objects decodes a YAML stream into its non-empty documents.
func objects(t *testing.T, stream string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(stream))
	var out []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("output does not parse: %v\n%s", err, stream)
		}
		if m != nil {
			out = append(out, m)
		}
	}
}

// find returns the object of a kind and name.
func find(t *testing.T, objs []map[string]any, kind, name string) map[string]any {
	t.Helper()
	for _, o := range objs {
		meta, _ := o["metadata"].(map[string]any)
		if o["kind"] == kind && meta["name"] == name {
			return o
		}
	}
	t.Fatalf("no %s %s in the output", kind, name)
	return nil
}

// podSpec walks to the pod spec of a Pod, a workload or a CronJob.
func podSpec(obj map[string]any) map[string]any {
	m := obj
	for _, k := range []string{"spec", "jobTemplate", "spec", "template", "spec"} {
		next, ok := m[k].(map[string]any)
		if !ok {
			continue
		}
		m = next
	}
	return m
}

// containers returns "name" or "name(restartPolicy)" for each container of
// a pod spec field.
func containers(spec map[string]any, field string) []string {
	var out []string
	list, _ := spec[field].([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		s, _ := m["name"].(string)
		if rp, ok := m["restartPolicy"].(string); ok {
			s += "(" + rp + ")"
		}
		out = append(out, s)
	}
	return out
}
