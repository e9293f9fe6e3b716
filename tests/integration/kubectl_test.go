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
