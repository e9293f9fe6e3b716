package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/provider"
)

func init() {
	register(command{name: "serve", summary: "run the Gatekeeper external data provider and admission webhook", usage: serveUsage,
		flags: func(fs *pflag.FlagSet) runFunc {
			p := &serveParams{}
			p.register(fs)
			return p.run
		}})
}

const serveUsage = `Serve the conversion and the checks over HTTPS (TLS 1.3 only):

  POST /externaldata  Gatekeeper external data: each key a JSON-encoded object,
                      each value {"findings": [...], "patch": [...]}
  POST /mutate        AdmissionReview v1 -> JSON patch (always allowed)
  POST /validate      AdmissionReview v1 -> denied on error findings
  GET  /healthz /readyz /metrics   (also on --health-addr, plain HTTP)

Certificates are reloaded when the files change. SIGTERM drains and stops.

Usage:
  nativize serve --tls-cert F --tls-key F [--client-ca F] [--addr HOST:PORT]
                 [--config F] [--kube-version V]

Examples:
  nativize serve --tls-cert /certs/tls.crt --tls-key /certs/tls.key
  nativize serve --tls-cert tls.crt --tls-key tls.key --client-ca gatekeeper-ca.crt
`

// serveParams are the parsed flags of `nativize serve`.
type serveParams struct {
	addr, healthAddr    string
	config, kubeVersion string
	logLevel            string
	opts                provider.Options
}

func (p *serveParams) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.addr, "addr", ":8443", "HTTPS listen address")
	fs.StringVar(&p.healthAddr, "health-addr", ":8081", `plain-HTTP address for /healthz, /readyz and /metrics ("" disables)`)
	fs.StringVar(&p.opts.CertFile, "tls-cert", "", "PEM server certificate (chain); reloaded on change")
	fs.StringVar(&p.opts.KeyFile, "tls-key", "", "PEM server private key; reloaded on change")
	fs.StringVar(&p.opts.ClientCAFile, "client-ca", "", "PEM CA bundle; when set, client certificates are required and verified")
	fs.StringVar(&p.config, "config", "", "catalog/config file replacing the embedded default")
	fs.StringVar(&p.kubeVersion, "kube-version", "", "target Kubernetes version (below 1.28 is refused)")
	fs.Int64Var(&p.opts.MaxBodyBytes, "max-body-bytes", provider.DefaultMaxBodyBytes, "request body cap; larger bodies get 413")
	fs.IntVar(&p.opts.MaxInFlight, "max-in-flight", provider.DefaultMaxInFlight, "requests processed at once")
	fs.DurationVar(&p.opts.QueueWait, "queue-wait", provider.DefaultQueueWait, "how long a request waits for a free slot before a 503")
	fs.IntVar(&p.opts.MaxKeys, "max-keys", provider.DefaultMaxKeys, "keys per external data request")
	fs.DurationVar(&p.opts.ReadHeaderTimeout, "read-header-timeout", provider.DefaultReadHeaderTimeout, "time to read request headers")
	fs.DurationVar(&p.opts.ReadTimeout, "read-timeout", provider.DefaultReadTimeout, "time to read a whole request")
	fs.DurationVar(&p.opts.WriteTimeout, "write-timeout", provider.DefaultWriteTimeout, "time to write a response")
	fs.DurationVar(&p.opts.IdleTimeout, "idle-timeout", provider.DefaultIdleTimeout, "keep-alive idle timeout")
	fs.DurationVar(&p.opts.DrainDelay, "drain-delay", 0, "after SIGTERM, keep serving with /readyz failing this long")
	fs.DurationVar(&p.opts.ShutdownTimeout, "shutdown-timeout", provider.DefaultShutdownTimeout, "time to finish in-flight requests on shutdown")
	fs.DurationVar(&p.opts.ReloadInterval, "reload-interval", provider.DefaultReloadInterval, "how often the TLS files are checked for change")
	fs.StringVar(&p.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	enumFlag(fs, "log-level", "debug", "info", "warn", "error")
}

// run serves until SIGTERM or an interrupt.
func (p *serveParams) run(ctx context.Context, fs *pflag.FlagSet, s streams) int {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	return p.serve(ctx, fs, s)
}

// serve runs the server until ctx ends; the exit code is 2 for bad flags or
// configuration, 1 when serving fails.
func (p *serveParams) serve(ctx context.Context, fs *pflag.FlagSet, s streams) int {
	if fs.NArg() > 0 {
		fmt.Fprintf(s.Err, "nativize serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(p.logLevel)); err != nil {
		fmt.Fprintf(s.Err, "nativize serve: --log-level: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(s.Err, &slog.HandlerOptions{Level: level})).With("component", "nativize-serve")
	p.opts.Logger = log
	if err := p.engines(); err != nil {
		fmt.Fprintf(s.Err, "nativize serve: %v\n", err)
		return 2
	}
	srv, err := provider.New(p.opts)
	if err != nil {
		fmt.Fprintf(s.Err, "nativize serve: %v\n", err)
		return 2
	}
	start := time.Now()
	if err := srv.ListenAndServe(ctx, p.addr, p.healthAddr); err != nil {
		log.Error("server failed", "error", err.Error(), "uptime", time.Since(start).String())
		return 1
	}
	return 0
}

// engines builds the conversion engine and the checker from --config and
// --kube-version.
func (p *serveParams) engines() error {
	if _, err := mutate.TargetVersion(p.kubeVersion); err != nil {
		return err // a webhook that cannot convert is refused at start
	}
	in := inputFlags{config: p.config, kubeVersion: p.kubeVersion}
	e, err := in.newEngine()
	if err != nil {
		return err
	}
	for _, w := range e.Warnings() {
		p.opts.Logger.Warn(w)
	}
	p.opts.Engine = e
	return nil
}
