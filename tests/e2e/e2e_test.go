package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
)

var (
	examplesDir = filepath.Join(repoRoot, "examples")
	goldenDir   = filepath.Join(repoRoot, "pkg/mutate/testdata/golden")
)

// TestE2E runs every scenario against one control plane: starting it costs
// far more than all the scenarios together.
func TestE2E(t *testing.T) {
	c := startCluster(t)

	// First and alone: it counts the webhook's calls, which nothing else may
	// make meanwhile.
	t.Run("excluded namespaces are never sent to nativize", c.testExcludedNamespaces)

	t.Run("admission", func(t *testing.T) {
		t.Run("classic pod is stored as nativize mutate writes it", c.testClassicPod)
		t.Run("controllers", c.testControllers)
		t.Run("opt-outs", c.testOptOuts)
		t.Run("denial names the finding", c.testDenial)
		t.Run("findings are admission warnings", c.testWarnings)
		t.Run("examples and goldens are accepted", c.testManifests)
	})

	// Last: it stops the webhook.
	t.Run("webhook down: failurePolicy Ignore", c.testWebhookDown)
}

// testExcludedNamespaces: the shipped namespaceSelector keeps kube-system and
// nativize-system away from the webhook; a classic pod there is stored as
// given, and nativize sees no request at all.
func (c *cluster) testExcludedNamespaces(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []string{"kube-system", "nativize-system"} {
		t.Run(ns, func(t *testing.T) {
			c.namespace(t, ns)
			before := c.requests(t, ctx)
			pod := classicPod("classic")
			want := c.stored(t, pod)
			got, err := c.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err = c.client.CoreV1().Pods(ns).Get(ctx, got.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			classicSidecar(t, got, "istio-proxy")
			sameSpec(t, ns, got, want)
			if after := c.requests(t, ctx); after != before {
				t.Errorf("nativize was called: requests %+v before, %+v after", before, after)
			}
		})
	}
}

// testClassicPod: the Istio example (a pod as istioctl kube-inject writes it
// in classic mode) is stored exactly as the API server stores the output of
// `nativize mutate` for it.
func (c *cluster) testClassicPod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := c.namespace(t, "e2e-classic")
	var pod corev1.Pod
	readObject(t, filepath.Join(examplesDir, "istio-sleep.yaml"), "Pod", "sleep", &pod)
	pod.Namespace = ns
	want := c.stored(t, c.nativizeMutate(t, &pod))
	nativeSidecar(t, want, "istio-proxy") // the reference itself is converted

	if _, err := c.client.CoreV1().Pods(ns).Create(ctx, &pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nativeSidecar(t, got, "istio-proxy")
	sameSpec(t, "istio-sleep", got, want)
}

// testControllers: pods that the real Deployment, ReplicaSet, Job and
// CronJob controllers make from classic templates are stored converted, as
// `nativize mutate` converts a pod of that template; the workloads
// themselves keep their templates as written.
func (c *cluster) testControllers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("Deployment", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace(t, "e2e-deployment")
		var d appsv1.Deployment
		readObject(t, filepath.Join(goldenDir, "deployment-linkerd.in.yaml"), "Deployment", "web", &d)
		d.Namespace = ns
		created, err := c.client.AppsV1().Deployments(ns).Create(ctx, &d, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		classicTemplate(t, created.Spec.Template, "linkerd-proxy")
		pods := c.waitPods(t, ns, created.Spec.Selector.MatchLabels, int(*created.Spec.Replicas))
		c.convertedLikeCLI(t, pods, created.Spec.Template, "linkerd-proxy")
	})
	t.Run("Job", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace(t, "e2e-job")
		var j batchv1.Job
		readObject(t, filepath.Join(goldenDir, "job-istio.in.yaml"), "Job", "nightly-report", &j)
		j.Namespace = ns
		created, err := c.client.BatchV1().Jobs(ns).Create(ctx, &j, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		classicTemplate(t, created.Spec.Template, "istio-proxy")
		pods := c.waitPods(t, ns, map[string]string{batchv1.JobNameLabel: created.Name}, 1)
		c.convertedLikeCLI(t, pods, created.Spec.Template, "istio-proxy")
	})
	t.Run("CronJob", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace(t, "e2e-cronjob")
		var cj batchv1.CronJob
		readObject(t, filepath.Join(goldenDir, "cronjob-istio-cni.in.yaml"), "CronJob", "cleanup", &cj)
		cj.Namespace = ns
		cj.Spec.Schedule = "* * * * *" // the next minute, not 3 a.m.
		created, err := c.client.BatchV1().CronJobs(ns).Create(ctx, &cj, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		template := created.Spec.JobTemplate.Spec.Template
		classicTemplate(t, template, "istio-proxy")
		// The controller creates the Job at the next minute boundary.
		var job *batchv1.Job
		err = wait.PollUntilContextTimeout(ctx, time.Second, 150*time.Second, true, func(ctx context.Context) (bool, error) {
			jobs, err := c.client.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(jobs.Items) == 0 {
				return false, nil
			}
			job = &jobs.Items[0]
			return true, nil
		})
		if err != nil {
			t.Fatalf("the CronJob made no Job: %v", err)
		}
		if ref := metav1.GetControllerOf(job); ref == nil || ref.Kind != "CronJob" || ref.Name != created.Name {
			t.Fatalf("Job %s is not controlled by the CronJob: %v", job.Name, ref)
		}
		pods := c.waitPods(t, ns, map[string]string{batchv1.JobNameLabel: job.Name}, 1)
		c.convertedLikeCLI(t, pods, template, "istio-proxy")
	})
}

