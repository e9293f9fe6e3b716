package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestPreCommitHook runs the nativize-check-system hook of
// .pre-commit-hooks.yaml, as written, with the real pre-commit: a local
// repository whose config holds that hook definition.
func TestPreCommitHook(t *testing.T) {
	bin := nativize(t)
	preCommit, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (make test-integrations installs Debian's pre-commit)")
	}
	data, err := os.ReadFile(filepath.Join(root, ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []map[string]any
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]any{}
	for _, h := range hooks {
		ids[h["id"].(string)] = h
	}
	if ids["nativize-check"] == nil || ids["nativize-check"]["language"] != "golang" {
		t.Fatalf("no golang hook nativize-check in .pre-commit-hooks.yaml")
	}
	hook := ids["nativize-check-system"]
	if hook == nil || hook["entry"] != ids["nativize-check"]["entry"] {
		t.Fatalf("nativize-check-system missing or its entry differs from nativize-check")
	}
	classic, err := os.ReadFile(filepath.Join(root, "examples", "kustomize", "job-migrate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	converted := run(t, root, nil, bin, "mutate", "-f", "examples/kustomize/job-migrate.yaml").stdout
	deployment := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: web, image: web}\n      - {name: vault-agent, image: vault}\n"
	env := []string{
		"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PRE_COMMIT_HOME=" + t.TempDir(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
	}
	cases := []struct {
		name  string
		files map[string]string
		args  []string
		code  int
		out   []string
	}{
		{"classic Job fails", map[string]string{"k8s/job.yaml": string(classic), "README.md": "not yaml"}, nil, 1,
			[]string{"Failed", `NS001  Job/migrate istio-proxy`, "k8s/job.yaml"}},
		{"converted Job passes", map[string]string{"k8s/job.yaml": converted}, nil, 0, []string{"Passed"}},
		{"a warning passes by default", map[string]string{"deploy.yaml": deployment}, nil, 0, []string{"Passed"}},
		{"args: [--fail-on=warning]", map[string]string{"deploy.yaml": deployment}, []string{"--fail-on=warning"}, 1,
			[]string{"Failed", `warning  NS001  Deployment/web vault-agent`}},
		{"several files, one bad", map[string]string{"a.yaml": converted, "b.json": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"restartPolicy":"Never","containers":[{"name":"app"},{"name":"istio-proxy"}]}}`}, nil, 1,
			[]string{"Failed", "b.json", `error    NS001  Pod/p istio-proxy`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			h := map[string]any{}
			for k, v := range hook {
				h[k] = v
			}
			if c.args != nil {
				h["args"] = c.args
			}
			cfg, err := yaml.Marshal(map[string]any{"repos": []any{map[string]any{"repo": "local", "hooks": []any{h}}}})
			if err != nil {
				t.Fatal(err)
			}
			c.files[".pre-commit-config.yaml"] = string(cfg)
			for name, content := range c.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, g := range [][]string{{"init", "-q"}, {"add", "-A"}} {
				if r := run(t, dir, env, "git", g...); r.code != 0 {
					t.Fatalf("git %v: %s", g, r.stderr)
				}
			}
			r := run(t, dir, env, preCommit, "run", "--all-files", "--color=never")
			if r.code != c.code {
				t.Fatalf("pre-commit: exit %d, want %d\n%s%s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, s := range c.out {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("pre-commit output lacks %q:\n%s", s, r.stdout)
				}
			}
		})
	}
}

// TestPreCommitGolangHook installs the nativize-check hook the way users get
// it — pre-commit clones this repository (a clone of HEAD here) and builds it
// with `go install ./...` — and runs it on a classic Job.
func TestPreCommitGolangHook(t *testing.T) {
	preCommit, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (make test-integrations installs Debian's pre-commit)")
	}
	gomodcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go is not installed: %v", err)
	}
	clone := filepath.Join(t.TempDir(), "nativize")
	if r := run(t, root, nil, "git", "clone", "-q", root, clone); r.code != 0 {
		t.Fatalf("git clone: %s", r.stderr)
	}
	work := t.TempDir()
	classic, err := os.ReadFile(filepath.Join(root, "examples", "kustomize", "job-migrate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "job.yaml"), classic, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PRE_COMMIT_HOME=" + t.TempDir(),
		// pre-commit points GOPATH at its own environment; reuse the module
		// cache instead of downloading every module again.
		"GOMODCACHE=" + strings.TrimSpace(string(gomodcache)),
		"GIT_CONFIG_GLOBAL=/dev/null",
	}
	for _, g := range [][]string{{"init", "-q"}, {"add", "-A"}} {
		if r := run(t, work, env, "git", g...); r.code != 0 {
			t.Fatalf("git %v: %s", g, r.stderr)
		}
	}
	r := run(t, work, env, preCommit, "try-repo", clone, "nativize-check", "--all-files", "--color=never")
	if r.code != 1 || !strings.Contains(r.stdout, `NS001  Job/migrate istio-proxy`) || !strings.Contains(r.stdout, "Failed") {
		t.Fatalf("pre-commit try-repo: exit %d, want 1 with the NS001 finding\n%s%s", r.code, r.stdout, r.stderr)
	}
}
