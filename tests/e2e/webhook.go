package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Webhooks are the two configurations of library/provider/webhooks.yaml.
type Webhooks struct {
	Mutating   *admissionregistrationv1.MutatingWebhookConfiguration
	Validating *admissionregistrationv1.ValidatingWebhookConfiguration
}

// LoadWebhooks decodes webhooks.yaml strictly (an unknown field is an
// error, as it is for `kubectl apply` with server-side field validation).
func LoadWebhooks(path string) (*Webhooks, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var w Webhooks
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch meta.Kind {
		case "MutatingWebhookConfiguration":
			w.Mutating = &admissionregistrationv1.MutatingWebhookConfiguration{}
			err = yaml.UnmarshalStrict(doc, w.Mutating)
		case "ValidatingWebhookConfiguration":
			w.Validating = &admissionregistrationv1.ValidatingWebhookConfiguration{}
			err = yaml.UnmarshalStrict(doc, w.Validating)
		case "":
			continue
		default:
			err = fmt.Errorf("unexpected kind %q", meta.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, meta.Kind, err)
		}
	}
	if w.Mutating == nil || w.Validating == nil {
		return nil, fmt.Errorf("%s: want one MutatingWebhookConfiguration and one ValidatingWebhookConfiguration", path)
	}
	return &w, nil
}

// PointAt fills in caBundle, as cert-manager's CA injector does in a
// cluster, and replaces each service reference by a URL on hostPort with the
// service's path. The API server resolves a service to its ClusterIP, which
// only kube-proxy makes reachable, and Endpoints may not hold a loopback
// address; a URL is the one way to reach a webhook on 127.0.0.1. Everything
// else (rules, namespaceSelector, failurePolicy, timeouts, …) stays as
// shipped.
func (w *Webhooks) PointAt(hostPort string, caBundle []byte) error {
	point := func(name string, c *admissionregistrationv1.WebhookClientConfig) error {
		if c.Service == nil || c.Service.Path == nil {
			return fmt.Errorf("webhook %s: want a service clientConfig with a path", name)
		}
		u := "https://" + hostPort + *c.Service.Path
		c.URL, c.Service, c.CABundle = &u, nil, caBundle
		return nil
	}
	for i := range w.Mutating.Webhooks {
		if err := point(w.Mutating.Webhooks[i].Name, &w.Mutating.Webhooks[i].ClientConfig); err != nil {
			return err
		}
	}
	for i := range w.Validating.Webhooks {
		if err := point(w.Validating.Webhooks[i].Name, &w.Validating.Webhooks[i].ClientConfig); err != nil {
			return err
		}
	}
	return nil
}

// Serve is a running `nativize serve` process.
type Serve struct {
	cmd     *exec.Cmd
	done    chan error
	log     *bytes.Buffer
	stop    sync.Once
	stopErr error
	// Addr is the HTTPS address, HealthAddr the plain-HTTP one.
	Addr, HealthAddr string
}

// StartServe runs `bin serve` with the certificate files on addr and
// healthAddr and waits until /readyz answers 200.
func StartServe(bin, certFile, keyFile, addr, healthAddr string) (*Serve, error) {
	s := &Serve{done: make(chan error, 1), log: &bytes.Buffer{}, Addr: addr, HealthAddr: healthAddr}
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--health-addr", healthAddr,
		"--tls-cert", certFile, "--tls-key", keyFile, "--log-level", "debug")
	s.cmd.Stdout, s.cmd.Stderr = &lockedWriter{w: s.log}, &lockedWriter{w: s.log}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err // for Stop
			return nil, fmt.Errorf("nativize serve exited: %v\n%s", err, s.Log())
		default:
		}
		resp, err := http.Get("http://" + healthAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("nativize serve not ready after 30s\n%s", s.Log())
}

// Pid is the process id.
func (s *Serve) Pid() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM and waits for the process to end; later calls return
// the first one's result.
func (s *Serve) Stop() error {
	s.stop.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case s.stopErr = <-s.done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			s.stopErr = fmt.Errorf("nativize serve did not stop on SIGTERM: %v", <-s.done)
		}
	})
	return s.stopErr
}

// Log is what the process wrote so far.
func (s *Serve) Log() string {
	s.cmd.Stdout.(*lockedWriter).mu.Lock()
	defer s.cmd.Stdout.(*lockedWriter).mu.Unlock()
	return s.log.String()
}

// Requests is nativize_provider_requests_total summed over the series whose
// labels contain endpoint="<endpoint>", read from /metrics.
func (s *Serve) Requests(ctx context.Context, endpoint string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.HealthAddr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var total float64
	sc := bufio.NewScanner(resp.Body)
	want := fmt.Sprintf("endpoint=%q", endpoint)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "nativize_provider_requests_total{") || !strings.Contains(line, want) {
			continue
		}
		var v float64
		if _, err := fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%g", &v); err != nil {
			return 0, fmt.Errorf("metrics line %q: %w", line, err)
		}
		total += v
	}
	return total, sc.Err()
}

// lockedWriter serialises writes from the process's two pipes.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
