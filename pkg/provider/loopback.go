package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/nativize/nativize/pkg/engine"
)

// Loopback is a Server on 127.0.0.1 with a throwaway CA, for evaluating
// templates that call external_data in process (Gatekeeper's rego driver
// only speaks HTTPS to a Provider).
type Loopback struct {
	// URL is the /externaldata endpoint, for a Provider's spec.url.
	URL string
	// CABundle is the base64 PEM CA, for a Provider's spec.caBundle.
	CABundle string

	stop context.CancelFunc
	done chan error
	dir  string
}

// StartLoopback serves e on a free 127.0.0.1 port until Close.
func StartLoopback(e engine.Engine) (*Loopback, error) {
	dir, err := os.MkdirTemp("", "nativize-provider-")
	if err != nil {
		return nil, err
	}
	lb := &Loopback{dir: dir}
	caPEM, err := writeLoopbackCerts(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s, err := New(Options{Engine: e,
		CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key")})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	lb.URL = "https://" + ln.Addr().String() + "/externaldata"
	lb.CABundle = base64.StdEncoding.EncodeToString(caPEM)
	ctx, cancel := context.WithCancel(context.Background())
	lb.stop, lb.done = cancel, make(chan error, 1)
	go func() { lb.done <- s.Serve(ctx, ln, nil) }()
	return lb, nil
}

// Close stops the server and removes its certificate files.
func (lb *Loopback) Close() error {
	lb.stop()
	err := <-lb.done
	return errors.Join(err, os.RemoveAll(lb.dir))
}

// writeLoopbackCerts writes a CA-signed certificate for 127.0.0.1 into dir
// and returns the CA's PEM.
func writeLoopbackCerts(dir string) ([]byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nativize loopback CA"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nativize loopback"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		"tls.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"tls.key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return nil, fmt.Errorf("loopback certificate: %w", err)
		}
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
