package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubectlPlugin runs bin/kubectl-nativize directly, and through the real
// kubectl plugin mechanism when kubectl is installed.
func TestKubectlPlugin(t *testing.T) {
	plugin := tool(t, "KUBECTL_NATIVIZE", "bin/kubectl-nativize", "made by `make kubectl-plugin`")
	job := filepath.Join("examples", "kustomize", "job-migrate.yaml")
	type invocation struct {
		name string
		cmd  []string
		env  []string
	}
	calls := []invocation{{"direct", []string{plugin}, nil}}
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		calls = append(calls, invocation{"kubectl nativize", []string{kubectl, "nativize"},
			[]string{"PATH=" + filepath.Dir(plugin) + string(os.PathListSeparator) + os.Getenv("PATH")}})
	} else {
		t.Log("kubectl is not installed: only the direct invocation is tested")
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			cases := []struct {
				args []string
				code int
				out  string
			}{
				{[]string{"check", "-f", job}, 1, `NS001  Job/migrate istio-proxy  container "istio-proxy" is a classic sidecar`},
				{[]string{"diff", "-f", job}, 1, "+        restartPolicy: Always"},
				{[]string{"mutate", "-f", job}, 0, "restartPolicy: Always"},
				{[]string{"--help"}, 0, "Commands:"},
			}
			for _, tc := range cases {
				r := run(t, root, c.env, c.cmd[0], append(c.cmd[1:], tc.args...)...)
				if r.code != tc.code || !strings.Contains(r.stdout, tc.out) {
					t.Errorf("%s: exit %d (want %d), stdout lacks %q?\n%s\nstderr:\n%s", strings.Join(tc.args, " "), r.code, tc.code, tc.out, r.stdout, r.stderr)
				}
			}
		})
	}
}

// TestKubectlPluginCompletion asks the real kubectl to complete
// "kubectl nativize …" through bin/kubectl_complete-nativize.
func TestKubectlPluginCompletion(t *testing.T) {
	plugin := tool(t, "KUBECTL_NATIVIZE", "bin/kubectl-nativize", "made by `make kubectl-plugin`")
	if _, err := os.Stat(filepath.Join(filepath.Dir(plugin), "kubectl_complete-nativize")); err != nil {
		t.Fatalf("make kubectl-plugin did not write kubectl_complete-nativize: %v", err)
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	env := []string{"PATH=" + filepath.Dir(plugin) + string(os.PathListSeparator) + os.Getenv("PATH")}
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{"ch"}, "check\n:4\n"},
		{[]string{"check", "-o", "s"}, "sarif\n:4\n"},
		{[]string{"krm", "--fail-on", "w"}, "warning\n:4\n"},
		{[]string{"mutate", "-f", ""}, ":0\n"},
	} {
		r := run(t, root, env, kubectl, append([]string{"__complete", "nativize"}, c.words...)...)
		if r.code != 0 || r.stdout != c.want {
			t.Errorf("kubectl __complete nativize %q: exit %d, got %q, want %q\n%s", c.words, r.code, r.stdout, c.want, r.stderr)
		}
	}
}
