package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/frameworks/constraint/pkg/apis/externaldata/unversioned"
	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/util"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/yaml"
)

// gatekeeperClient is Gatekeeper's policy engine (frameworks/constraint
// client, rego driver, Gatekeeper's admission target) with external data
// enabled against the Provider spec, presenting a client certificate (when
// clientCert is set) as the Gatekeeper pods do, and library/provider's
// template and constraint loaded.
func gatekeeperClient(t *testing.T, spec unversioned.ProviderSpec, clientCert, clientKey string, minSeverity string) *constraintclient.Client {
	t.Helper()
	cache := externaldata.NewCache()
	// Gatekeeper's HTTP client cache is process-wide, keyed by provider
	// name, and rebuilt when the spec changes.
	if err := cache.Upsert(&unversioned.Provider{ObjectMeta: objectMeta("nativize"), Spec: spec}); err != nil {
		t.Fatalf("provider: %v", err)
	}
	args := []rego.Arg{rego.AddExternalDataProviderCache(cache)}
	if clientCert != "" {
		watcher, err := certwatcher.New(clientCert, clientKey)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, rego.EnableExternalDataClientAuth(), rego.AddExternalDataClientCertWatcher(watcher))
	}
	driver, err := rego.New(args...)
	if err != nil {
		t.Fatal(err)
	}
	client, err := constraintclient.NewClient(constraintclient.Targets(&target.K8sValidationTarget{}),
		constraintclient.Driver(driver), constraintclient.EnforcementPoints(util.GatorEnforcementPoint))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.AddTemplate(ctx, loadTemplate(t)); err != nil {
		t.Fatalf("AddTemplate: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(libraryDir, "constraint.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	constraint := &unstructured.Unstructured{Object: c}
	if minSeverity != "" {
		if err := unstructured.SetNestedField(constraint.Object, minSeverity, "spec", "parameters", "minSeverity"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.AddConstraint(ctx, constraint); err != nil {
		t.Fatalf("AddConstraint: %v", err)
	}
	return client
}

// loadTemplate reads library/provider/constrainttemplate.yaml into the
// frameworks' versionless type, as Gatekeeper does.
func loadTemplate(t *testing.T) *templates.ConstraintTemplate {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(libraryDir, "constrainttemplate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var u unstructured.Unstructured
	if err := u.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	obj, err := scheme.New(u.GroupVersionKind())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, obj); err != nil {
		t.Fatal(err)
	}
	v, ok := obj.(interface {
		ToVersionless() (*templates.ConstraintTemplate, error)
	})
	if !ok {
		t.Fatalf("cannot convert %T", obj)
	}
	ct, err := v.ToVersionless()
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// gkReview evaluates obj (JSON) and returns the violation messages.
func gkReview(t *testing.T, client *constraintclient.Client, obj []byte) []string {
	t.Helper()
	var u unstructured.Unstructured
	if err := u.UnmarshalJSON(obj); err != nil {
		t.Fatal(err)
	}
	resp, err := client.Review(context.Background(),
		target.AugmentedUnstructured{Object: u, Source: mutationtypes.SourceTypeOriginal},
		reviews.EnforcementPoint(util.GatorEnforcementPoint))
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	var msgs []string
	for _, r := range resp.Results() {
		msgs = append(msgs, r.Msg)
	}
	return msgs
}

// TestConstraintTemplateExternalData runs library/provider's
// ConstraintTemplate in Gatekeeper's engine: its external_data call goes over
// mutual TLS to a real server, and the findings come back as violations.
func TestConstraintTemplateExternalData(t *testing.T) {
	gatekeeperCA := newCA(t, "gatekeeper-webhook-ca")
	ts := startServer(t, withClientCA(t, gatekeeperCA))
	dir := t.TempDir()
	cp, kp := gatekeeperCA.issue(t, "gatekeeper-webhook-service.gatekeeper-system.svc", 9, false)
	writeFile(t, filepath.Join(dir, "client.crt"), cp)
	writeFile(t, filepath.Join(dir, "client.key"), kp)
	spec := unversioned.ProviderSpec{URL: ts.url + "/externaldata", Timeout: 10, CABundle: base64.StdEncoding.EncodeToString(ts.ca.pem)}

	tests := []struct {
		name        string
		minSeverity string
		obj         []byte
		want        []string // substrings, one violation each
	}{
		{"job with a classic proxy", "", istioPod(t, "Job"), []string{"NS001 error (container istio-proxy)"}},
		{"pod with a classic proxy, errors only", "", istioPod(t, "Pod"), nil},
		{"pod with a classic proxy, warnings too", "warning", istioPod(t, "Pod"), []string{"NS001 warning (container istio-proxy)"}},
		{"plain pod", "info", []byte(plainPod), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := gatekeeperClient(t, spec, filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"), tc.minSeverity)
			got := gkReview(t, client, tc.obj)
			if len(got) != len(tc.want) {
				t.Fatalf("violations %q, want %d like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %q lacks %q", got[i], w)
				}
			}
		})
	}

	t.Run("provider refuses the client", func(t *testing.T) {
		stranger := newCA(t, "stranger")
		sp, sk := stranger.issue(t, "intruder", 3, false)
		writeFile(t, filepath.Join(dir, "stranger.crt"), sp)
		writeFile(t, filepath.Join(dir, "stranger.key"), sk)
		spec := spec
		spec.Timeout = 11 // another spec: Gatekeeper builds a new HTTP client
		client := gatekeeperClient(t, spec, filepath.Join(dir, "stranger.crt"), filepath.Join(dir, "stranger.key"), "")
		got := gkReview(t, client, []byte(plainPod))
		if len(got) != 1 || !strings.Contains(got[0], "nativize provider: system error") {
			t.Fatalf("violations %q, want the provider failure reported", got)
		}
	})
}

func objectMeta(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }

// TestLoopback: the in-process loopback provider answers Gatekeeper's engine
// running library/provider's template, as `nativize check --engine
// gatekeeper` uses it.
func TestLoopback(t *testing.T) {
	lb, err := StartLoopback(engines(t))
	if err != nil {
		t.Fatal(err)
	}
	spec := unversioned.ProviderSpec{URL: lb.URL, Timeout: 12, CABundle: lb.CABundle}
	client := gatekeeperClient(t, spec, "", "", "")
	got := gkReview(t, client, istioPod(t, "Job"))
	if len(got) != 1 || !strings.Contains(got[0], "NS001 error") {
		t.Fatalf("violations %q, want NS001", got)
	}
	if err := lb.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(lb.dir); !os.IsNotExist(err) {
		t.Errorf("certificate directory left behind: %v", err)
	}
}
