package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// referenceNamespace is where reference pods are created (dry run): the
// shipped namespaceSelector excludes it, so the API server stores what it is
// given, defaulted, without calling nativize.
const referenceNamespace = "nativize-system"

// proxyImage is a proxy image the default catalog knows.
const proxyImage = "docker.io/istio/proxyv2:1.28.0"

// classicPod is a pod with a classic Istio proxy in containers.
func classicPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "app", Image: "nginx"},
			{Name: "istio-proxy", Image: proxyImage},
		}},
	}
}

// stuckPod is a pod whose proxy is an init container without restartPolicy:
// Always: it would stay in Init forever (NS004) unless converted; optOut
// annotates it nativize.dev/convert: "false".
func stuckPod(name string, optOut bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			RestartPolicy:  corev1.RestartPolicyNever,
			InitContainers: []corev1.Container{{Name: "istio-proxy", Image: proxyImage}},
			Containers:     []corev1.Container{{Name: "app", Image: "nginx"}},
		},
	}
	if optOut {
		p.Annotations = map[string]string{"nativize.dev/convert": "false"}
	}
	return p
}

// readDocuments splits a YAML file into its non-empty documents, as JSON;
// duplicate keys are errors, as they are for the API server.
func readDocuments(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for i := 0; ; i++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		js, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue
		}
		docs = append(docs, js)
	}
}

// readObject decodes the document of path whose kind and name are given.
func readObject(t *testing.T, path, kind, name string, into any) {
	t.Helper()
	for _, d := range readDocuments(t, path) {
		var u unstructured.Unstructured
		if err := u.UnmarshalJSON(d); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if u.GetKind() == kind && u.GetName() == name {
			if err := json.Unmarshal(d, into); err != nil {
				t.Fatalf("%s: %s/%s: %v", path, kind, name, err)
			}
			return
		}
	}
	t.Fatalf("%s: no %s/%s", path, kind, name)
}

// templatePod is the pod a controller makes from template, before
// admission: its metadata's annotations and labels, its spec.
func templatePod(name string, template corev1.PodTemplateSpec) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: template.Annotations,
			Labels: template.Labels},
		Spec: *template.Spec.DeepCopy(),
	}
}

// nativizeMutate is `nativize mutate -f` of pod, decoded.
func (c *cluster) nativizeMutate(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out := c.run(t, pod, "mutate")
	var got corev1.Pod
	if err := yaml.UnmarshalStrict(out, &got); err != nil {
		t.Fatalf("nativize mutate output: %v\n%s", err, out)
	}
	return &got
}

// finding is one entry of `nativize check -o json`.
type finding struct {
	Check, Severity, Container, Message string
}

// nativizeCheck is the findings of `nativize check -o json` for pod.
func (c *cluster) nativizeCheck(t *testing.T, pod *corev1.Pod) []finding {
	t.Helper()
	out := c.run(t, pod, "check", "-o", "json", "--fail-on", "never")
	var report struct{ Findings []finding }
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("nativize check output: %v\n%s", err, out)
	}
	return report.Findings
}

// run is `nativize <args> -f FILE` with pod, with its kind set, in FILE.
func (c *cluster) run(t *testing.T, pod *corev1.Pod, args ...string) []byte {
	t.Helper()
	pod = pod.DeepCopy()
	pod.APIVersion, pod.Kind = "v1", "Pod"
	data, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(c.nativize, append(args, "-f", file)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("nativize %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// stored is pod as the API server stores it where nativize is never called
// (a dry run in referenceNamespace): the defaults and admission plugins
// applied, nothing converted.
func (c *cluster) stored(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	pod = pod.DeepCopy()
	pod.Namespace, pod.ResourceVersion, pod.UID = referenceNamespace, "", ""
	got, err := c.client.CoreV1().Pods(referenceNamespace).Create(context.Background(), pod,
		metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"})
	if err != nil {
		t.Fatalf("creating the reference pod %s: %v", pod.Name, err)
	}
	return got
}

// sameSpec fails unless got's spec and annotations equal want's, the
// ServiceAccount token volume's random name suffix aside.
func sameSpec(t *testing.T, what string, got, want *corev1.Pod) {
	t.Helper()
	g, w := comparable(got), comparable(want)
	if g != w {
		t.Errorf("%s: stored pod differs from the reference\n--- stored\n%s\n--- reference\n%s", what, g, w)
	}
}

// comparable is the pod's annotations and spec as YAML, with the
// ServiceAccount admission plugin's kube-api-access-XXXXX volume renamed
// kube-api-access (its suffix is random per pod).
func comparable(p *corev1.Pod) string {
	p = p.DeepCopy()
	rename := func(n *string) {
		if strings.HasPrefix(*n, "kube-api-access-") {
			*n = "kube-api-access"
		}
	}
	for i := range p.Spec.Volumes {
		rename(&p.Spec.Volumes[i].Name)
	}
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			for j := range cs[i].VolumeMounts {
				rename(&cs[i].VolumeMounts[j].Name)
			}
		}
	}
	out, err := yaml.Marshal(map[string]any{"annotations": p.Annotations, "spec": p.Spec})
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(out)
}

// nativeSidecar fails unless pod has name as an init container with
// restartPolicy: Always and not in containers.
func nativeSidecar(t *testing.T, pod *corev1.Pod, name string) {
	t.Helper()
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			t.Errorf("pod %s: %s is still in containers", pod.Name, name)
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
				t.Errorf("pod %s: init container %s has restartPolicy %v, want Always", pod.Name, name, c.RestartPolicy)
			}
			return
		}
	}
	t.Errorf("pod %s: no init container %s", pod.Name, name)
}

// classicSidecar fails unless pod still has name in containers.
func classicSidecar(t *testing.T, pod *corev1.Pod, name string) {
	t.Helper()
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return
		}
	}
	t.Errorf("pod %s: %s is not in containers any more", pod.Name, name)
}
