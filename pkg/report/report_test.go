package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sample is the human-checkable case: a Job with a classic proxy (error), a
// Deployment with a native sidecar lacking a startupProbe (warning) and an
// info finding, across two files, plus a clean object.
func sample() []Result {
	job := validate.Object{APIVersion: "batch/v1", Kind: "Job", Namespace: "db", Name: "migrate"}
	dep := validate.Object{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	clean := validate.Object{APIVersion: "v1", Kind: "Pod", Namespace: "default", Name: "plain"}
	return []Result{
		{File: "deploy/job.yaml", Line: 1, Object: job, Findings: []validate.Finding{
			{Check: "NS001", Severity: validate.SeverityError, Object: job, Container: "istio-proxy", File: "deploy/job.yaml", Line: 1, ContainerLine: 14,
				Message: `NS001: Job/migrate: container "istio-proxy" is a classic sidecar; the Job will never complete — run "nativize mutate"`,
				Fix:     []mutate.PatchOp{{Op: "add", Path: "/spec/template/spec/initContainers", Value: []any{map[string]any{"name": "istio-proxy", "restartPolicy": "Always"}}}}},
			{Check: "NS007", Severity: validate.SeverityWarning, Object: job, Container: "main", File: "deploy/job.yaml", Line: 1, ContainerLine: 9,
				Message: `NS007: Job/migrate: container "main" calls /quitquitquit to stop the proxy; obsolete once the proxy is a native sidecar`},
		}},
		{File: "deploy/web.yaml", Line: 3, Object: dep, Findings: []validate.Finding{
			{Check: "NS005", Severity: validate.SeverityWarning, Object: dep, Container: "vault-agent", File: "deploy/web.yaml", Line: 3,
				Message: `NS005: Deployment/web: native sidecar "vault-agent" has no startupProbe; the next container starts before it is ready`},
			{Check: "NS008", Severity: validate.SeverityInfo, Object: dep, File: "deploy/web.yaml", Line: 3,
				Message: "NS008: Deployment/web: effective pod requests change: cpu 100m → 200m"},
		}},
		{File: "deploy/web.yaml", Line: 40, Object: clean},
	}
}

func render(t *testing.T, format string, opts Options, results []Result) string {
	t.Helper()
	var buf bytes.Buffer
	out, err := New(format, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if err := out.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name, format string
		opts         Options
		results      []Result
	}{
		{"table", "table", Options{}, sample()},
		{"table-color", "table", Options{Color: true}, sample()},
		{"table-clean", "table", Options{}, sample()[2:]},
		{"json", "json", Options{}, sample()},
		{"json-clean", "json", Options{}, sample()[2:]},
		{"sarif", "sarif", Options{Version: "test"}, sample()},
		{"junit", "junit", Options{}, sample()},
		{"github", "github", Options{}, sample()},
		{"tap", "tap", Options{}, sample()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.format, tc.opts, tc.results)
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s output differs from %s:\n--- got\n%s\n--- want\n%s", tc.format, path, got, want)
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := New("yaml", &bytes.Buffer{}, Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("New(yaml) error = %v, want ErrUnknownFormat", err)
	}
}

func TestTableColourOnlyWhenAsked(t *testing.T) {
	for _, color := range []bool{false, true} {
		got := render(t, "table", Options{Color: color}, sample())
		if has := strings.Contains(got, "\x1b["); has != color {
			t.Errorf("Color=%v: escape codes present = %v", color, has)
		}
	}
}

func TestJSONShape(t *testing.T) {
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]int   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(render(t, "json", Options{}, sample())), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"objects": 3, "errors": 1, "warnings": 2}
	for k, v := range want {
		if doc.Summary[k] != v {
			t.Errorf("summary.%s = %d, want %d", k, doc.Summary[k], v)
		}
	}
	if len(doc.Summary) != len(want) {
		t.Errorf("summary keys = %v, want exactly %v", doc.Summary, want)
	}
	if len(doc.Findings) != 4 {
		t.Fatalf("findings = %d, want 4", len(doc.Findings))
	}
	first := doc.Findings[0]
	for _, k := range []string{"check", "severity", "object", "container", "file", "line", "containerLine", "message", "fix"} {
		if _, ok := first[k]; !ok {
			t.Errorf("first finding lacks %q: %v", k, first)
		}
	}
	if _, ok := doc.Findings[3]["container"]; ok {
		t.Errorf("NS008 finding has a container key: %v", doc.Findings[3])
	}
}

