package regoengine

import (
	"context"
	"testing"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

// stream is the shared benchmark input: generated objects from a fixed seed.
func stream(n int) []map[string]any {
	g := podgen.New(1)
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = g.Object(i)
	}
	return out
}

// BenchmarkEngines compares the Go and Rego engines on the same stream
// (docs/s per engine and operation).
func BenchmarkEngines(b *testing.B) {
	docs := stream(500)
	ctx := context.Background()
	gm, err := mutate.New(mutate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	gc, err := validate.New(validate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	re, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	run := func(name string, fn func(obj map[string]any) error) {
		b.Run(name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				if err := fn(docs[n%len(docs)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
		})
	}
	run("mutate/go", func(obj map[string]any) error {
		_, p, err := gm.Object(obj)
		_ = p.Patch()
		return err
	})
	run("mutate/rego", func(obj map[string]any) error {
		_, _, err := re.Mutate(ctx, obj)
		return err
	})
	run("check/go", func(obj map[string]any) error {
		_ = gc.Check(obj)
		return nil
	})
	run("check/rego", func(obj map[string]any) error {
		_, err := re.Check(ctx, obj)
		return err
	})
}
