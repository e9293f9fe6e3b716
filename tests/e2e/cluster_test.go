package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/klog/v2"
	kubeapiservertesting "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"
)

// repoRoot is the nativize checkout this module lives in.
const repoRoot = "../.."

// cluster is the control plane and the webhook the tests share.
type cluster struct {
	config  *rest.Config
	client  kubernetes.Interface
	dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	// nativize is the CLI binary; serve the webhook process.
	nativize string
	serve    *Serve
	certs    *ServingCerts
	certFile string
	keyFile  string
}

// startCluster starts etcd, kube-apiserver, the controllers and
// `nativize serve`, applies the shipped webhooks pointed at it, and logs how
// long each took and the memory in use. Everything stops when t ends.
func startCluster(t *testing.T) *cluster { return startClusterWith(t, true) }

// startClusterWith is startCluster, without nativize serve and its
// webhooks unless webhook: the admission policies' tests run alone.
func startClusterWith(t *testing.T, webhook bool) *cluster {
	t.Helper()
	quietKlog(t)
	c := &cluster{nativize: nativizeBinary(t)}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		if t.Failed() {
			cancel()
		}
	}()

	timings := []string{}
	phase := func(name string, start time.Time) {
		timings = append(timings, fmt.Sprintf("%s %.1fs", name, time.Since(start).Seconds()))
	}
	begin := time.Now()

	start := time.Now()
	etcd, err := StartEtcd(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)
	phase("etcd", start)

	start = time.Now()
	opts := kubeapiservertesting.NewDefaultTestServerOptions()
	opts.DisableInvariantChecks = true
	api, err := kubeapiservertesting.StartTestServer(t, opts, nil, etcd.StorageConfig("/registry"))
	if err != nil {
		t.Fatalf("starting kube-apiserver: %v", err)
	}
	t.Cleanup(api.TearDownFn)
	phase("kube-apiserver", start)
	c.config = rest.CopyConfig(api.ClientConfig)
	c.client = kubernetes.NewForConfigOrDie(c.config)
	c.dynamic = dynamic.NewForConfigOrDie(c.config)
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(c.config)))

	start = time.Now()
	if err := StartControllers(ctx, api.ClientConfig); err != nil {
		t.Fatalf("starting the controllers: %v", err)
	}
	t.Cleanup(cancel) // before the API server stops (cleanups run last first)
	phase("controllers", start)

	if !webhook {
		c.namespace(t, referenceNamespace)
		t.Logf("control plane up in %.1fs (%s), no webhook", time.Since(begin).Seconds(), strings.Join(timings, ", "))
		return c
	}

	start = time.Now()
	c.certs, err = MintServingCerts()
	if err != nil {
		t.Fatal(err)
	}
	c.certFile, c.keyFile, err = c.certs.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c.startServe(t, "")
	phase("nativize serve", start)

	start = time.Now()
	c.applyWebhooks(t, ctx)
	phase("webhooks ready", start)
	c.namespace(t, referenceNamespace)

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("control plane up in %.1fs (%s); test process RSS %s, Go heap in use %d MiB; nativize serve RSS %s",
		time.Since(begin).Seconds(), strings.Join(timings, ", "), rss("self"), ms.HeapInuse>>20, rss(strconv.Itoa(c.serve.Pid())))
	return c
}

