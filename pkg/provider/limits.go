package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// apiFunc answers one decoded-size-checked request body with a status code
// and a value to send as JSON.
type apiFunc func(ctx context.Context, body []byte) (status int, reply any)

// errorReply is the JSON body of a request the server refuses.
type errorReply struct {
	Error string `json:"error"`
}

// refusal is a request the server refuses before it reaches an endpoint.
type refusal struct {
	status int
	reason string // metric label
	msg    string
}

// api wraps an endpoint with the limits every POST endpoint shares: method,
// content type, bounded concurrency, body cap, panic recovery, metrics and
// one structured log line.
func (s *Server) api(name string, fn apiFunc, refuse func(msg string) any) http.Handler {
	if refuse == nil {
		refuse = func(msg string) any { return errorReply{Error: msg} }
	}
	return s.instrument(name, func(w http.ResponseWriter, r *http.Request) int {
		if rf := s.admit(r); rf != nil {
			if rf.status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", http.MethodPost)
			}
			if rf.status == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", "1")
			}
			s.metrics.errors.WithLabelValues(name, rf.reason).Inc()
			return writeJSON(w, rf.status, refuse(rf.msg))
		}
		release, rf := s.acquire(r.Context())
		if rf != nil {
			w.Header().Set("Retry-After", "1")
			s.metrics.errors.WithLabelValues(name, rf.reason).Inc()
			return writeJSON(w, rf.status, refuse(rf.msg))
		}
		defer release()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				s.metrics.errors.WithLabelValues(name, "too_large").Inc()
				return writeJSON(w, http.StatusRequestEntityTooLarge,
					refuse(fmt.Sprintf("request body exceeds %d bytes", s.opts.MaxBodyBytes)))
			}
			s.metrics.errors.WithLabelValues(name, "bad_request").Inc()
			return writeJSON(w, http.StatusBadRequest, refuse("reading request body: "+err.Error()))
		}
		status, reply := s.safely(name, r.Context(), fn, body, refuse)
		return writeJSON(w, status, reply)
	})
}

// admit checks what can be checked before reading the body.
func (s *Server) admit(r *http.Request) *refusal {
	if r.Method != http.MethodPost {
		return &refusal{http.StatusMethodNotAllowed, "bad_request", "method " + r.Method + " not allowed, use POST"}
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &refusal{http.StatusUnsupportedMediaType, "bad_request",
			fmt.Sprintf("content type %q not supported, use application/json", ct)}
	}
	if r.ContentLength > s.opts.MaxBodyBytes {
		return &refusal{http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("request body of %d bytes exceeds %d bytes", r.ContentLength, s.opts.MaxBodyBytes)}
	}
	return nil
}

// acquire takes one of MaxInFlight slots, waiting at most QueueWait; a
// request that finds the server saturated that long is answered 503.
func (s *Server) acquire(ctx context.Context) (func(), *refusal) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	default:
	}
	t := time.NewTimer(s.opts.QueueWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-t.C:
		return nil, &refusal{http.StatusServiceUnavailable, "busy", "server busy, retry"}
	case <-ctx.Done():
		return nil, &refusal{http.StatusServiceUnavailable, "busy", "request cancelled while queued"}
	}
}

// safely runs fn and turns a panic into a 500, so that one bad request never
// takes the server down.
func (s *Server) safely(name string, ctx context.Context, fn apiFunc, body []byte, refuse func(string) any) (status int, reply any) {
	defer func() {
		if p := recover(); p != nil {
			s.metrics.errors.WithLabelValues(name, "panic").Inc()
			s.log.Error("handler panic", "endpoint", name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			status, reply = http.StatusInternalServerError, refuse("internal error")
		}
	}()
	return fn(ctx, body)
}

// instrument counts and times every request and logs it once.
func (s *Server) instrument(name string, h func(http.ResponseWriter, *http.Request) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		status := h(w, r)
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(name, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(name).Observe(d.Seconds())
		level := slog.LevelDebug
		if status >= 400 {
			level = slog.LevelInfo
		}
		s.log.Log(r.Context(), level, "request", "endpoint", name, "method", r.Method,
			"status", status, "duration_ms", float64(d.Microseconds())/1000, "remote", r.RemoteAddr,
			"bytes_in", r.ContentLength)
	})
}

// writeJSON sends v as JSON with status and returns status.
func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"encoding the reply failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return status
}