// classicTemplate fails unless the stored template still has proxy in
// containers: the webhook converts pods, never their controllers' templates.
func classicTemplate(t *testing.T, template corev1.PodTemplateSpec, proxy string) {
	t.Helper()
	classicSidecar(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "template"}, Spec: template.Spec}, proxy)
}

// waitPods waits for n pods matching selector in ns and returns them.
func (c *cluster) waitPods(t *testing.T, ns string, selector map[string]string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := c.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(selector).String()})
		if err != nil {
			return false, nil
		}
		pods = list.Items
		return len(pods) >= n, nil
	})
	if err != nil {
		t.Fatalf("%d pods of %d in %s with %v: %v", len(pods), n, ns, selector, err)
	}
	return pods
}

// convertedLikeCLI: each pod has proxy as a native sidecar and is stored
// as the API server stores `nativize mutate`'s output for a pod of template.
func (c *cluster) convertedLikeCLI(t *testing.T, pods []corev1.Pod, template corev1.PodTemplateSpec, proxy string) {
	t.Helper()
	want := c.stored(t, c.nativizeMutate(t, templatePod("reference", template)))
	for i := range pods {
		nativeSidecar(t, &pods[i], proxy)
		sameSpec(t, pods[i].Name, &pods[i], want)
	}
}

