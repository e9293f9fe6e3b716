package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// action is the part of action.yml the test reads.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Uses  string            `yaml:"uses"`
			If    string            `yaml:"if"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var inputExpr = regexp.MustCompile(`\$\{\{\s*inputs\.([\w-]+)\s*\}\}`)

// TestGitHubAction runs the composite action's own shell steps the way the
// runner does (inputs through env, outputs through $GITHUB_OUTPUT, the
// binary through $GITHUB_PATH) and checks the SARIF they hand to
// github/codeql-action/upload-sarif.
func TestGitHubAction(t *testing.T) {
	nativize(t)
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	steps := map[string]int{}
	upload := -1
	for i, s := range a.Runs.Steps {
		if s.ID != "" {
			steps[s.ID] = i
		}
		if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
			upload = i
		}
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("step %d runs a script without shell: bash", i)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d expands an expression inside its script; pass it through env", i)
		}
	}
	build, okBuild := steps["build"]
	check, okCheck := steps["check"]
	if !okBuild || !okCheck || upload < check {
		t.Fatalf("want steps build and check, then upload-sarif; got %v, upload at %d", steps, upload)
	}
	if w := a.Runs.Steps[upload].With["sarif_file"]; w != "${{ steps.check.outputs.sarif-file }}" || !strings.Contains(a.Runs.Steps[upload].If, "always()") {
		t.Errorf("upload-sarif: sarif_file %q, if %q; want the check step's report, uploaded even when the check fails", w, a.Runs.Steps[upload].If)
	}

	// The build step, in a clean runner temp directory.
	runnerTemp := t.TempDir()
	ghPath := filepath.Join(runnerTemp, "github_path")
	r := run(t, root, []string{"RUNNER_TEMP=" + runnerTemp, "GITHUB_PATH=" + ghPath}, "bash", "-eo", "pipefail", "-c", a.Runs.Steps[build].Run)
	if r.code != 0 {
		t.Fatalf("build step: exit %d\n%s", r.code, r.stderr)
	}
	added, err := os.ReadFile(ghPath)
	if err != nil {
		t.Fatal(err)
	}
	binDir := strings.TrimSpace(string(added))
	if _, err := os.Stat(filepath.Join(binDir, "nativize")); err != nil {
		t.Fatalf("the build step added %q to PATH, but it has no nativize: %v", binDir, err)
	}

	cases := []struct {
		name   string
		inputs map[string]string
		code   string
		uris   []string // artifact URIs of the SARIF results
		log    string
	}{
		{"defaults on the kustomize example", map[string]string{"path": "examples/kustomize"}, "1",
			[]string{"examples/kustomize/deployment-web.yaml", "examples/kustomize/job-migrate.yaml"}, "NS001"},
		{"fail-on never", map[string]string{"path": "examples/kustomize", "fail-on": "never"}, "0",
			[]string{"examples/kustomize/deployment-web.yaml", "examples/kustomize/job-migrate.yaml"}, "NS001"},
		{"several paths, one per line", map[string]string{"path": "examples/kustomize/deployment-web.yaml\nexamples/kustomize/nativize.yaml\n", "recursive": "false"}, "1",
			[]string{"examples/kustomize/deployment-web.yaml"}, "Deployment/web"},
		{"a missing path", map[string]string{"path": "does/not/exist"}, "2", nil, "::error::nativize check could not read some manifests (exit 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "github_output")
			env := []string{"GITHUB_OUTPUT=" + out, "PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH")}
			for k, v := range a.Runs.Steps[check].Env {
				env = append(env, k+"="+inputExpr.ReplaceAllStringFunc(v, func(e string) string {
					name := inputExpr.FindStringSubmatch(e)[1]
					if v, ok := c.inputs[name]; ok {
						return v
					}
					if in, ok := a.Inputs[name]; ok {
						return in.Default
					}
					t.Fatalf("env %s uses unknown input %q", k, name)
					return ""
				}))
			}
			env = append(env, "INPUT_SARIF_FILE="+filepath.Join(dir, "nativize.sarif"))
			r := run(t, root, env, "bash", "-eo", "pipefail", "-c", a.Runs.Steps[check].Run)
			if r.code != 0 {
				t.Fatalf("check step failed itself (exit %d); it must record the exit code instead\n%s%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout+r.stderr, c.log) {
				t.Errorf("log lacks %q:\n%s%s", c.log, r.stdout, r.stderr)
			}
			outputs, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(outputs), "exit-code="+c.code+"\n") || !strings.Contains(string(outputs), "sarif-file=") {
				t.Fatalf("outputs = %q, want exit-code=%s and sarif-file", outputs, c.code)
			}
			if c.uris == nil {
				return
			}
			raw, err := os.ReadFile(filepath.Join(dir, "nativize.sarif"))
			if err != nil {
				t.Fatal(err)
			}
			var sarif struct {
				Version string `json:"version"`
				Runs    []struct {
					Results []struct {
						RuleID    string `json:"ruleId"`
						Locations []struct {
							Physical struct {
								Artifact struct {
									URI string `json:"uri"`
								} `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(raw, &sarif); err != nil {
				t.Fatalf("SARIF does not parse: %v", err)
			}
			if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 {
				t.Fatalf("SARIF version %q with %d runs", sarif.Version, len(sarif.Runs))
			}
			seen := map[string]bool{}
			for _, res := range sarif.Runs[0].Results {
				for _, l := range res.Locations {
					seen[l.Physical.Artifact.URI] = true
				}
			}
			var got []string
			for u := range seen {
				got = append(got, u)
			}
			if strings.Join(sortStrings(got), " ") != strings.Join(c.uris, " ") {
				t.Errorf("SARIF results are in %q, want %q", sortStrings(got), c.uris)
			}
		})
	}
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
