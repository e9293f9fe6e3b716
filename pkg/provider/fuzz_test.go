package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
)

// Seed corpora live in testdata/fuzz/<target>/ and run with `go test`;
// `go test -fuzz=FuzzMutate ./pkg/provider` explores further. They are
// written from the golden cases of pkg/mutate and the fixtures here by
// `go test ./pkg/provider -run TestSeedCorpora -update-seeds`.

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz seed corpora")

// TestSeedCorpora checks that every fuzz target has a committed corpus and,
// with -update-seeds, rewrites them.
func TestSeedCorpora(t *testing.T) {
	seeds := seedInputs(t)
	for target, inputs := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateSeeds {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i, in := range inputs {
				var b strings.Builder
				b.WriteString("go test fuzz v1\n")
				for _, v := range in {
					switch v := v.(type) {
					case string:
						fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
					case []byte:
						fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
					}
				}
				writeFile(t, filepath.Join(dir, fmt.Sprintf("seed-%03d", i)), []byte(b.String()))
			}
		}
		files, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil || len(files) < len(inputs) {
			t.Errorf("%s: %d seed files, want %d (run with -update-seeds)", dir, len(files), len(inputs))
		}
	}
}

// seedInputs are the seed inputs per fuzz target: every golden object of
// pkg/mutate as an admission review and as external data keys, plus
// malformed bodies.
func seedInputs(t *testing.T) map[string][][]any {
	ins, err := filepath.Glob("../mutate/testdata/golden/*.in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var objs [][]byte
	for _, in := range ins {
		for _, o := range objects(t, in) {
			objs = append(objs, mustJSON(t, o))
		}
	}
	objs = append(objs, istioPod(t, "Pod"), istioPod(t, "Job"), []byte(plainPod), []byte(configMap))
	bad := [][]byte{
		nil, []byte(`{`), []byte(`[]`), []byte(`null`), []byte(`{"apiVersion":"v1"}`),
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":"x"}}`),
		[]byte(`{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":["{}","[]",""]}}`),
		// The input classes of docs/INPUT.md: non-string keys, duplicate
		// keys, deep nesting, NUL and invalid UTF-8, wrong types.
		[]byte(`{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":[1,{"a":1},null,"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"kind\":\"Pod\"}"]}}`),
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"apiVersion":"v1","kind":"Pod","kind":"Job"}}}`),
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":` + strings.Repeat("[", 600) + `}}`),
		[]byte("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\u0000\xff\"}}}}"),
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"apiVersion":"v1","kind":"Pod","spec":{"containers":{"name":"istio-proxy"},"initContainers":7}}}}`),
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}`),
	}
	seeds := map[string][][]any{}
	var keys []string
	for i, o := range objs {
		r := review(t, fmt.Sprintf("seed-%d", i), "CREATE", o, i%3 == 0)
		seeds["FuzzMutate"] = append(seeds["FuzzMutate"], []any{r})
		seeds["FuzzValidate"] = append(seeds["FuzzValidate"], []any{r})
		seeds["FuzzExternalData"] = append(seeds["FuzzExternalData"], []any{providerRequest(t, string(o))})
		seeds["FuzzHandler"] = append(seeds["FuzzHandler"], []any{"/mutate", "application/json", r})
		keys = append(keys, string(o))
	}
	seeds["FuzzExternalData"] = append(seeds["FuzzExternalData"], []any{providerRequest(t, keys...)})
	for _, b := range bad {
		for _, target := range []string{"FuzzMutate", "FuzzValidate", "FuzzExternalData"} {
			seeds[target] = append(seeds[target], []any{b})
		}
		seeds["FuzzHandler"] = append(seeds["FuzzHandler"], []any{"/externaldata", "application/json", b})
	}
	seeds["FuzzHandler"] = append(seeds["FuzzHandler"],
		[]any{"/validate", "text/yaml", []byte("kind: Pod")},
		[]any{"/healthz", "", []byte(nil)},
		[]any{"/externaldata", "application/json", providerRequest(t, keys...)})
	return seeds
}