// TestSARIFStructure checks what GitHub code scanning reads from a SARIF log.
func TestSARIFStructure(t *testing.T) {
	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
						Help struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(render(t, "sarif", Options{}, sample())), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || log.Schema != SARIFSchema {
		t.Fatalf("version %q schema %q", log.Version, log.Schema)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("runs = %d, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "nativize" {
		t.Errorf("driver name %q", run.Tool.Driver.Name)
	}
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
		if r.ShortDescription.Text == "" || r.Help.Text == "" {
			t.Errorf("rule %s lacks shortDescription or help", r.ID)
		}
	}
	if got := strings.Join(ids, ","); got != "NS001,NS002,NS003,NS004,NS005,NS006,NS007,NS008" {
		t.Errorf("rule ids = %s", got)
	}
	wantLoc := []struct {
		rule, level, uri string
		line             int
	}{
		{"NS001", "error", "deploy/job.yaml", 14},
		{"NS007", "warning", "deploy/job.yaml", 9},
		{"NS005", "warning", "deploy/web.yaml", 3},
		{"NS008", "note", "deploy/web.yaml", 3},
	}
	if len(run.Results) != len(wantLoc) {
		t.Fatalf("results = %d, want %d", len(run.Results), len(wantLoc))
	}
	for i, w := range wantLoc {
		r := run.Results[i]
		if r.RuleID != w.rule || r.Level != w.level {
			t.Errorf("result %d: rule %s level %s, want %s %s", i, r.RuleID, r.Level, w.rule, w.level)
		}
		if r.RuleIndex == nil || ids[*r.RuleIndex] != r.RuleID {
			t.Errorf("result %d: ruleIndex does not point at %s", i, r.RuleID)
		}
		if len(r.Locations) != 1 {
			t.Fatalf("result %d: %d locations", i, len(r.Locations))
		}
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != w.uri || pl.Region.StartLine != w.line {
			t.Errorf("result %d: location %s:%d, want %s:%d", i, pl.ArtifactLocation.URI, pl.Region.StartLine, w.uri, w.line)
		}
		if r.Message.Text == "" {
			t.Errorf("result %d: empty message", i)
		}
	}
}

func TestJUnitCasesPerObjectAndCheck(t *testing.T) {
	var doc junitSuites
	if err := xml.Unmarshal([]byte(render(t, "junit", Options{}, sample())), &doc); err != nil {
		t.Fatal(err)
	}
	// 3 objects × 8 checks; failures: NS001 and NS007 (job), NS005 (web); NS008 is info.
	if doc.Tests != 24 || doc.Failures != 3 {
		t.Errorf("tests=%d failures=%d, want 24 and 3", doc.Tests, doc.Failures)
	}
	if len(doc.Suites) != 2 || doc.Suites[0].Name != "deploy/job.yaml" || doc.Suites[1].Tests != 16 {
		t.Errorf("suites = %+v", doc.Suites)
	}
}

func TestGitHubEscaping(t *testing.T) {
	obj := validate.Object{Kind: "Pod", Name: "p"}
	got := render(t, "github", Options{}, []Result{{File: "a,b:c.yaml", Object: obj, Findings: []validate.Finding{
		{Check: "NS004", Severity: validate.SeverityError, Object: obj, Line: 7, Message: "100% bad\nsecond line"},
	}}})
	want := "::error file=a%2Cb%3Ac.yaml,line=7,title=NS004::Pod/p: 100%25 bad%0Asecond line\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
