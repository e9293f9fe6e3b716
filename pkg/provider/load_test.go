package provider

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoad is a bounded load test on 127.0.0.1 over mutual TLS: a fixed
// number of requests from concurrent clients, each on its own connection,
// across the three POST endpoints with the golden objects. It stops by
// itself (fixed count, and a time cap that only ends the run early) and
// reports count, errors and p50/p99 latency. It asserts zero errors, never
// a latency.
func TestLoad(t *testing.T) {
	const (
		total   = 3000
		clients = 16
		maxTime = 2 * time.Minute // a cap, not an assertion
	)
	clientCA := newCA(t, "load-clients")
	ts := startServer(t, withClientCA(t, clientCA))
	cert := clientCA.keyPair(t, "load")

	type request struct {
		path string
		body []byte
	}
	var bodies []request
	objs := [][]byte{istioPod(t, "Pod"), istioPod(t, "Job"), []byte(plainPod)}
	for _, o := range objects(t, "../mutate/testdata/golden/job-istio.in.yaml") {
		objs = append(objs, mustJSON(t, o))
	}
	for _, o := range objects(t, "../mutate/testdata/golden/deployment-linkerd.in.yaml") {
		objs = append(objs, mustJSON(t, o))
	}
	for i, o := range objs {
		r := review(t, fmt.Sprintf("load-%d", i), "CREATE", o, false)
		bodies = append(bodies, request{"/mutate", r}, request{"/validate", r},
			request{"/externaldata", providerRequest(t, string(o), plainPod)})
	}

	var (
		next      atomic.Int64
		errs      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, total)
		firstErr  error
		wg        sync.WaitGroup
	)
	stopAt := time.Now().Add(maxTime)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := ts.client(cert)
			for {
				i := next.Add(1) - 1
				if i >= total || time.Now().After(stopAt) {
					return
				}
				b := bodies[int(i)%len(bodies)]
				t0 := time.Now()
				err := func() error {
					resp, err := hc.Post(ts.url+b.path, "application/json", bytes.NewReader(b.body))
					if err != nil {
						return err
					}
					defer resp.Body.Close()
					if _, err := io.Copy(io.Discard, resp.Body); err != nil {
						return err
					}
					if resp.StatusCode != http.StatusOK {
						return fmt.Errorf("%s: status %d", b.path, resp.StatusCode)
					}
					return nil
				}()
				d := time.Since(t0)
				mu.Lock()
				latencies = append(latencies, d)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	t.Logf("load: %d requests, %d clients, %d errors, p50 %v, p99 %v, max %v, %.0f req/s over %v",
		len(latencies), clients, errs.Load(), pct(0.50), pct(0.99), latencies[len(latencies)-1],
		float64(len(latencies))/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	if errs.Load() != 0 {
		t.Fatalf("%d errors, first: %v", errs.Load(), firstErr)
	}
	if len(latencies) != total {
		t.Fatalf("%d requests sent before the time cap, want %d", len(latencies), total)
	}
}
