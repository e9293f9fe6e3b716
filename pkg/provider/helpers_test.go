package provider

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testCA is a certificate authority generated for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf certificate; server leaves are valid for 127.0.0.1.
func (ca *testCA) issue(t testing.TB, cn string, serial int64, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// keyPair issues a client certificate usable by a tls.Config.
func (ca *testCA) keyPair(t testing.TB, cn string) tls.Certificate {
	t.Helper()
	c, k := ca.issue(t, cn, 7, false)
	pair, err := tls.X509KeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// pool is a cert pool holding the CA.
func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// testServer is a Server listening on 127.0.0.1 with real TLS.
type testServer struct {
	*Server
	url     string
	ca      *testCA // signs the server certificate
	dir     string  // holds tls.crt, tls.key (and ca.crt)
	clients *testCA // signs client certificates, when client auth is on
	stop    context.CancelFunc
	done    chan error
	once    sync.Once
	err     error
	logs    *lockedWriter

	mu         sync.Mutex
	transports []*http.Transport // closed before the server stops
}

// startServer starts a server with the real engines; tweak edits the options.
func startServer(t testing.TB, tweak func(*Options)) *testServer {
	t.Helper()
	ts := &testServer{ca: newCA(t, "server-ca"), dir: t.TempDir(), logs: &lockedWriter{w: &bytes.Buffer{}}}
	certPEM, keyPEM := ts.ca.issue(t, "nativize.test", 1, true)
	writeFile(t, filepath.Join(ts.dir, "tls.crt"), certPEM)
	writeFile(t, filepath.Join(ts.dir, "tls.key"), keyPEM)
	opts := Options{
		Engine:   engines(t),
		CertFile: filepath.Join(ts.dir, "tls.crt"),
		KeyFile:  filepath.Join(ts.dir, "tls.key"),
		Logger:   slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tweak != nil {
		tweak(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts.Server = s
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.url = "https://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	ts.stop, ts.done = cancel, make(chan error, 1)
	go func() { ts.done <- s.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		ts.mu.Lock()
		for _, tr := range ts.transports {
			tr.CloseIdleConnections()
		}
		ts.mu.Unlock()
		if err := ts.shutdown(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// shutdown stops the server (as SIGTERM does) and returns Serve's result.
func (ts *testServer) shutdown() error {
	ts.once.Do(func() {
		ts.stop()
		ts.err = <-ts.done
	})
	return ts.err
}

// withClientCA turns client authentication on, with a fresh client CA.
func withClientCA(t testing.TB, ca *testCA) func(*Options) {
	dir := t.TempDir()
	path := filepath.Join(dir, "client-ca.crt")
	writeFile(t, path, ca.pem)
	return func(o *Options) { o.ClientCAFile = path }
}

// client is an HTTPS client that trusts the server CA and presents certs.
func (ts *testServer) client(certs ...tls.Certificate) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ts.ca.pool(), Certificates: certs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
	}
	ts.mu.Lock()
	ts.transports = append(ts.transports, tr)
	ts.mu.Unlock()
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
}

// post sends body as contentType and returns status and reply body.
func post(t testing.TB, c *http.Client, url, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lockedWriter serialises writes from concurrent handlers into a buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (lw *lockedWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}

func (lw *lockedWriter) String() string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.String()
}

// get fetches url and returns status and body.
func get(t testing.TB, c *http.Client, url string) (int, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
