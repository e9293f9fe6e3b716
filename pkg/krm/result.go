package krm

import (
	"fmt"
	"strings"
)

// The KRM result severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Result is one entry of a ResourceList's results (KRM function spec).
type Result struct {
	// Message says what happened or what is wrong.
	Message string `yaml:"message" json:"message"`
	// Severity is error, warning or info.
	Severity string `yaml:"severity" json:"severity"`
	// ResourceRef identifies the resource the result is about.
	ResourceRef *ResourceRef `yaml:"resourceRef,omitempty" json:"resourceRef,omitempty"`
	// Field is the field of the resource the result is about.
	Field *Field `yaml:"field,omitempty" json:"field,omitempty"`
	// File is the file the resource came from, when the orchestrator said.
	File *File `yaml:"file,omitempty" json:"file,omitempty"`
	// Tags carry the check id (nativize.dev/check) and container.
	Tags map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// ResourceRef identifies a Kubernetes resource.
type ResourceRef struct {
	APIVersion string `yaml:"apiVersion" json:"apiVersion"`
	Kind       string `yaml:"kind" json:"kind"`
	Name       string `yaml:"name" json:"name"`
	Namespace  string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
}

// Field is a field path within a resource, e.g. spec.template.spec.containers[1].
type Field struct {
	Path string `yaml:"path" json:"path"`
}

// File is where a resource came from: its path and index within the file.
type File struct {
	Path  string `yaml:"path" json:"path"`
	Index int    `yaml:"index,omitempty" json:"index,omitempty"`
}

// String renders a result on one line, as kustomize and kpt print them:
// [severity] apiVersion/Kind/namespace/name field: message.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]", r.Severity)
	if ref := r.ResourceRef; ref != nil {
		parts := []string{}
		for _, p := range []string{ref.APIVersion, ref.Kind, ref.Namespace, ref.Name} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		b.WriteString(" " + strings.Join(parts, "/"))
	}
	if r.Field != nil && r.Field.Path != "" {
		b.WriteString(" " + r.Field.Path)
	}
	b.WriteString(": " + r.Message)
	return b.String()
}