// startServe starts `nativize serve` on addr (a free port when "") and
// stops it when the test ends.
func (c *cluster) startServe(t *testing.T, addr string) {
	t.Helper()
	if addr == "" {
		addr = freeAddr(t)
	}
	s, err := StartServe(c.nativize, c.certFile, c.keyFile, addr, freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	c.serve = s
	t.Cleanup(func() {
		_ = s.Stop()
		if t.Failed() {
			t.Logf("nativize serve log:\n%s", s.Log())
		}
	})
}

// applyWebhooks creates the configurations of library/provider/webhooks.yaml
// (as `kubectl apply` would, with the caBundle cert-manager would inject and
// a URL for the service reference, see PointAt), then waits until the API
// server calls them: webhook configurations take effect asynchronously.
func (c *cluster) applyWebhooks(t *testing.T, ctx context.Context) {
	t.Helper()
	w, err := LoadWebhooks(filepath.Join(repoRoot, "library/provider/webhooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.PointAt(c.serve.Addr, c.certs.CA); err != nil {
		t.Fatal(err)
	}
	if _, err := c.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, w.Mutating, metav1.CreateOptions{FieldValidation: "Strict"}); err != nil {
		t.Fatalf("creating the MutatingWebhookConfiguration: %v", err)
	}
	if _, err := c.client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, w.Validating, metav1.CreateOptions{FieldValidation: "Strict"}); err != nil {
		t.Fatalf("creating the ValidatingWebhookConfiguration: %v", err)
	}
	// Both endpoints must have been called for a probe pod (dry run, so
	// nothing is stored) before the tests start.
	ns := c.namespace(t, "e2e-webhook-probe")
	probe := classicPod("probe")
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		before := c.requests(t, ctx)
		if _, err := c.client.CoreV1().Pods(ns).Create(ctx, probe.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			return false, nil
		}
		after := c.requests(t, ctx)
		return after.mutate > before.mutate && after.validate > before.validate, nil
	})
	if err != nil {
		t.Fatalf("the API server never called both webhooks: %v\n%s", err, c.serve.Log())
	}
}

// calls are the admission requests nativize served so far, by endpoint.
type calls struct{ mutate, validate float64 }

func (c *cluster) requests(t *testing.T, ctx context.Context) calls {
	t.Helper()
	m, err := c.serve.Requests(ctx, "mutate")
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.serve.Requests(ctx, "validate")
	if err != nil {
		t.Fatal(err)
	}
	return calls{m, v}
}

// namespace creates a namespace named name (once) and waits for its default
// ServiceAccount, without which no pod can be created.
func (c *cluster) namespace(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	if name != "kube-system" && name != "default" {
		_, err := c.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("creating namespace %s: %v", name, err)
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := c.client.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("namespace %s: no default ServiceAccount: %v", name, err)
	}
	return name
}

// withWarnings is a client whose API server warnings (the Warning headers
// admission webhooks fill) are collected.
func (c *cluster) withWarnings() (kubernetes.Interface, *warnings) {
	w := &warnings{}
	cfg := rest.CopyConfig(c.config)
	cfg.WarningHandler = w
	return kubernetes.NewForConfigOrDie(cfg), w
}

// warnings collects warning headers, as kubectl prints them.
type warnings struct {
	mu   sync.Mutex
	list []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (w *warnings) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.list...)
}

// nativizeBinary returns the nativize CLI: $NATIVIZE when set (make passes
// the one `make build` made), else a fresh build of ../../cmd/nativize.
func nativizeBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("NATIVIZE"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "nativize")
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", bin, "./cmd/nativize")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building nativize: %v\n%s", err, out)
	}
	return bin
}

// freeAddr is 127.0.0.1:PORT for a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", p)
}

// rss is VmRSS of /proc/<pid>/status ("self" for this process).
func rss(pid string) string {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(l, "VmRSS:")), " ")
		}
	}
	return "?"
}

// quietKlog sends the control plane's log to a file instead of the test
// output; the file's tail is printed when the test fails, and
// E2E_KLOG=stderr keeps it on stderr.
func quietKlog(t *testing.T) {
	t.Helper()
	if os.Getenv("E2E_KLOG") == "stderr" {
		return
	}
	f, err := os.CreateTemp("", "nativize-e2e-klog-*.log")
	if err != nil {
		t.Fatal(err)
	}
	klog.LogToStderr(false)
	klog.SetOutput(f)
	t.Cleanup(func() {
		klog.Flush()
		f.Close()
		if !t.Failed() {
			os.Remove(f.Name())
			return
		}
		data, _ := os.ReadFile(f.Name())
		lines := strings.Split(string(data), "\n")
		if len(lines) > 60 {
			lines = lines[len(lines)-60:]
		}
		t.Logf("control plane log %s (last lines):\n%s", f.Name(), strings.Join(lines, "\n"))
	})
}
