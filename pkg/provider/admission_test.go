package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

// admit posts an AdmissionReview and decodes the reply.
func admit(t testing.TB, ts *testServer, path string, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	code, reply := post(t, ts.client(), ts.url+path, "application/json", body)
	if code != http.StatusOK {
		t.Fatalf("POST %s = %d: %s", path, code, reply)
	}
	var rv admissionv1.AdmissionReview
	if err := json.Unmarshal(reply, &rv); err != nil {
		t.Fatalf("reply: %v: %s", err, reply)
	}
	if rv.APIVersion != "admission.k8s.io/v1" || rv.Kind != "AdmissionReview" || rv.Response == nil {
		t.Fatalf("reply envelope %s", reply)
	}
	return rv.Response
}

// applyPatch applies a JSON patch to a JSON document.
func applyPatch(t testing.TB, doc, patch []byte) []byte {
	t.Helper()
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		t.Fatalf("decode patch: %v: %s", err, patch)
	}
	out, err := p.Apply(doc)
	if err != nil {
		t.Fatalf("apply patch: %v: %s", err, patch)
	}
	return out
}

func TestMutate(t *testing.T) {
	ts := startServer(t, nil)
	pod := istioPod(t, "Pod")
	tests := []struct {
		name      string
		op        string
		object    []byte
		dryRun    bool
		wantPatch bool
		wantWarn  string
	}{
		{"classic istio pod is converted", "CREATE", pod, false, true, ""},
		{"dry run gets the same patch", "CREATE", pod, true, true, ""},
		{"update is converted too", "UPDATE", istioPod(t, "Job"), false, true, ""},
		{"nothing to convert", "CREATE", []byte(plainPod), false, false, ""},
		{"not a workload", "CREATE", []byte(configMap), false, false, ""},
		{"delete has no object", "DELETE", nil, false, false, ""},
		{"object is a string", "CREATE", []byte(`"pod"`), false, false, "not a Kubernetes object"},
		{"object without kind", "CREATE", []byte(`{"apiVersion":"v1","spec":{}}`), false, false, "kind missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uid := "uid-" + strings.ReplaceAll(tc.name, " ", "-")
			before := testutil.ToFloat64(ts.metrics.patches.WithLabelValues("mutate"))
			resp := admit(t, ts, "/mutate", review(t, uid, tc.op, tc.object, tc.dryRun))
			if string(resp.UID) != uid {
				t.Errorf("uid %q, want %q", resp.UID, uid)
			}
			if !resp.Allowed {
				t.Fatalf("mutate denied: %+v", resp.Result)
			}
			if tc.wantWarn != "" && !strings.Contains(strings.Join(resp.Warnings, "\n"), tc.wantWarn) {
				t.Errorf("warnings %q, want one containing %q", resp.Warnings, tc.wantWarn)
			}
			if !tc.wantPatch {
				if resp.Patch != nil || resp.PatchType != nil {
					t.Fatalf("unexpected patch %s", resp.Patch)
				}
				return
			}
			if resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
				t.Fatalf("patchType %v, want JSONPatch", resp.PatchType)
			}
			after := testutil.ToFloat64(ts.metrics.patches.WithLabelValues("mutate"))
			if wantDelta := map[bool]float64{false: 1, true: 0}[tc.dryRun]; after-before != wantDelta {
				t.Errorf("patches metric moved by %v, want %v (dry run %v)", after-before, wantDelta, tc.dryRun)
			}
			converted := applyPatch(t, tc.object, resp.Patch)
			assertNative(t, converted, "istio-proxy")
			// Reinvocation (reinvocationPolicy: IfNeeded) sees the converted
			// object: nothing more to do.
			again := admit(t, ts, "/mutate", review(t, uid+"-again", tc.op, converted, tc.dryRun))
			if again.Patch != nil {
				t.Fatalf("second pass patched again: %s", again.Patch)
			}
		})
	}
}

// assertNative checks that name is an init container with restartPolicy
// Always and no longer a regular container.
func assertNative(t testing.TB, objJSON []byte, name string) {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(objJSON, &obj); err != nil {
		t.Fatal(err)
	}
	spec, _ := obj["spec"].(map[string]any)
	if obj["kind"] == "Job" {
		spec = spec["template"].(map[string]any)["spec"].(map[string]any)
	}
	found := false
	for _, c := range spec["initContainers"].([]any) {
		c := c.(map[string]any)
		if c["name"] == name {
			found = true
			if c["restartPolicy"] != "Always" {
				t.Errorf("%s restartPolicy %v, want Always", name, c["restartPolicy"])
			}
		}
	}
	if !found {
		t.Errorf("%s is not an init container: %s", name, objJSON)
	}
	for _, c := range spec["containers"].([]any) {
		if c.(map[string]any)["name"] == name {
			t.Errorf("%s is still a regular container", name)
		}
	}
}

