// Package report renders check findings for people and CI systems: one file
// per format behind the Output interface.
package report

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/nativize/nativize/pkg/validate"
)

// Result is one checked object with its findings.
type Result struct {
	// File is the file the object came from.
	File string
	// Line is the 1-based line of the object's document in File (0 if unknown).
	Line int
	// Object identifies the checked object.
	Object validate.Object
	// Findings are the object's findings, in the order they are reported.
	Findings []validate.Finding
}

// Summary counts checked objects and findings by severity.
type Summary struct {
	// Objects is the number of workloads checked.
	Objects int `json:"objects"`
	// Errors, Warnings and Infos count findings by severity (infos are
	// shown by the table only; the JSON summary has objects, errors, warnings).
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"-"`
}

// Add counts one result into s.
func (s *Summary) Add(r Result) {
	s.Objects++
	for _, f := range r.Findings {
		switch f.Severity {
		case validate.SeverityError:
			s.Errors++
		case validate.SeverityWarning:
			s.Warnings++
		case validate.SeverityInfo:
			s.Infos++
		}
	}
}

// Output receives results one object at a time and writes the report on Flush.
type Output interface {
	// Write records one checked object; formats that stream print it now.
	Write(r Result) error
	// Flush writes whatever is buffered and the summary, once, at the end.
	Flush() error
}

// Options tune an output.
type Options struct {
	// Color enables ANSI colours (table only); set it only for terminals.
	Color bool
	// Version is the nativize version reported as the SARIF tool version.
	Version string
}

// ErrUnknownFormat is returned by New for a format it does not know.
var ErrUnknownFormat = errors.New("unknown output format")

// Formats lists the formats New accepts.
func Formats() []string { return []string{"table", "json", "sarif", "junit", "github", "tap"} }

// New returns the Output for format writing to w.
func New(format string, w io.Writer, opts Options) (Output, error) {
	switch format {
	case "table":
		return newTable(w, opts), nil
	case "json":
		return newJSONOutput(w), nil
	case "sarif":
		return &sarifOutput{w: w, version: opts.Version}, nil
	case "junit":
		return &junitOutput{w: w}, nil
	case "github":
		return &githubOutput{w: w}, nil
	case "tap":
		return &tapOutput{w: w}, nil
	}
	return nil, fmt.Errorf("%w %q (want %s)", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
}

// line returns the most precise line of a finding: its container's, else its document's.
func line(f validate.Finding) int {
	if f.ContainerLine > 0 {
		return f.ContainerLine
	}
	return f.Line
}

// objectName writes an object as Kind/namespace/name (Kind/name without namespace).
func objectName(o validate.Object) string {
	kind := o.Kind
	if kind == "" {
		kind = "?"
	}
	if o.Namespace == "" {
		return kind + "/" + o.Name
	}
	return kind + "/" + o.Namespace + "/" + o.Name
}

// byCheck groups findings by check id, keeping their order within a check.
func byCheck(fs []validate.Finding) map[string][]validate.Finding {
	m := map[string][]validate.Finding{}
	for _, f := range fs {
		m[f.Check] = append(m[f.Check], f)
	}
	return m
}

// checkIDs returns every known check id plus any unknown id in fs, sorted.
func checkIDs(results []Result) []string {
	seen := map[string]bool{}
	var ids []string
	for _, r := range validate.Rules() {
		seen[r.ID] = true
		ids = append(ids, r.ID)
	}
	for _, res := range results {
		for _, f := range res.Findings {
			if !seen[f.Check] {
				seen[f.Check] = true
				ids = append(ids, f.Check)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// failing reports whether a check's findings fail a test case: any error or warning.
func failing(fs []validate.Finding) bool {
	for _, f := range fs {
		if f.Severity.AtLeast(validate.SeverityWarning) {
			return true
		}
	}
	return false
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// shortMessage drops the "<check>: <Kind>/<name>: " prefix of a message, for
// formats that show the check and the object in their own columns.
func shortMessage(f validate.Finding) string {
	return strings.TrimPrefix(f.Message, fmt.Sprintf("%s: %s/%s: ", f.Check, f.Object.Kind, f.Object.Name))
}
