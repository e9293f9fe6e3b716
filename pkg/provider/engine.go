package provider

import (
	"github.com/nativize/nativize/pkg/validate"
)

// Mutator computes the conversion of one object.
type Mutator interface {
	// Patch returns the RFC 6902 operations (each marshals as one JSON patch
	// operation) that convert obj, none when nothing changes, and any
	// warnings the conversion raises. It must not modify obj.
	Patch(obj map[string]any) (ops []any, warnings []string, err error)
}

// Checker runs the checks on one object.
type Checker interface {
	// Check returns the findings for obj. It must not modify obj.
	Check(obj map[string]any) []validate.Finding
}
