package provider

import (
	"crypto/tls"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// handshake dials the server and returns the negotiated state or the error.
func handshake(ts *testServer, cfg *tls.Config) (tls.ConnectionState, error) {
	addr := strings.TrimPrefix(ts.url, "https://")
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

func TestTLSVersion(t *testing.T) {
	ts := startServer(t, nil)
	tests := []struct {
		name    string
		min     uint16
		max     uint16
		wantErr bool
	}{
		{"TLS 1.0", tls.VersionTLS10, tls.VersionTLS10, true},
		{"TLS 1.1", tls.VersionTLS11, tls.VersionTLS11, true},
		{"TLS 1.2", tls.VersionTLS12, tls.VersionTLS12, true},
		{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, false},
		{"1.2 or 1.3 offered", tls.VersionTLS12, tls.VersionTLS13, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := handshake(ts, &tls.Config{RootCAs: ts.ca.pool(), ServerName: "127.0.0.1", MinVersion: tc.min, MaxVersion: tc.max})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("handshake succeeded with version %x, want refused", st.Version)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if st.Version != tls.VersionTLS13 {
				t.Fatalf("negotiated %x, want TLS 1.3", st.Version)
			}
		})
	}
	// The server is still up after the refused handshakes.
	if code, _ := get(t, ts.client(), ts.url+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d after refused handshakes", code)
	}
}

func TestClientAuth(t *testing.T) {
	clients := newCA(t, "gatekeeper-ca")
	ts := startServer(t, withClientCA(t, clients))
	stranger := newCA(t, "stranger-ca")
	tests := []struct {
		name   string
		certs  []tls.Certificate
		wantOK bool
	}{
		{"no client certificate", nil, false},
		{"certificate from an untrusted CA", []tls.Certificate{stranger.keyPair(t, "intruder")}, false},
		{"self-signed server-style certificate", []tls.Certificate{selfSigned(t)}, false},
		{"certificate from the client CA", []tls.Certificate{clients.keyPair(t, "gatekeeper")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.client(tc.certs...)
			resp, err := c.Get(ts.url + "/healthz")
			if !tc.wantOK {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("request succeeded with status %d, want the connection refused", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("GET /healthz: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
}

// selfSigned is a certificate no CA vouches for.
func selfSigned(t *testing.T) tls.Certificate {
	ca := newCA(t, "self")
	return ca.keyPair(t, "self")
}

func TestCertRotation(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.ReloadInterval = 20 * time.Millisecond })
	cfg := &tls.Config{RootCAs: ts.ca.pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13}
	serial := func() int64 {
		t.Helper()
		st, err := handshake(ts, cfg)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		return st.PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serial(); got != 1 {
		t.Fatalf("initial serial %d, want 1", got)
	}
	// A half-written rotation (new cert, old key) must not break serving.
	certPEM, keyPEM := ts.ca.issue(t, "nativize.test", 2, true)
	writeFile(t, filepath.Join(ts.dir, "tls.crt"), certPEM)
	if swapped, err := ts.certs.reload(); err == nil || swapped {
		t.Fatalf("reload of a mismatched pair: swapped=%v err=%v, want an error and no swap", swapped, err)
	}
	if got := serial(); got != 1 {
		t.Fatalf("serial %d while the key is stale, want the old certificate 1", got)
	}
	writeFile(t, filepath.Join(ts.dir, "tls.key"), keyPEM)
	// The watcher polls; wait for it (bounded), asserting the outcome only.
	deadline := time.Now().Add(20 * time.Second)
	for serial() != 2 {
		if time.Now().After(deadline) {
			t.Fatal("rotated certificate (serial 2) not served")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := testutil.ToFloat64(ts.metrics.tlsReloads); n != 2 {
		t.Errorf("tls reloads = %v, want 2 (initial load and rotation)", n)
	}
	if !strings.Contains(ts.logs.String(), "TLS certificate reloaded") {
		t.Errorf("the rotation was not logged")
	}
}

// TestClientCARotation: a new client CA bundle is picked up like a new
// server certificate; clients of the old CA are refused from then on.
func TestClientCARotation(t *testing.T) {
	oldCA, nextCA := newCA(t, "gatekeeper-ca-1"), newCA(t, "gatekeeper-ca-2")
	ts := startServer(t, withClientCA(t, oldCA))
	oldClient, newClient := ts.client(oldCA.keyPair(t, "gk")), ts.client(nextCA.keyPair(t, "gk"))
	status := func(c *http.Client) int {
		c.CloseIdleConnections() // a new handshake each time
		resp, err := c.Get(ts.url + "/healthz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status(oldClient) != http.StatusOK || status(newClient) != 0 {
		t.Fatal("before rotation: want the old CA's client accepted and the new one refused")
	}
	writeFile(t, ts.opts.ClientCAFile, nextCA.pem)
	if swapped, err := ts.certs.reload(); err != nil || !swapped {
		t.Fatalf("reload: swapped=%v err=%v", swapped, err)
	}
	if status(oldClient) != 0 || status(newClient) != http.StatusOK {
		t.Fatal("after rotation: want the new CA's client accepted and the old one refused")
	}
}
