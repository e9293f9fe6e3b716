package gatekeeper

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis/externaldata/unversioned"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ExternalDataFunc answers the external_data calls of templates in process:
// the Provider's name and the keys, one Item per key (an Item may carry an
// error). A returned error becomes the response's systemError.
type ExternalDataFunc func(ctx context.Context, provider string, keys []string) ([]externaldata.Item, error)

// maxProviderRequest bounds a request body of the in-process provider.
const maxProviderRequest = 16 << 20

// externalData serves the library's Providers from an ExternalDataFunc.
// Why a TLS loopback and not a function call: frameworks/constraint's Rego
// driver sends external data through its unexported sendRequestToProvider
// field, which no exported rego.Arg sets, so it is always
// externaldata.DefaultSendRequestToProvider (HTTPS, TLS 1.3, the server
// verified against the Provider's caBundle). The provider therefore listens
// on a loopback port with a throwaway certificate only this process trusts.
type externalData struct {
	cache  *externaldata.ProviderCache
	server *http.Server
	url    string
	ca     string
}

// startExternalData starts the loopback provider for the Providers named.
func startExternalData(fn ExternalDataFunc, providers []string) (*externalData, error) {
	cert, caPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	x := &externalData{
		cache: externaldata.NewCache(),
		url:   "https://" + ln.Addr().String() + "/",
		ca:    base64.StdEncoding.EncodeToString(caPEM),
	}
	x.server = &http.Server{
		Handler:           providerHandler(fn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = x.server.ServeTLS(ln, "", "") }()
	for _, name := range providers {
		p := &unversioned.Provider{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       unversioned.ProviderSpec{URL: x.url + name, Timeout: 30, CABundle: x.ca},
		}
		if err := x.cache.Upsert(p); err != nil {
			x.close()
			return nil, fmt.Errorf("provider %s: %w", name, err)
		}
	}
	return x, nil
}

func (x *externalData) close() { _ = x.server.Close() }

// driverArgs enable external_data in the Rego driver.
func (x *externalData) driverArgs() []rego.Arg {
	return []rego.Arg{rego.AddExternalDataProviderCache(x.cache)}
}

// providerHandler speaks the external data protocol: POST a ProviderRequest
// to /<provider>, get a ProviderResponse.
func providerHandler(fn ExternalDataFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var req externaldata.ProviderRequest
		body, err := io.ReadAll(io.LimitReader(r.Body, maxProviderRequest))
		if err == nil {
			err = json.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, "bad ProviderRequest: "+err.Error(), http.StatusBadRequest)
			return
		}
		resp := externaldata.ProviderResponse{
			APIVersion: "externaldata.gatekeeper.sh/v1beta1",
			Kind:       "ProviderResponse",
			Response:   externaldata.Response{Idempotent: true},
		}
		items, err := fn(r.Context(), strings.TrimPrefix(r.URL.Path, "/"), req.Request.Keys)
		if err != nil {
			resp.Response.SystemError = err.Error()
		} else {
			resp.Response.Items = items
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
}

// selfSigned makes a certificate for 127.0.0.1 that is its own CA.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "nativize in-process external data"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return cert, certPEM, nil
}
