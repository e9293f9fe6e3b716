package main

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
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSignedFiles(t, dir)
	tests := []struct {
		name    string
		args    []string
		want    int
		wantErr string
	}{
		{"no certificate", []string{"--addr", "127.0.0.1:0"}, 2, "--tls-cert and --tls-key are required"},
		{"missing files", []string{"--tls-cert", filepath.Join(dir, "nope.crt"), "--tls-key", key}, 2, "nope.crt"},
		{"key is not a key", []string{"--tls-cert", cert, "--tls-key", cert}, 2, "load key pair"},
		{"client CA without certificates", []string{"--tls-cert", cert, "--tls-key", key, "--client-ca", key}, 2, "no PEM certificate"},
		{"kube version too old", []string{"--tls-cert", cert, "--tls-key", key, "--kube-version", "1.27"}, 2, "unsupported --kube-version"},
		{"bad log level", []string{"--log-level", "loud"}, 2, "--log-level"},
		{"stray argument", []string{"extra"}, 2, "unexpected arguments"},
		{"unknown flag", []string{"--tls"}, 2, "unknown flag"},
		{"help", []string{"--help"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := commands["serve"].run(context.Background(), tc.args, streams{Out: &out, Err: &errb})
			if code != tc.want {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.want, errb.String())
			}
			if !strings.Contains(errb.String(), tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.wantErr)
			}
		})
	}
}

// TestServeSIGTERM runs `nativize serve` on loopback, converts a pod through
// /mutate, then sends the process a real SIGTERM: the command drains and
// exits 0.
func TestServeSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSignedFiles(t, dir)
	addr, health := freeAddr(t), freeAddr(t)
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--addr", addr, "--health-addr", health,
			"--tls-cert", cert, "--tls-key", key}, streams{Out: &bytes.Buffer{}, Err: stderr})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + health + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v; log %s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"nginx"},{"name":"istio-proxy","image":"istio/proxyv2"}]}}`
	body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","operation":"CREATE","object":` + pod + `}}`
	resp, err := c.Post("https://"+addr+"/mutate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var review struct {
		Response struct {
			UID       string `json:"uid"`
			Allowed   bool   `json:"allowed"`
			PatchType string `json:"patchType"`
		} `json:"response"`
	}
	err = json.NewDecoder(resp.Body).Decode(&review)
	resp.Body.Close()
	if err != nil || review.Response.UID != "u1" || !review.Response.Allowed || review.Response.PatchType != "JSONPatch" {
		t.Fatalf("mutate reply %+v, err %v", review.Response, err)
	}
	tr.CloseIdleConnections()

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after SIGTERM; log %s", code, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	for _, want := range []string{`"msg":"serving"`, `"msg":"converted"`, `"msg":"stopped"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, stderr.String())
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

// selfSignedFiles writes a self-signed certificate for 127.0.0.1.
func selfSignedFiles(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "nativize"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDeploymentArgs: the arguments library/provider's Deployment
// passes are flags `nativize serve` accepts.
func TestServeDeploymentArgs(t *testing.T) {
	raw, err := os.ReadFile("../../library/provider/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var dep struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Args []string `json:"args"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &dep); err != nil {
		t.Fatal(err)
	}
	args := dep.Spec.Template.Spec.Containers[0].Args
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("args %q, want serve first", args)
	}
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	var p serveParams
	p.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		t.Fatalf("deployment args %q: %v", args, err)
	}
	if p.opts.CertFile == "" || p.opts.KeyFile == "" || fs.NArg() != 0 {
		t.Fatalf("deployment args %q leave cert %q key %q, stray %q", args, p.opts.CertFile, p.opts.KeyFile, fs.Args())
	}
}
