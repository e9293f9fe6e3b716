package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

var (
	admissionDir = filepath.Join(repoRoot, "library/admission")
	libraryDir   = filepath.Join(repoRoot, "library")
)

// policiesNamespace is where the policies' test objects are created.
const policiesNamespace = "e2e-policies"

// TestAdmissionPolicies holds library/admission to nativize in an API
// server of its own, with no webhook: the ValidatingAdmissionPolicies'
// warnings to `nativize check`, then the MutatingAdmissionPolicy's Pods to
// `nativize mutate`. In that order: the mutating policy would convert the
// objects the checks are shown.
func TestAdmissionPolicies(t *testing.T) {
	c := startClusterWith(t, false)
	c.namespace(t, policiesNamespace)
	if !t.Run("ValidatingAdmissionPolicy warnings are nativize check's findings", c.testValidatingPolicies) {
		return
	}
	t.Run("MutatingAdmissionPolicy converts Pods as nativize mutate", c.testMutatingPolicy)
}

// applyFile creates every object of a library/admission file as `kubectl
// create -f` would, strict server-side field validation, after decoding it
// strictly into the typed objects.
func (c *cluster) applyFile(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	opts := metav1.CreateOptions{FieldValidation: "Strict"}
	path := filepath.Join(admissionDir, name)
	for i, doc := range readDocuments(t, path) {
		var u unstructured.Unstructured
		if err := u.UnmarshalJSON(doc); err != nil {
			t.Fatalf("%s#%d: %v", name, i, err)
		}
		var err error
		api := c.client.AdmissionregistrationV1()
		switch u.GetKind() {
		case "ValidatingAdmissionPolicy":
			var o admissionregistrationv1.ValidatingAdmissionPolicy
			strict(t, doc, &o)
			_, err = api.ValidatingAdmissionPolicies().Create(ctx, &o, opts)
		case "ValidatingAdmissionPolicyBinding":
			var o admissionregistrationv1.ValidatingAdmissionPolicyBinding
			strict(t, doc, &o)
			if old, gerr := api.ValidatingAdmissionPolicyBindings().Get(ctx, o.Name, metav1.GetOptions{}); gerr == nil {
				o.ResourceVersion = old.ResourceVersion // kubectl apply: the deny set replaces the warn one
				_, err = api.ValidatingAdmissionPolicyBindings().Update(ctx, &o, metav1.UpdateOptions{FieldValidation: "Strict"})
			} else {
				_, err = api.ValidatingAdmissionPolicyBindings().Create(ctx, &o, opts)
			}
		case "MutatingAdmissionPolicy":
			var o admissionregistrationv1.MutatingAdmissionPolicy
			strict(t, doc, &o)
			if os.Getenv("E2E_POLICY_FAIL") != "" {
				// Debugging: errors refuse the pod with their message
				// instead of being ignored.
				o.Spec.FailurePolicy = ptrTo(admissionregistrationv1.Fail)
			}
			_, err = api.MutatingAdmissionPolicies().Create(ctx, &o, opts)
		case "MutatingAdmissionPolicyBinding":
			var o admissionregistrationv1.MutatingAdmissionPolicyBinding
			strict(t, doc, &o)
			_, err = api.MutatingAdmissionPolicyBindings().Create(ctx, &o, opts)
		default:
			t.Fatalf("%s#%d: unexpected kind %s", name, i, u.GetKind())
		}
		if err != nil {
			t.Fatalf("%s#%d (%s %s): %v", name, i, u.GetKind(), u.GetName(), err)
		}
	}
}

// strict decodes the JSON document doc into o, unknown fields an error.
func strict(t *testing.T, doc []byte, o any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, o); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
}

// policyCase is an object the checks are shown.
type policyCase struct {
	name string
	obj  unstructured.Unstructured
}