// fuzzServer is a Server with the real engines, not listening: the fuzz
// targets call its handlers directly.
func fuzzServer(f *testing.F) *Server {
	f.Helper()
	ca := newCA(f, "fuzz-ca")
	dir := f.TempDir()
	c, k := ca.issue(f, "fuzz", 1, true)
	writeFile(f, filepath.Join(dir, "tls.crt"), c)
	writeFile(f, filepath.Join(dir, "tls.key"), k)
	eng := engines(f)
	s, err := New(Options{Engine: eng, CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key")})
	if err != nil {
		f.Fatal(err)
	}
	return s
}

func addReviewSeeds(f *testing.F) {
	f.Add(review(f, "s1", "CREATE", istioPod(f, "Pod"), false))
	f.Add(review(f, "s2", "UPDATE", istioPod(f, "Job"), true))
	f.Add(review(f, "s3", "DELETE", nil, false))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":[]}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"`))
}

// FuzzMutate: /mutate never panics, answers 200 or 400, always allows, and
// a patch it returns applies to the request object and converts it for good
// (a second pass returns no patch).
func FuzzMutate(f *testing.F) {
	s := fuzzServer(f)
	addReviewSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		status, reply := s.mutate(context.Background(), body)
		if status == http.StatusBadRequest {
			return
		}
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		rv := reply.(*admissionv1.AdmissionReview)
		if !rv.Response.Allowed {
			t.Fatal("mutate denied a request")
		}
		if rv.Response.Patch == nil {
			return
		}
		in, _ := decodeReview(body)
		p, err := jsonpatch.DecodePatch(rv.Response.Patch)
		if err != nil {
			t.Fatalf("patch does not decode: %v", err)
		}
		out, err := p.Apply(in.Request.Object.Raw)
		if err != nil {
			t.Fatalf("patch does not apply: %v\n%s", err, rv.Response.Patch)
		}
		st, r2 := s.mutate(context.Background(), reviewWith(t, in, out))
		if st != http.StatusOK || r2.(*admissionv1.AdmissionReview).Response.Patch != nil {
			t.Fatalf("second pass: status %d patch %s", st, r2.(*admissionv1.AdmissionReview).Response.Patch)
		}
	})
}

// reviewWith re-encodes review with object replaced.
func reviewWith(t *testing.T, rv *admissionv1.AdmissionReview, object []byte) []byte {
	cp := rv.DeepCopy()
	cp.Request.Object.Raw = object
	b, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzValidate: /validate never panics and answers 200 or 400; a denial
// always carries a 403 result with a message.
func FuzzValidate(f *testing.F) {
	s := fuzzServer(f)
	addReviewSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		status, reply := s.validate(context.Background(), body)
		switch status {
		case http.StatusBadRequest:
			return
		case http.StatusOK:
		default:
			t.Fatalf("status %d", status)
		}
		resp := reply.(*admissionv1.AdmissionReview).Response
		if !resp.Allowed && (resp.Result == nil || resp.Result.Code != http.StatusForbidden || resp.Result.Message == "") {
			t.Fatalf("denial without a 403 result: %+v", resp.Result)
		}
	})
}

// FuzzExternalData: /externaldata never panics, answers 200 or 400, and a
// 200 without systemError has one item per key, in order, each with either a
// value or an error.
func FuzzExternalData(f *testing.F) {
	s := fuzzServer(f)
	f.Add(providerRequest(f, string(istioPod(f, "Job")), "not json", plainPod))
	f.Add(providerRequest(f))
	f.Add([]byte(`{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":[1]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		status, reply := s.externalData(context.Background(), body)
		if status == http.StatusBadRequest {
			return
		}
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		b, err := json.Marshal(reply)
		if err != nil {
			t.Fatalf("reply does not encode: %v", err)
		}
		var r providerReplyJSON
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Response.SystemError != "" {
			return
		}
		var req providerRequestBody
		_ = json.Unmarshal(body, &req)
		if len(r.Response.Items) != len(req.Request.Keys) {
			t.Fatalf("%d items for %d keys", len(r.Response.Items), len(req.Request.Keys))
		}
		for i, it := range r.Response.Items {
			key := string(req.Request.Keys[i])
			var s string
			if raw := req.Request.Keys[i]; len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
				key = s
			}
			if it.Key != key || (it.Error == "") == (it.Value == nil) {
				t.Fatalf("item %d: %+v", i, it)
			}
			// A per-item error names the key's JSON pointer.
			if want := fmt.Sprintf("/request/keys/%d: ", i); it.Error != "" && !strings.HasPrefix(it.Error, want) {
				t.Fatalf("item %d error %q does not start with %q", i, it.Error, want)
			}
		}
	})
}

// FuzzHandler drives the whole router (limits included) with any path,
// content type and body: never a 5xx.
func FuzzHandler(f *testing.F) {
	s := fuzzServer(f)
	f.Add("/mutate", "application/json", review(f, "h", "CREATE", istioPod(f, "Pod"), false))
	f.Add("/externaldata", "application/json; charset=utf-8", providerRequest(f, plainPod))
	f.Add("/validate", "text/plain", []byte(`{}`))
	f.Add("/metrics", "", []byte(nil))
	f.Fuzz(func(t *testing.T, path, contentType string, body []byte) {
		req, err := http.NewRequest(http.MethodPost, "https://nativize.test/", bytes.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path = path
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", path, contentType, rec.Code, rec.Body)
		}
	})
}
