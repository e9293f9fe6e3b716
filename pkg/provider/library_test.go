package provider

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	edv1beta1 "github.com/open-policy-agent/frameworks/constraint/pkg/apis/externaldata/v1beta1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const libraryDir = "../../library/provider"

// manifests reads every document of library/provider, keyed by kind/name.
func manifests(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(libraryDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			var head struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal(doc, &head); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if head.Kind == "" {
				continue
			}
			out[head.Kind+"/"+head.Metadata.Name] = doc
		}
	}
	return out
}

// strict decodes a manifest into its typed API struct, refusing unknown
// fields (a typo in a field name fails here, not in the cluster).
func strict[T any](t *testing.T, docs map[string][]byte, key string) *T {
	t.Helper()
	doc, ok := docs[key]
	if !ok {
		t.Fatalf("library/provider lacks %s", key)
	}
	var v T
	if err := yaml.UnmarshalStrict(doc, &v); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return &v
}

func TestLibraryManifests(t *testing.T) {
	docs := manifests(t)
	dep := strict[appsv1.Deployment](t, docs, "Deployment/nativize")
	pdb := strict[policyv1.PodDisruptionBudget](t, docs, "PodDisruptionBudget/nativize")
	svc := strict[corev1.Service](t, docs, "Service/nativize")
	ns := strict[corev1.Namespace](t, docs, "Namespace/nativize-system")
	strict[corev1.ServiceAccount](t, docs, "ServiceAccount/nativize")
	mwc := strict[admissionregistrationv1.MutatingWebhookConfiguration](t, docs, "MutatingWebhookConfiguration/nativize")
	vwc := strict[admissionregistrationv1.ValidatingWebhookConfiguration](t, docs, "ValidatingWebhookConfiguration/nativize")
	prov := strict[edv1beta1.Provider](t, docs, "Provider/nativize")
	var cert struct {
		Metadata struct{ Name, Namespace string }
		Spec     struct {
			SecretName string   `json:"secretName"`
			DNSNames   []string `json:"dnsNames"`
		}
	}
	if err := yaml.Unmarshal(docs["Certificate/nativize-serving"], &cert); err != nil || cert.Spec.SecretName == "" {
		t.Fatalf("Certificate/nativize-serving: %v", err)
	}

	podLabels := labels.Set(dep.Spec.Template.Labels)
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	serviceDNS := svc.Name + "." + svc.Namespace + ".svc"
	checks := []manifestCheck{
		{"2 replicas", dep.Spec.Replicas != nil && *dep.Spec.Replicas == 2},
		{"everything in the namespace", dep.Namespace == ns.Name && svc.Namespace == ns.Name && pdb.Namespace == ns.Name && cert.Metadata.Namespace == ns.Name},
		{"PDB selects the pods", selects(t, pdb.Spec.Selector.MatchLabels, podLabels) && pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.IntValue() == 1},
		{"Service selects the pods", labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels)},
		{"Service targets declared ports", allPortsDeclared(svc, ports)},
		{"pod runs as non-root", pod.SecurityContext != nil && pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot},
		{"container non-root, read-only root FS, no escalation, no capabilities",
			c.SecurityContext != nil && *c.SecurityContext.RunAsNonRoot && *c.SecurityContext.ReadOnlyRootFilesystem &&
				!*c.SecurityContext.AllowPrivilegeEscalation && slices.Contains(c.SecurityContext.Capabilities.Drop, "ALL")},
		{"liveness, readiness and startup probes on a declared port",
			c.LivenessProbe != nil && c.ReadinessProbe != nil && c.StartupProbe != nil &&
				ports[c.LivenessProbe.HTTPGet.Port.String()] != 0 && ports[c.ReadinessProbe.HTTPGet.Port.String()] != 0 &&
				c.ReadinessProbe.HTTPGet.Path == "/readyz" && c.LivenessProbe.HTTPGet.Path == "/healthz"},
		{"serves with the mounted certificate", slices.Contains(c.Args, "--tls-cert=/certs/tls.crt") && slices.Contains(c.Args, "--tls-key=/certs/tls.key") &&
			len(c.VolumeMounts) == 1 && c.VolumeMounts[0].MountPath == "/certs" && pod.Volumes[0].Secret.SecretName == cert.Spec.SecretName},
		{"grace period covers drain and shutdown", pod.TerminationGracePeriodSeconds != nil && *pod.TerminationGracePeriodSeconds >= 30},
		{"certificate names the Service", slices.Contains(cert.Spec.DNSNames, serviceDNS)},
		{"Provider URL is the Service", prov.Spec.URL == "https://"+serviceDNS+":443/externaldata"},
		{"Provider timeout set", prov.Spec.Timeout > 0},
		{"Provider caBundle is base64", prov.Spec.CABundle != ""},
	}
	for _, wh := range mwc.Webhooks {
		checks = append(checks,
			manifestCheck{"mutating: failurePolicy Ignore", wh.FailurePolicy != nil && *wh.FailurePolicy == admissionregistrationv1.Ignore},
			manifestCheck{"mutating: reinvocation IfNeeded", wh.ReinvocationPolicy != nil && *wh.ReinvocationPolicy == admissionregistrationv1.IfNeededReinvocationPolicy},
			manifestCheck{"mutating: webhook " + wh.Name, webhookOK(t, wh.ClientConfig, wh.SideEffects, wh.NamespaceSelector, wh.AdmissionReviewVersions, svc, ns.Name, "/mutate")})
	}
	for _, wh := range vwc.Webhooks {
		checks = append(checks, manifestCheck{"validating: webhook " + wh.Name, webhookOK(t, wh.ClientConfig, wh.SideEffects, wh.NamespaceSelector, wh.AdmissionReviewVersions, svc, ns.Name, "/validate")})
	}
	for _, obj := range []map[string]string{mwc.Annotations, vwc.Annotations} {
		checks = append(checks, manifestCheck{"CA injected from the serving Certificate", obj["cert-manager.io/inject-ca-from"] == cert.Metadata.Namespace+"/"+cert.Metadata.Name})
	}
	for _, ck := range checks {
		if !ck.ok {
			t.Errorf("library/provider: %s: not so", ck.name)
		}
	}
}