func TestValidate(t *testing.T) {
	ts := startServer(t, nil)
	tests := []struct {
		name        string
		object      []byte
		wantAllowed bool
		wantDeny    []string // substrings of the denial message
		wantWarn    []string // substrings of some warning
	}{
		{"job with a classic proxy is denied", istioPod(t, "Job"), false, []string{"NS001", "istio-proxy"}, nil},
		{"pod with a classic proxy is warned", istioPod(t, "Pod"), true, nil, []string{"NS001"}},
		{"plain pod passes", []byte(plainPod), true, nil, nil},
		{"config map passes", []byte(configMap), true, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := admit(t, ts, "/validate", review(t, "v-"+tc.name, "CREATE", tc.object, false))
			if resp.Allowed != tc.wantAllowed {
				t.Fatalf("allowed %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			if resp.Patch != nil {
				t.Errorf("validate returned a patch")
			}
			if !tc.wantAllowed {
				if resp.Result == nil || resp.Result.Code != http.StatusForbidden {
					t.Fatalf("denial result %+v, want code 403", resp.Result)
				}
				for _, s := range tc.wantDeny {
					if !strings.Contains(resp.Result.Message, s) {
						t.Errorf("denial %q lacks %q", resp.Result.Message, s)
					}
				}
			}
			warnings := strings.Join(resp.Warnings, "\n")
			for _, s := range tc.wantWarn {
				if !strings.Contains(warnings, s) {
					t.Errorf("warnings %q lack %q", resp.Warnings, s)
				}
			}
			if len(tc.wantWarn) == 0 && tc.wantAllowed && len(resp.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", resp.Warnings)
			}
			// A finding's message already names its check: a line that
			// repeats it (NS004: … NS004: …) is noise for kubectl users.
			for _, w := range resp.Warnings {
				if n := checkID.FindAllString(w, -1); len(n) > 1 {
					t.Errorf("warning %q names its check %d times", w, len(n))
				}
			}
		})
	}
}

// failingEngine is an engine that panics or fails, to prove that an engine
// bug never blocks admission and never takes the server down.
type failingEngine struct {
	engine.Engine // Catalog and Warnings of the real one
	panics        bool
}

func (f failingEngine) Plan(map[string]any) (*mutate.Plan, error) {
	if f.panics {
		panic("boom")
	}
	return nil, errBoom
}

func (f failingEngine) Check(context.Context, map[string]any) ([]validate.Finding, error) {
	if f.panics {
		panic("boom")
	}
	return nil, errBoom
}

var errBoom = &json.UnsupportedValueError{Str: "boom"}

func TestEngineFailureAllows(t *testing.T) {
	for _, panics := range []bool{true, false} {
		t.Run(map[bool]string{true: "panic", false: "error"}[panics], func(t *testing.T) {
			ts := startServer(t, func(o *Options) {
				o.Engine = failingEngine{Engine: o.Engine, panics: panics}
			})
			for _, path := range []string{"/mutate", "/validate"} {
				resp := admit(t, ts, path, review(t, "f-1", "CREATE", istioPod(t, "Job"), false))
				if !resp.Allowed || resp.Patch != nil {
					t.Errorf("%s: allowed %v patch %s, want allowed without patch", path, resp.Allowed, resp.Patch)
				}
				if !strings.Contains(strings.Join(resp.Warnings, " "), "nativize: object not") {
					t.Errorf("%s: warnings %q, want the failure reported", path, resp.Warnings)
				}
			}
			if n := testutil.ToFloat64(ts.metrics.errors.WithLabelValues("mutate", "engine")); n != 1 {
				t.Errorf("engine errors metric = %v, want 1", n)
			}
		})
	}
}

func TestReviewEnvelope(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"no request", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, "without request"},
		{"no uid", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}`, "without uid"},
		{"v1beta1", `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}`, "wrong apiVersion"},
		{"uid of the wrong type", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}`, "malformed"},
		{"ok", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x"}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rv, err := decodeReview([]byte(tc.body))
			if tc.wantErr == "" {
				if err != nil || rv.Request.UID != "x" {
					t.Fatalf("decodeReview: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestDecodeObjectKeepsNumbers: numbers copied into a patch keep their text.
func TestDecodeObjectKeepsNumbers(t *testing.T) {
	obj, err := decodeObject([]byte(`{"apiVersion":"v1","kind":"Pod","spec":{"n":9007199254740993}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(obj["spec"])
	if want := `{"n":9007199254740993}`; !reflect.DeepEqual(string(b), want) {
		t.Fatalf("re-encoded %s, want %s", b, want)
	}
}

// checkID matches a check id as findings spell it at the start of a message.
var checkID = regexp.MustCompile(`NS00[0-9]: `)
