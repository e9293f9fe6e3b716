// Package validate runs the nativize checks NS001–NS008 on Kubernetes objects
// and returns typed findings that reporters (package report) render.
package validate

import (
	"github.com/nativize/nativize/pkg/mutate"

	"cmp"
	"slices"
)

// Severity is how serious a finding is.
type Severity string

// The severities a finding can carry, most serious first.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// AtLeast reports whether s is as serious as min or more.
func (s Severity) AtLeast(min Severity) bool { return s.Rank() >= min.Rank() && min.Rank() > 0 }

// FailOnValues are the settings of --fail-on (and the KRM function's
// failOn): the least severity that fails a run, or never.
var FailOnValues = []string{"error", "warning", "never"}

// FailThreshold maps a FailOnValues setting ("" means error) to the least
// severity that fails a run; never gives "" (AtLeast is then false).
func FailThreshold(failOn string) (Severity, bool) {
	switch failOn {
	case "", "error":
		return SeverityError, true
	case "warning":
		return SeverityWarning, true
	case "never":
		return "", true
	}
	return "", false
}

// Object identifies the Kubernetes object a finding is about.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// Finding is one problem a check found in one object (and container).
type Finding struct {
	// Check is the check id, NS001 … NS008.
	Check string `json:"check"`
	// Severity is error, warning or info.
	Severity Severity `json:"severity"`
	// Object is the workload the finding is about.
	Object Object `json:"object"`
	// Container is the container the finding is about, when there is one.
	Container string `json:"container,omitempty"`
	// File is the file the object came from (filled by the caller).
	File string `json:"file,omitempty"`
	// Line is the 1-based line of the document in File (filled by the caller).
	Line int `json:"line,omitempty"`
	// ContainerLine is the 1-based line of the container in File, where known.
	ContainerLine int `json:"containerLine,omitempty"`
	// Message says what is wrong, in one sentence (texts: docs/CHECKS.md).
	Message string `json:"message"`
	// Fix is the RFC 6902 JSON patch `nativize mutate` would apply to the object.
	Fix []mutate.PatchOp `json:"fix,omitempty"`
}

// Sort orders findings deterministically: file, line, object, check,
// container, message.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, Compare)
}

// Compare orders two findings as Sort does.
func Compare(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Object.Kind, b.Object.Kind),
		cmp.Compare(a.Object.Namespace, b.Object.Namespace),
		cmp.Compare(a.Object.Name, b.Object.Name),
		cmp.Compare(a.Object.APIVersion, b.Object.APIVersion),
		cmp.Compare(a.Check, b.Check),
		cmp.Compare(a.Container, b.Container),
		cmp.Compare(a.Message, b.Message),
	)
}
