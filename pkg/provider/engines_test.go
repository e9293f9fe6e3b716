package provider

import (
	"testing"

	"github.com/nativize/nativize/pkg/engine"
)

// engines returns the real Go engine, with the default catalog and the
// current Kubernetes version.
func engines(t testing.TB) engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