// manifestCheck is one property the manifests must have.
type manifestCheck struct {
	name string
	ok   bool
}

// webhookOK checks what both webhook kinds share.
func webhookOK(t *testing.T, cc admissionregistrationv1.WebhookClientConfig, se *admissionregistrationv1.SideEffectClass,
	nsSel *metav1.LabelSelector, versions []string, svc *corev1.Service, ownNS, path string) bool {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(nsSel)
	if err != nil {
		t.Fatal(err)
	}
	nsLabels := func(name string) labels.Set { return labels.Set{"kubernetes.io/metadata.name": name} }
	ok := cc.Service != nil && cc.Service.Name == svc.Name && cc.Service.Namespace == svc.Namespace &&
		cc.Service.Path != nil && *cc.Service.Path == path &&
		se != nil && *se == admissionregistrationv1.SideEffectClassNone &&
		slices.Equal(versions, []string{"v1"}) &&
		!sel.Matches(nsLabels("kube-system")) && !sel.Matches(nsLabels(ownNS)) && sel.Matches(nsLabels("shop"))
	// The path is one the server routes.
	u, _ := url.Parse("https://x" + path)
	return ok && slices.Contains([]string{"/mutate", "/validate"}, u.Path)
}

func selects(t *testing.T, sel map[string]string, podLabels labels.Set) bool {
	t.Helper()
	return len(sel) > 0 && labels.SelectorFromSet(sel).Matches(podLabels)
}

func allPortsDeclared(svc *corev1.Service, ports map[string]int32) bool {
	for _, p := range svc.Spec.Ports {
		if ports[p.TargetPort.String()] == 0 {
			return false
		}
	}
	return len(svc.Spec.Ports) > 0
}

// TestLibraryKustomization: the kustomization lists every manifest but the
// constraint (applied after its template's CRD exists), and nothing else.
func TestLibraryKustomization(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(libraryDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.UnmarshalStrict(raw, &k); err != nil && !strings.Contains(err.Error(), "unknown field") {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(libraryDir, "*.yaml"))
	var want []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" && b != "constraint.yaml" {
			want = append(want, b)
		}
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("kustomization resources %v, want %v", got, want)
	}
}
