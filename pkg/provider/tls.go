package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoClientCA is returned when the client CA file holds no PEM certificate.
var ErrNoClientCA = errors.New("client CA file holds no PEM certificate")

// certFiles names the PEM files the server's TLS identity is read from.
type certFiles struct {
	cert, key, clientCA string
}

// tlsState is one loaded generation of the server's TLS material.
type tlsState struct {
	raw    [3][]byte // cert, key and client CA file contents, to detect change
	cert   *tls.Certificate
	config *tls.Config
}

// certSource serves the current TLS configuration and reloads it when the
// certificate, key or client CA files change (rotation without restart).
type certSource struct {
	files  certFiles
	log    *slog.Logger
	state  atomic.Pointer[tlsState]
	mu     sync.Mutex // serialises reloads
	loaded func()     // called after each successful reload (metrics)
}

// newCertSource loads the files once; an error here is fatal to the server.
func newCertSource(files certFiles, log *slog.Logger) (*certSource, error) {
	s := &certSource{files: files, log: log, loaded: func() {}}
	if _, err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// tlsConfig is the listener configuration: TLS 1.3 only, every handshake
// served from the current generation.
func (s *certSource) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.state.Load().cert, nil
		},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return s.state.Load().config, nil
		},
	}
}

// reload reads the files and swaps in a new generation when their contents
// changed. It reports whether it swapped. On error the old generation stays.
func (s *certSource) reload() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var raw [3][]byte
	for i, name := range []string{s.files.cert, s.files.key, s.files.clientCA} {
		if name == "" {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return false, fmt.Errorf("read TLS file: %w", err)
		}
		raw[i] = b
	}
	if old := s.state.Load(); old != nil && bytes.Equal(old.raw[0], raw[0]) &&
		bytes.Equal(old.raw[1], raw[1]) && bytes.Equal(old.raw[2], raw[2]) {
		return false, nil
	}
	cert, err := tls.X509KeyPair(raw[0], raw[1])
	if err != nil {
		return false, fmt.Errorf("load key pair %s, %s: %w", s.files.cert, s.files.key, err)
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{"h2", "http/1.1"},
		Certificates: []tls.Certificate{cert},
	}
	if s.files.clientCA != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(raw[2]) {
			return false, fmt.Errorf("%s: %w", s.files.clientCA, ErrNoClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	s.state.Store(&tlsState{raw: raw, cert: &cert, config: cfg})
	s.loaded()
	return true, nil
}

// watch polls the files every interval until ctx ends. Polling (rather than
// inotify) follows Kubernetes Secret volumes, whose files are symlinks that
// are swapped atomically, and tolerates a key written before its cert: the
// mismatched pair fails to load, the old generation stays, the next tick
// retries.
func (s *certSource) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			swapped, err := s.reload()
			switch {
			case err != nil:
				s.log.Warn("TLS reload failed, keeping the current certificate", "error", err.Error())
			case swapped:
				s.log.Info("TLS certificate reloaded", "cert", s.files.cert)
			}
		}
	}
}
