package gatekeeper

import (
	"context"
	"testing"

	"github.com/nativize/nativize/internal/podgen"
)

// BenchmarkCheck reviews generated objects against the embedded library
// (eight templates per object).
func BenchmarkCheck(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	g := podgen.New(1)
	objs := make([]map[string]any, 64)
	for i := range objs {
		objs[i] = g.Object(i)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := e.Check(context.Background(), objs[i%len(objs)]); err != nil {
			b.Fatal(err)
		}
	}
}
