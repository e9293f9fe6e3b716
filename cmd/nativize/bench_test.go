package main

import (
	"bytes"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
)

// Memory benchmarks of mutate's stdout pipeline (the post-renderer path) on
// input generated on the fly, never on disk. Run:
//
//	go test ./cmd/nativize -run XXX -bench Memory -benchtime 1x
//
// peak-heap-MiB is the largest HeapInuse sampled every 5ms; the CLI's GC
// settings (tuneGC) apply. docs/INPUT.md records the figures.

// repeatReader yields unit again and again until n bytes are read.
type repeatReader struct {
	unit []byte
	n    int64
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	total := 0
	for len(p) > 0 && r.n > 0 {
		k := copy(p, r.unit[r.off:])
		if int64(k) > r.n {
			k = int(r.n)
		}
		p, r.off, r.n, total = p[k:], (r.off+k)%len(r.unit), r.n-int64(k), total+k
	}
	return total, nil
}

// peakHeap samples HeapInuse until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// benchMutate runs mutate -f - on the reader newInput returns and reports
// the peak heap and the throughput.
func benchMutate(b *testing.B, size int64, newInput func() io.Reader, wantCode int) {
	oldGC, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	debug.SetGCPercent(oldGC)
	tuneGC()
	defer func() { debug.SetGCPercent(oldGC); debug.SetMemoryLimit(oldLimit) }()
	eng, err := engine.New(engine.Options{Catalog: catalog.Default()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(size)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := peakHeap()
		var errb bytes.Buffer
		code := mutateStream(eng, inputFlags{files: []string{"-"}}, "yaml",
			streams{In: newInput(), Out: io.Discard, Err: &errb})
		peak = max(peak, stop())
		if code != wantCode {
			b.Fatalf("exit %d, want %d: %.500s", code, wantCode, errb.String())
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkMemoryStream1GB: a 1 GiB stream of Jobs with a classic
// istio-proxy (converted) and ConfigMaps (passed through). Bound: 128 MiB,
// memory follows the largest document; measured RSS 114 MiB.
func BenchmarkMemoryStream1GB(b *testing.B) {
	unit := []byte(goodJob + "---\n" + configMap + "---\n")
	const size = 1 << 30
	benchMutate(b, size, func() io.Reader { return &repeatReader{unit: unit, n: size - size%int64(len(unit))} }, 0)
}

// singleDocument is one Pod of about n bytes: a classic istio-proxy and an
// annotation of n bytes.
func singleDocument(n int64) io.Reader {
	head := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  annotations:\n    blob: "
	tail := "\nspec:\n  containers:\n  - name: app\n    image: app\n  - name: istio-proxy\n    image: proxyv2\n"
	return io.MultiReader(strings.NewReader(head), &repeatReader{unit: []byte("x"), n: n}, strings.NewReader(tail))
}

// BenchmarkMemoryDocument100MB: one 100 MB document, refused at the
// default document bound (16 MiB) without being kept in memory, and
// converted when NATIVIZE_MAX_DOCUMENT_BYTES allows it. Measured: refused,
// 66 MiB peak heap (bound 128 MiB); converted, 656 MiB (no bound promised
// past the default limit).
func BenchmarkMemoryDocument100MB(b *testing.B) {
	const size = 100 << 20
	b.Run("refused", func(b *testing.B) {
		benchMutate(b, size, func() io.Reader { return singleDocument(size) }, 2)
	})
	b.Run("allowed", func(b *testing.B) {
		old := document.MaxDocumentBytes
		document.MaxDocumentBytes = 128 << 20
		defer func() { document.MaxDocumentBytes = old }()
		benchMutate(b, size, func() io.Reader { return singleDocument(size) }, 0)
	})
}
