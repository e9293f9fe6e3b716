package provider

import (
	"testing"

	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

// engines returns the real conversion engine and the real checker, with the
// default catalog and the current Kubernetes version.
func engines(t testing.TB) (Mutator, Checker) {
	t.Helper()
	m, err := mutate.New(mutate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return MutatorFrom(m), c
}
