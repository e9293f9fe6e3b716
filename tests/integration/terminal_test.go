package integration

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDiffColour runs `nativize diff` on a real pseudo-terminal (util-linux
// script) and through a pipe: colour on the terminal only, and never with
// NO_COLOR set.
func TestDiffColour(t *testing.T) {
	bin := nativize(t)
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script (util-linux) is not installed; no pseudo-terminal to test with")
	}
	diff := bin + " diff -f examples/kustomize/job-migrate.yaml"
	cases := []struct {
		name   string
		cmd    []string
		env    []string
		colour bool
	}{
		{"terminal", []string{"script", "-qec", diff, "/dev/null"}, nil, true},
		{"terminal with NO_COLOR", []string{"script", "-qec", diff, "/dev/null"}, []string{"NO_COLOR=1"}, false},
		{"pipe", []string{"bash", "-c", diff + " | cat"}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, root, append([]string{"TERM=xterm"}, c.env...), c.cmd[0], c.cmd[1:]...)
			if !strings.Contains(r.stdout, "restartPolicy: Always") {
				t.Fatalf("no diff in the output (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, want := range []string{"\x1b[32m+        restartPolicy: Always\x1b[0m", "\x1b[31m-      containers:\x1b[0m", "\x1b[1m--- a/examples/kustomize/job-migrate.yaml\x1b[0m"} {
				if strings.Contains(r.stdout, want) != c.colour {
					t.Errorf("colour %v: output has %q = %v", c.colour, want, !c.colour)
				}
			}
			if !c.colour && strings.Contains(r.stdout, "\x1b[") {
				t.Errorf("escape sequences without a terminal:\n%q", r.stdout)
			}
		})
	}
}
