package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds; the deadline only bounds a failure.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// slowRequest starts a POST whose body is written in two halves: the
// handler holds its concurrency slot until finish is called.
type slowRequest struct {
	pw    *io.PipeWriter
	rest  []byte
	first chan struct{} // closed when the first half is written
	resp  chan *http.Response
	err   chan error
}

func startSlow(t testing.TB, c *http.Client, url string, body []byte) *slowRequest {
	t.Helper()
	pr, pw := io.Pipe()
	sr := &slowRequest{pw: pw, rest: body[len(body)/2:], first: make(chan struct{}),
		resp: make(chan *http.Response, 1), err: make(chan error, 1)}
	req, err := http.NewRequest(http.MethodPost, url, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	go func() {
		resp, err := c.Do(req)
		sr.resp <- resp
		sr.err <- err
	}()
	go func() {
		_, _ = pw.Write(body[:len(body)/2])
		close(sr.first)
	}()
	return sr
}

// finish writes the rest of the body and returns the status.
func (sr *slowRequest) finish(t testing.TB) int {
	t.Helper()
	go func() {
		<-sr.first
		_, _ = sr.pw.Write(sr.rest)
		_ = sr.pw.Close()
	}()
	resp, err := <-sr.resp, <-sr.err
	if err != nil {
		t.Fatalf("slow request: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestBoundedConcurrency(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxInFlight, o.QueueWait = 1, 50*time.Millisecond })
	c := ts.client()
	body := review(t, "slow", "CREATE", istioPod(t, "Pod"), false)
	slow := startSlow(t, c, ts.url+"/mutate", body)
	waitFor(t, "the slow request to hold the only slot", func() bool { return len(ts.slots) == 1 })

	req, _ := http.NewRequest(http.MethodPost, ts.url+"/mutate", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second request = %d Retry-After=%q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Health endpoints are not behind the limit.
	if code, _ := get(t, c, ts.url+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d while saturated", code)
	}
	if code := slow.finish(t); code != http.StatusOK {
		t.Fatalf("slow request = %d, want 200", code)
	}
	if code, _ := post(t, c, ts.url+"/mutate", "application/json", body); code != http.StatusOK {
		t.Fatalf("request after the slot freed = %d", code)
	}
}

// TestGracefulShutdown: shutdown (SIGTERM in the command) stops accepting
// connections but finishes the request in flight.
func TestGracefulShutdown(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client()
	slow := startSlow(t, c, ts.url+"/mutate", review(t, "inflight", "CREATE", istioPod(t, "Pod"), false))
	waitFor(t, "the request to be in flight", func() bool { return len(ts.slots) == 1 })
	done := make(chan error, 1)
	go func() { done <- ts.shutdown() }()
	addr := strings.TrimPrefix(ts.url, "https://")
	waitFor(t, "the listener to close", func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	if code := slow.finish(t); code != http.StatusOK {
		t.Fatalf("in-flight request = %d, want 200", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve returned %v, want nil after a graceful shutdown", err)
	}
}

// TestDrainDelay: during the drain delay /readyz fails and requests are
// still answered. The delay is long; the test ends it once it has looked.
func TestDrainDelay(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.DrainDelay = 10 * time.Minute })
	c := ts.client()
	if code, _ := get(t, c, ts.url+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d before shutdown", code)
	}
	done := make(chan error, 1)
	go func() { done <- ts.shutdown() }()
	waitFor(t, "draining", ts.draining.Load)
	if code, body := get(t, c, ts.url+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d %s while draining, want 503", code, body)
	}
	if code, _ := post(t, c, ts.url+"/mutate", "application/json", review(t, "d", "CREATE", istioPod(t, "Pod"), false)); code != http.StatusOK {
		t.Fatalf("/mutate = %d while draining, want 200", code)
	}
	close(ts.drained)
	c.CloseIdleConnections()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client()
	post(t, c, ts.url+"/mutate", "application/json", review(t, "m", "CREATE", istioPod(t, "Job"), false))
	post(t, c, ts.url+"/validate", "application/json", review(t, "v", "CREATE", istioPod(t, "Job"), false))
	post(t, c, ts.url+"/externaldata", "application/json", []byte("{"))
	post(t, c, ts.url+"/externaldata", "text/plain", []byte("{}"))
	tests := []struct {
		path string
		want []string
	}{
		{"/healthz", []string{"ok"}},
		{"/readyz", []string{"ok"}},
		{"/metrics", []string{
			`nativize_provider_requests_total{code="200",endpoint="mutate"} 1`,
			`nativize_provider_requests_total{code="200",endpoint="validate"} 1`,
			`nativize_provider_requests_total{code="400",endpoint="externaldata"} 1`,
			`nativize_provider_requests_total{code="415",endpoint="externaldata"} 1`,
			`nativize_provider_request_duration_seconds_bucket{endpoint="mutate",le="+Inf"} 1`,
			`nativize_provider_findings_total{check="NS001",severity="error"} 1`,
			`nativize_provider_patches_total{endpoint="mutate"} 1`,
			`nativize_provider_patch_operations_total{endpoint="mutate"} 2`,
			`nativize_provider_errors_total{endpoint="externaldata",reason="bad_request"} 2`,
			`nativize_provider_tls_reloads_total 1`,
			`go_goroutines`,
		}},
	}
	for _, tc := range tests {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			code, body := get(t, c, ts.url+tc.path)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("%s lacks %q", tc.path, w)
				}
			}
		})
	}
	// The plain-HTTP health listener serves the same, and nothing else.
	h := ts.HealthHandler()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/mutate": 404} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("health handler %s = %d, want %d", path, rec.Code, want)
		}
	}
}

