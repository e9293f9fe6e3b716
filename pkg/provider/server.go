// Package provider is the in-cluster face of nativize: an HTTPS server that
// answers Gatekeeper external data requests (/externaldata) and Kubernetes
// admission reviews (/mutate, /validate) with the same conversion and checks
// the CLI runs, hardened with TLS 1.3, optional client certificates,
// certificate reload, request limits and Prometheus metrics.
package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

// ErrOptions is returned by New for an incomplete or invalid configuration.
var ErrOptions = errors.New("invalid server options")

// Defaults for the zero values of Options.
const (
	DefaultMaxBodyBytes      = 3 << 20 // the API server's own request limit
	DefaultMaxInFlight       = 64
	DefaultQueueWait         = 2 * time.Second
	DefaultMaxKeys           = 1000
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 15 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultShutdownTimeout   = 25 * time.Second
	DefaultReloadInterval    = 10 * time.Second
)

// Options configure a Server. Engine, CertFile and KeyFile are
// required; every zero duration or limit takes its Default.
type Options struct {
	// Engine converts objects (/mutate, the patch of /externaldata) and
	// checks them (/validate, the findings of /externaldata).
	Engine engine.Engine
	// CertFile and KeyFile are the PEM server certificate (chain) and key.
	CertFile, KeyFile string
	// ClientCAFile, when set, makes client certificates required and
	// verified against the PEM CA bundle it holds.
	ClientCAFile string
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes caps a request body; larger bodies are answered 413.
	MaxBodyBytes int64
	// MaxInFlight bounds the requests processed at once.
	MaxInFlight int
	// QueueWait is how long a request waits for a slot before a 503.
	QueueWait time.Duration
	// MaxKeys bounds the keys of one external data request.
	MaxKeys int
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// http.Server timeouts.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown.
	ShutdownTimeout time.Duration
	// ReloadInterval is how often the TLS files are checked for change.
	ReloadInterval time.Duration
	// DrainDelay is how long the server keeps answering, with /readyz
	// failing, after shutdown begins: time for the endpoints controller to
	// take the pod out of the Service before the listener closes. Zero
	// closes at once.
	DrainDelay time.Duration
}

// Server answers external data and admission requests over HTTPS.
type Server struct {
	opts     Options
	log      *slog.Logger
	certs    *certSource
	metrics  *metrics
	slots    chan struct{}
	handler  http.Handler
	draining atomic.Bool
	drained  chan struct{} // closed to end the drain delay early (tests)
}