// checkCases are the shipped check samples whose Constraint has no
// parameters (the policies run with the defaults) and the golden inputs
// and outputs, v1 Lists expanded.
func checkCases(t *testing.T) []policyCase {
	t.Helper()
	var files []string
	samples, err := filepath.Glob(filepath.Join(libraryDir, "ns*", "samples", "*", "example_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		var con struct {
			Spec struct{ Parameters map[string]any }
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(s), "constraint.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &con); err != nil {
			t.Fatal(err)
		}
		if len(con.Spec.Parameters) == 0 {
			files = append(files, s)
		}
	}
	goldens, err := filepath.Glob(filepath.Join(goldenDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, goldens...)
	sort.Strings(files)
	var out []policyCase
	for _, f := range files {
		rel, _ := filepath.Rel(repoRoot, f)
		for i, doc := range readDocuments(t, f) {
			var u unstructured.Unstructured
			if err := u.UnmarshalJSON(doc); err != nil {
				t.Fatalf("%s#%d: %v", rel, i, err)
			}
			if !u.IsList() {
				out = append(out, policyCase{fmt.Sprintf("%s#%d", rel, i), u})
				continue
			}
			list, err := u.ToList()
			if err != nil {
				t.Fatalf("%s#%d: %v", rel, i, err)
			}
			for j, item := range list.Items {
				out = append(out, policyCase{fmt.Sprintf("%s#%d.items[%d]", rel, i, j), item})
			}
		}
	}
	return out
}

// vapWarning is the API server's form of a ValidatingAdmissionPolicy
// finding under a Warn binding (apiserver's validating dispatcher).
var vapWarning = regexp.MustCompile(`^Validation failed for ValidatingAdmissionPolicy '([^']*)' with binding '([^']*)': (.*)$`)

// testValidatingPolicies applies the policies with their Warn bindings and
// creates (dry run) every check sample and golden: the warnings the API
// server returns are nativize check's findings of the checks with a
// policy — each validation reporting its first container, as the
// Gatekeeper CEL does (pkg/gatekeeper TestCELMatchesRego). Then the Deny
// bindings replace them and a finding refuses the object with its message.
func (c *cluster) testValidatingPolicies(t *testing.T) {
	start := time.Now()
	c.applyFile(t, "validating-policies.yaml")
	c.applyFile(t, "validating-bindings-warn.yaml")
	ids := map[string]bool{}
	pols, err := c.client.AdmissionregistrationV1().ValidatingAdmissionPolicies().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pols.Items {
		ids[p.Annotations["nativize.dev/check"]] = true
	}
	cases := checkCases(t)

	// Policies take effect asynchronously: wait until each check has
	// warned about an object nativize check flags for it.
	pending := maps.Clone(ids)
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, pc := range cases {
			if !strings.Contains(pc.name, "example_disallowed") {
				continue
			}
			ws, _, _ := c.dryRunWarnings(t, pc.obj)
			for _, w := range ws {
				delete(pending, strings.SplitN(w, ":", 2)[0])
			}
		}
		return len(pending) == 0, nil
	})
	if err != nil {
		t.Fatalf("no warning yet from the policies of %v: %v", keys(pending), err)
	}
	t.Logf("policies effective after %.1fs", time.Since(start).Seconds())

	compared, flagged, rejected, skipped := 0, 0, 0, 0
	for _, pc := range cases {
		got, served, err := c.dryRunWarnings(t, pc.obj)
		switch {
		case !served:
			skipped++
			continue
		case err != nil:
			// Rejected before validating admission (an invalid sample):
			// no policy sees it.
			t.Logf("%s: rejected by the API server: %v", pc.name, err)
			rejected++
			continue
		}
		fams := families(c.nativizeCheckObject(t, pc.obj), ids)
		if !sameFamilies(got, fams) {
			t.Errorf("%s: policy warnings are not nativize check's findings, one per validation\n--- warnings\n%s\n--- nativize check\n%s",
				pc.name, strings.Join(got, "\n"), fams)
		}
		compared++
		if len(fams) > 0 {
			flagged++
		}
	}
	t.Logf("%d objects compared (%d with findings), %d rejected by the API server, %d of kinds not served; checks %v",
		compared, flagged, rejected, skipped, keys(ids))
	if flagged < len(ids) {
		t.Errorf("only %d objects with findings for %d checks", flagged, len(ids))
	}

	// Deny on request: the deny bindings replace the warn ones.
	c.applyFile(t, "validating-bindings-deny.yaml")
	var deny *policyCase
	for i := range cases {
		if strings.Contains(cases[i].name, "ns001-classic-sidecar/samples/job-classic-proxy/example_disallowed") {
			deny = &cases[i]
		}
	}
	if deny == nil {
		t.Fatal("no NS001 job-classic-proxy sample")
	}
	want := slices.Collect(maps.Values(families(c.nativizeCheckObject(t, deny.obj), ids)))
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, _, err := c.dryRunWarnings(t, deny.obj)
		return err != nil, nil
	})
	if err != nil {
		t.Fatalf("%s: still admitted under the Deny bindings", deny.name)
	}
	_, _, err = c.dryRunWarnings(t, deny.obj)
	if len(want) != 1 || len(want[0]) != 1 || !strings.Contains(err.Error(), "nativize-ns001-classic-sidecar") || !strings.HasSuffix(err.Error(), want[0][0]) {
		t.Errorf("%s: denied with %q, want the policy's name and %q", deny.name, err, want)
	} else {
		t.Logf("denied: %v", err)
	}
	c.applyFile(t, "validating-bindings-warn.yaml")
}