// TestHealthListener: the plain-HTTP listener serves probes and metrics and
// nothing else, and stops with the server.
func TestHealthListener(t *testing.T) {
	ts := startServer(t, nil)
	s, err := New(ts.opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, hl) }()
	base := "http://" + hl.Addr().String()
	tr := &http.Transport{}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/mutate": 404, "/externaldata": 404} {
		if code, _ := get(t, c, base+path); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
	tr.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := net.DialTimeout("tcp", hl.Addr().String(), time.Second); err == nil {
		t.Error("health listener still open after shutdown")
	}
}

// TestSlowClients: a client that stalls in its headers or its body is cut
// off by the header and read timeouts instead of holding a connection (and,
// for the body, a concurrency slot) forever. The deadline on the test's own
// read only bounds a failure.
func TestSlowClients(t *testing.T) {
	tests := []struct {
		name          string
		header, whole time.Duration // ReadHeaderTimeout, ReadTimeout
		send          string
		reply         string // "" means the connection is closed without a reply
	}{
		{"stalls in the headers", 200 * time.Millisecond, 0,
			"POST /mutate HTTP/1.1\r\nHost: nativize\r\nContent-Type: application/json\r\n", ""},
		// The read timeout also covers the headers: generous, so that a
		// loaded machine still delivers them in time.
		{"stalls in the body", time.Minute, time.Second,
			"POST /mutate HTTP/1.1\r\nHost: nativize\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"apiVersion\"", "HTTP/1.1 400"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, func(o *Options) { o.ReadHeaderTimeout, o.ReadTimeout = tc.header, tc.whole })
			conn, err := tls.Dial("tcp", strings.TrimPrefix(ts.url, "https://"),
				&tls.Config{RootCAs: ts.ca.pool(), ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.send); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			got, err := io.ReadAll(conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept the stalled connection open (read %q)", got)
			}
			if !strings.HasPrefix(string(got), tc.reply) || (tc.reply == "" && len(got) > 0) {
				t.Fatalf("reply %q, want prefix %q", got, tc.reply)
			}
			if len(ts.slots) != 0 {
				t.Errorf("%d concurrency slots still held", len(ts.slots))
			}
		})
	}
}