// testOptOuts: pods opted out with nativize.dev/convert: "false" or a mesh's
// own annotation (golden opt-outs) are stored as given, directly and through
// a Deployment.
func (c *cluster) testOptOuts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := c.namespace(t, "e2e-opt-outs")
	file := filepath.Join(goldenDir, "opt-outs.in.yaml")

	var pod corev1.Pod
	readObject(t, file, "Pod", "opted-out", &pod)
	if pod.Annotations["nativize.dev/convert"] != "false" {
		t.Fatalf("%s: Pod/opted-out is not opted out with nativize.dev/convert", file)
	}
	pod.Namespace = ns
	want := c.stored(t, &pod)
	if _, err := c.client.CoreV1().Pods(ns).Create(ctx, &pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	classicSidecar(t, got, "istio-proxy")
	sameSpec(t, "opted-out", got, want)

	for _, name := range []string{"mesh-opt-out", "native-opt-out"} {
		t.Run(name, func(t *testing.T) {
			var d appsv1.Deployment
			readObject(t, file, "Deployment", name, &d)
			d.Namespace = ns
			created, err := c.client.AppsV1().Deployments(ns).Create(ctx, &d, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := c.stored(t, templatePod("reference", created.Spec.Template))
			for _, p := range c.waitPods(t, ns, created.Spec.Selector.MatchLabels, int(*created.Spec.Replicas)) {
				classicSidecar(t, &p, "istio-proxy")
				sameSpec(t, p.Name, &p, want)
			}
		})
	}
}

// testDenial: the mutating webhook never rejects; what it cannot fix, the
// validating webhook denies with the finding `nativize check` reports, so
// kubectl shows the user what is wrong and where. Here: an opted-out pod
// (nativize leaves it alone) whose proxy is an init container without
// restartPolicy: Always would stay in Init forever (NS004). The same pod
// without the opt-out is converted and admitted.
func (c *cluster) testDenial(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := c.namespace(t, "e2e-denial")

	t.Run("opted out: denied", func(t *testing.T) {
		pod := stuckPod("stuck", true)
		var errors []finding
		for _, f := range c.nativizeCheck(t, pod) {
			if f.Severity == "error" {
				errors = append(errors, f)
			}
		}
		if len(errors) != 1 || errors[0].Check != "NS004" {
			t.Fatalf("nativize check: want one NS004 error, got %+v", errors)
		}
		_, err := c.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("create: want Forbidden, got %v", err)
		}
		// What kubectl prints: the webhook, then nativize's text, which
		// carries the finding's message (check, object, container, cause).
		prefix := `admission webhook "validate.nativize.dev" denied the request: nativize: `
		if msg := err.Error(); !strings.Contains(msg, prefix) || !strings.Contains(msg[strings.Index(msg, prefix)+len(prefix):], errors[0].Message) {
			t.Errorf("denial message\n got: %s\nwant: …%s…%s…", err, prefix, errors[0].Message)
		}
		if _, err := c.client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("the denied pod was stored (get: %v)", err)
		}
	})

	t.Run("not opted out: converted", func(t *testing.T) {
		pod := stuckPod("fixed", false)
		if _, err := c.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err := c.client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		nativeSidecar(t, got, "istio-proxy")
	})
}

// testWarnings: the validating webhook turns warning findings on the
// converted pod into admission warnings, which kubectl prints; they are the
// warnings `nativize check` reports for `nativize mutate`'s output.
func (c *cluster) testWarnings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := c.namespace(t, "e2e-warnings")
	client, collected := c.withWarnings()
	pod := classicPod("no-startup-probe")
	var want []finding
	for _, f := range c.nativizeCheck(t, c.nativizeMutate(t, pod)) {
		if f.Severity == "warning" {
			want = append(want, f)
		}
	}
	if len(want) == 0 {
		t.Fatal("nativize check reports no warning for the converted pod; the case tests nothing")
	}
	if _, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := collected.get()
	for _, f := range want {
		found := false
		for _, w := range got {
			found = found || strings.Contains(w, f.Message)
		}
		if !found {
			t.Errorf("no admission warning for %s %q; warnings: %q", f.Check, f.Message, got)
		}
	}
	checks := 0
	for _, w := range got {
		if strings.HasPrefix(w, "NS0") {
			checks++
		}
	}
	if checks != len(want) {
		t.Errorf("%d finding warnings, want %d: %q", checks, len(want), got)
	}
	t.Logf("warnings: %q", got)
}

// testWebhookDown: with nativize stopped, the shipped failurePolicy: Ignore
// lets pods through unchanged (a pod the validating webhook would deny
// included); once nativize is back on the same address, pods are converted
// again.
func (c *cluster) testWebhookDown(t *testing.T) {
	ctx := context.Background()
	ns := c.namespace(t, "e2e-down")
	addr := c.serve.Addr
	if err := c.serve.Stop(); err != nil {
		t.Logf("nativize serve stopped: %v", err)
	}

	pod := classicPod("while-down")
	want := c.stored(t, pod)
	start := time.Now()
	if _, err := c.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create with nativize down: %v", err)
	}
	t.Logf("create with the webhook down took %v", time.Since(start))
	got, err := c.client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	classicSidecar(t, got, "istio-proxy")
	sameSpec(t, pod.Name, got, want)

	// testDenial's pod, which the validating webhook denies while it runs.
	if _, err := c.client.CoreV1().Pods(ns).Create(ctx, stuckPod("stuck-while-down", true), metav1.CreateOptions{}); err != nil {
		t.Errorf("create of a pod nativize would deny, with nativize down: %v", err)
	}

	c.startServe(t, addr)
	pod = classicPod("back-up")
	if _, err := c.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create with nativize back: %v", err)
	}
	got, err = c.client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nativeSidecar(t, got, "istio-proxy")
}