// families groups the messages of the findings whose check has a policy
// by family (the message with its quoted names blanked): one CEL
// validation each, which reports one of them (its first container).
func families(fs []finding, ids map[string]bool) map[string][]string {
	out := map[string][]string{}
	for _, f := range fs {
		if ids[f.Check] {
			fam := quotedName.ReplaceAllString(f.Message, `""`)
			out[fam] = append(out[fam], f.Message)
		}
	}
	return out
}

// sameFamilies: one warning per family, each one of its family's messages.
func sameFamilies(warnings []string, fams map[string][]string) bool {
	seen := map[string]bool{}
	for _, w := range warnings {
		fam := quotedName.ReplaceAllString(w, `""`)
		if seen[fam] || !slices.Contains(fams[fam], w) {
			return false
		}
		seen[fam] = true
	}
	return len(seen) == len(fams)
}

// quotedName matches the quoted names in a message.
var quotedName = regexp.MustCompile(`"[^"]*"`)

// dryRunWarnings creates o (dry run, in policiesNamespace) and returns the
// ValidatingAdmissionPolicy warnings, without their prefix; served is false
// for a kind the API server does not serve.
func (c *cluster) dryRunWarnings(t *testing.T, o unstructured.Unstructured) (ws []string, served bool, err error) {
	t.Helper()
	gvk := o.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		return nil, false, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	w := &warnings{}
	cfg := rest.CopyConfig(c.config)
	cfg.WarningHandler = w
	o = *o.DeepCopy()
	o.SetNamespace(policiesNamespace)
	_, err = dynamic.NewForConfigOrDie(cfg).Resource(m.Resource).Namespace(policiesNamespace).Create(context.Background(), &o,
		metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	for _, text := range w.get() {
		if sub := vapWarning.FindStringSubmatch(text); sub != nil {
			ws = append(ws, sub[3])
		} else {
			t.Errorf("unexpected warning %q", text)
		}
	}
	return ws, true, err
}

// nativizeCheckObject is `nativize check -o json` of o.
func (c *cluster) nativizeCheckObject(t *testing.T, o unstructured.Unstructured) []finding {
	t.Helper()
	out := c.runObject(t, o, "check", "-o", "json", "--fail-on", "never")
	var report struct{ Findings []finding }
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("nativize check output: %v\n%s", err, out)
	}
	return report.Findings
}