// New checks opts, loads the TLS files and builds the handlers.
func New(opts Options) (*Server, error) {
	if opts.Engine == nil {
		return nil, fmt.Errorf("%w: an engine is required", ErrOptions)
	}
	if opts.CertFile == "" || opts.KeyFile == "" {
		return nil, fmt.Errorf("%w: --tls-cert and --tls-key are required", ErrOptions)
	}
	setDefault(&opts.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&opts.MaxInFlight, DefaultMaxInFlight)
	setDefault(&opts.QueueWait, DefaultQueueWait)
	setDefault(&opts.MaxKeys, DefaultMaxKeys)
	setDefault(&opts.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&opts.ReadTimeout, DefaultReadTimeout)
	setDefault(&opts.WriteTimeout, DefaultWriteTimeout)
	setDefault(&opts.IdleTimeout, DefaultIdleTimeout)
	setDefault(&opts.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&opts.ReloadInterval, DefaultReloadInterval)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	s := &Server{opts: opts, log: log, metrics: newMetrics(), slots: make(chan struct{}, opts.MaxInFlight),
		drained: make(chan struct{})}
	certs, err := newCertSource(certFiles{cert: opts.CertFile, key: opts.KeyFile, clientCA: opts.ClientCAFile}, log)
	if err != nil {
		return nil, err
	}
	s.metrics.tlsReloads.Inc()
	certs.loaded = s.metrics.tlsReloads.Inc
	s.certs = certs

	mux := http.NewServeMux()
	mux.Handle("/mutate", s.api("mutate", s.mutate, nil))
	mux.Handle("/validate", s.api("validate", s.validate, nil))
	mux.Handle("/externaldata", s.api("externaldata", s.externalData, systemError))
	s.health(mux)
	s.handler = mux
	return s, nil
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Handler is the server's routes without TLS, for in-process use.
func (s *Server) Handler() http.Handler { return s.handler }

// HealthHandler serves only /healthz, /readyz and /metrics, for a plain-HTTP
// port that kubelet probes and Prometheus reach without a client certificate.
func (s *Server) HealthHandler() http.Handler {
	mux := http.NewServeMux()
	s.health(mux)
	return mux
}

func (s *Server) health(mux *http.ServeMux) {
	mux.Handle("GET /healthz", s.instrument("healthz", func(w http.ResponseWriter, _ *http.Request) int {
		return writeText(w, http.StatusOK, "ok")
	}))
	mux.Handle("GET /readyz", s.instrument("readyz", func(w http.ResponseWriter, _ *http.Request) int {
		if s.draining.Load() {
			return writeText(w, http.StatusServiceUnavailable, "shutting down")
		}
		return writeText(w, http.StatusOK, "ok")
	}))
	mux.Handle("GET /metrics", s.metrics.handler())
}

func writeText(w http.ResponseWriter, status int, msg string) int {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
	return status
}

// TLSConfig is the listener's TLS configuration: TLS 1.3 only, the current
// certificate generation, client certificates required when a client CA is
// configured.
func (s *Server) TLSConfig() *tls.Config { return s.certs.tlsConfig() }

// Serve answers HTTPS on ln until ctx ends, then stops accepting, finishes
// in-flight requests (at most ShutdownTimeout) and returns. health, when not
// nil, is a second plain-HTTP listener for HealthHandler.
func (s *Server) Serve(ctx context.Context, ln net.Listener, health net.Listener) error {
	errLog := slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	newServer := func(h http.Handler, tc *tls.Config) *http.Server {
		return &http.Server{
			Handler:           h,
			TLSConfig:         tc,
			ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
			ReadTimeout:       s.opts.ReadTimeout,
			WriteTimeout:      s.opts.WriteTimeout,
			IdleTimeout:       s.opts.IdleTimeout,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          errLog,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
	}
	main := newServer(s.handler, s.TLSConfig())
	servers := []*http.Server{main}
	errs := make(chan error, 2)
	go func() { errs <- main.ServeTLS(ln, "", "") }()
	if health != nil {
		hs := newServer(s.HealthHandler(), nil)
		servers = append(servers, hs)
		go func() { errs <- hs.Serve(health) }()
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.certs.watch(watchCtx, s.opts.ReloadInterval)
	s.log.Info("serving", "addr", ln.Addr().String(), "client_auth", s.opts.ClientCAFile != "",
		"max_body_bytes", s.opts.MaxBodyBytes, "max_in_flight", s.opts.MaxInFlight, "version", version())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errs:
	}
	s.draining.Store(true)
	if serveErr == nil && s.opts.DrainDelay > 0 {
		s.log.Info("draining: not ready, still serving", "delay", s.opts.DrainDelay.String())
		select {
		case <-time.After(s.opts.DrainDelay):
		case <-s.drained:
		case serveErr = <-errs:
		}
	}
	s.log.Info("shutting down, finishing in-flight requests", "timeout", s.opts.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	var shutErr error
	for _, srv := range servers {
		shutErr = errors.Join(shutErr, srv.Shutdown(sctx))
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if err := errors.Join(serveErr, shutErr); err != nil {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// ListenAndServe listens on addr (and healthAddr, when not empty) and calls
// Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr, healthAddr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var hl net.Listener
	if healthAddr != "" {
		if hl, err = net.Listen("tcp", healthAddr); err != nil {
			ln.Close()
			return err
		}
	}
	return s.Serve(ctx, ln, hl)
}

// patch plans obj's conversion and returns the plan's RFC 6902 operations
// (none when nothing changes or the target version cannot convert), with
// the engine's configuration warnings and the plan's notes (pod specs that
// needed work but were left alone) as warnings; a panic becomes an error.
func (s *Server) patch(obj map[string]any) (ops []any, warnings []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("engine panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			ops, warnings, err = nil, nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	plan, err := s.opts.Engine.Plan(obj)
	if errors.Is(err, mutate.ErrKubeVersion) {
		return nil, nil, nil // below 1.28: only the checks answer
	}
	if err != nil {
		return nil, nil, err
	}
	warnings = append(append([]string(nil), s.opts.Engine.Warnings()...), plan.Notes...)
	for _, op := range plan.Patch() {
		ops = append(ops, op)
	}
	return ops, warnings, nil
}

// check runs the engine's checks, turning a panic into an error, and counts
// findings.
func (s *Server) check(obj map[string]any) (fs []validate.Finding, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("engine panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			fs, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	if fs, err = s.opts.Engine.Check(context.Background(), obj); err != nil {
		return nil, err
	}
	for _, f := range fs {
		s.metrics.findings.WithLabelValues(f.Check, string(f.Severity)).Inc()
	}
	return fs, nil
}

// version is the module version built into the binary, for the start log.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Version
	}
	return "unknown"
}
