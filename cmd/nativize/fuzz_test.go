package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"testing"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/engine"
)

// workBudget is the most one fuzz input may allocate (bytes, Go heap): a
// constant for the engines and the reader's bounded expansions (MaxNodes,
// MaxAliasValues in pkg/document) plus a factor of the input size. An input
// past it is unbounded work: an alias bomb or a quadratic path. Wall time
// is not used: the machine's load would make it flaky.
func workBudget(input []byte) uint64 { return 256<<20 + 2048*uint64(len(input)) }

// heapAllocs reads the process's cumulative heap allocation in bytes from
// runtime/metrics, which does not stop the world (runtime.ReadMemStats
// does: about 18 µs a call on this machine, twice per input, against about
// 1 µs). It counts whole spans as they are handed to an allocator, so it
// is exact to within a few spans: far below workBudget.
func heapAllocs(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// allocated runs fn and returns the bytes it allocated.
func allocated(fn func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	before := heapAllocs(s)
	fn()
	return heapAllocs(s) - before
}

// FuzzConvertData drives the CLI's stream reader and conversion (what
// mutate --in-place, diff and the post-renderer run on a file's bytes) with
// any input. Properties: no panic; the work stays within workBudget; the
// output converts to itself (a second pass changes nothing, so nothing is
// half-converted); input whose conversion fails everywhere is kept byte for
// byte (nothing dropped).
func FuzzConvertData(f *testing.F) {
	m, err := engine.New(engine.Options{Catalog: catalog.Default()})
	if err != nil {
		f.Fatal(err)
	}
	pf := catalog.Default().Prefilter()
	fixtures, _ := filepath.Glob("testdata/input/*")
	for _, p := range fixtures {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(classicJob + "---\n" + configMap))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out []byte
		var code int
		if n := allocated(func() { out, code = convertData(m, pf, "fuzz.yaml", data, false, io.Discard) }); n > workBudget(data) {
			t.Fatalf("%d bytes of input allocated %d bytes, over the budget of %d", len(data), n, workBudget(data))
		}
		if bytes.Equal(out, data) {
			return
		}
		if code == 2 && !bytes.Contains(out, []byte("restartPolicy")) {
			t.Fatalf("exit 2 and nothing converted, yet the bytes changed:\n%q\n%q", data, out)
		}
		again, _ := convertData(m, pf, "fuzz.yaml", out, false, io.Discard)
		if !bytes.Equal(again, out) {
			t.Fatalf("a second pass changed the output:\n%q\n%q", out, again)
		}
	})
}

var allocSink []byte

// TestAllocatedCounts: the budget's measure sees an allocation of 64 MiB
// (runtime/metrics counts spans, not objects; a measure that missed it
// would make the budget vacuous).
func TestAllocatedCounts(t *testing.T) {
	if n := allocated(func() { allocSink = make([]byte, 64<<20) }); n < 64<<20 {
		t.Errorf("allocated reported %d bytes for a 64 MiB allocation", n)
	}
	allocSink = nil
}
