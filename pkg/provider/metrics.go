package provider

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series, on a private registry so that
// two servers in one process (tests) never collide.
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec   // endpoint, code
	latency    *prometheus.HistogramVec // endpoint
	inFlight   prometheus.Gauge
	findings   *prometheus.CounterVec // check, severity
	patches    *prometheus.CounterVec // endpoint
	patchOps   *prometheus.CounterVec // endpoint
	errors     *prometheus.CounterVec // endpoint, reason
	tlsReloads prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nativize_provider_requests_total",
			Help: "HTTP requests served, by endpoint and status code.",
		}, []string{"endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nativize_provider_request_duration_seconds",
			Help:    "Time to answer a request, by endpoint.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nativize_provider_in_flight_requests",
			Help: "Requests being processed now.",
		}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nativize_provider_findings_total",
			Help: "Findings reported, by check id and severity.",
		}, []string{"check", "severity"}),
		patches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nativize_provider_patches_total",
			Help: "Non-empty conversion patches returned (dry runs excluded), by endpoint.",
		}, []string{"endpoint"}),
		patchOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nativize_provider_patch_operations_total",
			Help: "JSON patch operations returned (dry runs excluded), by endpoint.",
		}, []string{"endpoint"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nativize_provider_errors_total",
			Help: "Errors, by endpoint and reason (bad_request, too_large, busy, engine, panic, item).",
		}, []string{"endpoint", "reason"}),
		tlsReloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nativize_provider_tls_reloads_total",
			Help: "Times the TLS certificate files were loaded.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.findings, m.patches,
		m.patchOps, m.errors, m.tlsReloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
