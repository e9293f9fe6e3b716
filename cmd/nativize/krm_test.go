package main

import (
	"strings"
	"testing"
)

func TestKRMCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "catalog.yaml", "apiVersion: nativize.dev/v1alpha1\nkind: Config\ncontainers:\n- {name: report, role: sidecar}\n")
	indent := func(s string) string {
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		for i := range lines {
			if i == 0 {
				lines[i] = "- " + lines[i]
			} else {
				lines[i] = "  " + lines[i]
			}
		}
		return strings.Join(lines, "\n") + "\n"
	}
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + indent(classicJob) + indent(configMap)
	cases := []struct {
		name    string
		stdin   string
		args    []string
		code    int
		out     []string // substrings of stdout
		notOut  []string
		errText string // substring of stderr ("" means stderr must be empty)
	}{
		{
			name:  "converts the items",
			stdin: rl,
			code:  0,
			out: []string{"kind: ResourceList", "initContainers:\n            - name: istio-proxy", "restartPolicy: Always",
				"name: untouched # odd   spacing", "message: 'moved istio-proxy to initContainers as a native sidecar (restartPolicy: Always)'"},
			errText: `nativize krm: [warning] batch/v1/Job/nightly-report spec.template.spec.initContainers[0]: NS005`,
		},
		{
			name:    "--kube-version 1.27 refuses and fails",
			stdin:   rl,
			args:    []string{"--kube-version", "1.27"},
			code:    1,
			out:     []string{"severity: error", "NS001"},
			notOut:  []string{"restartPolicy: Always", "initContainers"},
			errText: "nativize krm: [error]: not converted: unsupported --kube-version: 1.27",
		},
		{
			name:    "--fail-on never",
			stdin:   rl,
			args:    []string{"--kube-version", "1.27", "--fail-on", "never"},
			code:    0,
			errText: "[error]: not converted",
		},
		{
			name:    "--config replaces the catalog",
			stdin:   rl,
			args:    []string{"--config", cfg},
			code:    0,
			out:     []string{"initContainers:\n            - name: report # the job", "moved report to initContainers"},
			notOut:  []string{"moved istio-proxy"},
			errText: "NS005",
		},
		{name: "not a ResourceList", stdin: classicJob, code: 2, errText: "nativize krm: input is not a config.kubernetes.io ResourceList"},
		{name: "positional argument", stdin: rl, args: []string{"x.yaml"}, code: 2, errText: "unexpected arguments"},
		{name: "bad --fail-on", stdin: rl, args: []string{"--fail-on", "sometimes"}, code: 2, errText: "unknown --fail-on"},
		{name: "help", args: []string{"--help"}, code: 0, out: []string{"Run as a KRM function", "--kube-version"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errText := runMain(t, c.stdin, append([]string{"krm"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, c.code, errText)
			}
			for _, s := range c.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.notOut {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
			if c.errText == "" && errText != "" || !strings.Contains(errText, c.errText) {
				t.Errorf("stderr = %q, want it to contain %q", errText, c.errText)
			}
		})
	}
}