// runObject is `nativize <args> -f FILE` with o in FILE.
func (c *cluster) runObject(t *testing.T, o unstructured.Unstructured, args ...string) []byte {
	t.Helper()
	data, err := json.Marshal(o.Object)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "object.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.nativize, append(args, "-f", file)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nativize %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// podCase is a Pod the mutating policy is shown.
type podCase struct {
	name string
	pod  *corev1.Pod
}

// goldenPods are the golden inputs' Pods and every pod template of the
// other golden inputs (any kind, v1 Lists expanded) as the Pod a
// controller would make of it: its metadata's annotations and labels, its
// spec.
func goldenPods(t *testing.T) []podCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.in.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []podCase
	var walk func(name string, v any)
	walk = func(name string, v any) {
		switch m := v.(type) {
		case map[string]any:
			if spec, ok := m["spec"].(map[string]any); ok {
				if _, ok := spec["containers"]; ok {
					meta, _ := m["metadata"].(map[string]any)
					b, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Pod",
						"metadata": map[string]any{"annotations": meta["annotations"], "labels": meta["labels"]}, "spec": spec})
					if err != nil {
						t.Fatal(err)
					}
					var pod corev1.Pod
					if err := json.Unmarshal(b, &pod); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					pod.Name = fmt.Sprintf("golden-%d", len(out))
					// Flink's templates leave the main container's image
					// to the operator: a placeholder makes them valid Pods.
					for i := range pod.Spec.Containers {
						if pod.Spec.Containers[i].Image == "" {
							pod.Spec.Containers[i].Image = "registry.example.com/placeholder:1"
						}
					}
					out = append(out, podCase{name, &pod})
					return
				}
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				walk(name+"."+k, m[k])
			}
		case []any:
			for i, e := range m {
				walk(fmt.Sprintf("%s[%d]", name, i), e)
			}
		}
	}
	for _, f := range files {
		rel, _ := filepath.Rel(goldenDir, f)
		for i, doc := range readDocuments(t, f) {
			var v map[string]any
			if err := json.Unmarshal(doc, &v); err != nil {
				t.Fatal(err)
			}
			walk(fmt.Sprintf("%s#%d %v/%v", rel, i, v["kind"], nameOf(v)), v)
		}
	}
	return out
}

func nameOf(v map[string]any) any {
	meta, _ := v["metadata"].(map[string]any)
	return meta["name"]
}

// testMutatingPolicy applies the MutatingAdmissionPolicy (no webhook) and
// creates (dry run) every golden Pod: the Pod the API server returns must
// be the one it returns for nativize mutate's output of it (created where
// no policy applies, so both sides get the same defaulting), or, where the
// policy leaves a pod to the webhook, the pod as given — never anything
// else. The match rate is logged.
func (c *cluster) testMutatingPolicy(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	c.applyFile(t, "mutating-policy.yaml")
	probe := classicPod("probe")
	probe.Namespace = policiesNamespace
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := c.client.CoreV1().Pods(policiesNamespace).Create(ctx, probe.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Log(err)
		}
		return err == nil && len(got.Spec.InitContainers) == 1, nil
	})
	if err != nil {
		t.Fatalf("the MutatingAdmissionPolicy never converted a classic pod: %v", err)
	}
	t.Logf("policy effective after %.1fs", time.Since(start).Seconds())

	cases := goldenPods(t)
	var matched, unchanged, left []string
	for _, pc := range cases {
		pod := pc.pod.DeepCopy()
		pod.Namespace = policiesNamespace
		got, err := c.client.CoreV1().Pods(policiesNamespace).Create(ctx, pod,
			metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"})
		if err != nil {
			t.Logf("%s: not a valid Pod here, skipped: %v", pc.name, err)
			continue
		}
		want := c.stored(t, c.nativizeMutate(t, pc.pod))
		as := c.stored(t, pc.pod)
		g, w, a := comparable(got), comparable(want), comparable(as)
		switch {
		case g == w && w == a:
			unchanged = append(unchanged, pc.name)
		case g == w:
			matched = append(matched, pc.name)
		case g == a:
			left = append(left, pc.name)
		default:
			t.Errorf("%s: the policy's Pod is neither nativize mutate's nor the one given\n--- policy\n%s\n--- nativize mutate\n%s", pc.name, g, w)
		}
	}
	total := len(matched) + len(unchanged) + len(left)
	t.Logf("MutatingAdmissionPolicy vs nativize mutate: %d/%d Pods equal (%d converted, %d left unchanged by both); %d left to the webhook:\n%s",
		len(matched)+len(unchanged), total, len(matched), len(unchanged), len(left), strings.Join(left, "\n"))
	if len(matched) == 0 {
		t.Error("the policy converted no golden Pod")
	}
}

func ptrTo[T any](v T) *T { return &v }
