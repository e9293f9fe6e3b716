package provider

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestEndpointsRefuseBadBodies sends every endpoint valid, malformed,
// truncated, oversized, wrong-kind and wrong-content-type bodies: each gets a
// clear 4xx with a JSON reason, and the server stays up.
func TestEndpointsRefuseBadBodies(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client()
	admission := review(t, "u-1", "CREATE", istioPod(t, "Pod"), false)
	provider := providerRequest(t, string(istioPod(t, "Pod")))
	big := func(valid []byte) []byte {
		// A well-formed body just over the cap: padding inside a JSON string.
		pad := strings.Repeat("x", DefaultMaxBodyBytes)
		return append([]byte(`{"pad":"`+pad+`",`), valid[1:]...)
	}
	endpoints := []struct {
		path      string
		valid     []byte
		wrongKind []byte
	}{
		{"/mutate", admission, provider},
		{"/validate", admission, provider},
		{"/externaldata", provider, admission},
	}
	cases := []struct {
		name        string
		body        func(valid, wrongKind []byte) []byte
		contentType string
		chunked     bool // hide the length so the cap is hit while reading
		want        int
	}{
		{"valid", func(v, _ []byte) []byte { return v }, "application/json", false, http.StatusOK},
		{"valid with charset", func(v, _ []byte) []byte { return v }, "application/json; charset=utf-8", false, http.StatusOK},
		{"malformed", func(_, _ []byte) []byte { return []byte(`{"apiVersion": admission}`) }, "application/json", false, http.StatusBadRequest},
		{"not an object", func(_, _ []byte) []byte { return []byte(`[1,2,3]`) }, "application/json", false, http.StatusBadRequest},
		{"empty", func(_, _ []byte) []byte { return nil }, "application/json", false, http.StatusBadRequest},
		{"truncated", func(v, _ []byte) []byte { return v[:len(v)/2] }, "application/json", false, http.StatusBadRequest},
		{"trailing garbage", func(v, _ []byte) []byte { return append(append([]byte{}, v...), []byte(`{}`)...) }, "application/json", false, http.StatusBadRequest},
		{"oversized", func(v, _ []byte) []byte { return big(v) }, "application/json", false, http.StatusRequestEntityTooLarge},
		{"oversized chunked", func(v, _ []byte) []byte { return big(v) }, "application/json", true, http.StatusRequestEntityTooLarge},
		{"wrong kind", func(_, w []byte) []byte { return w }, "application/json", false, http.StatusBadRequest},
		{"wrong version", func(v, _ []byte) []byte {
			return bytes.Replace(bytes.Replace(v, []byte(`admission.k8s.io/v1`), []byte(`admission.k8s.io/v1beta1`), 1),
				[]byte(`externaldata.gatekeeper.sh/v1beta1`), []byte(`externaldata.gatekeeper.sh/v9`), 1)
		}, "application/json", false, http.StatusBadRequest},
		{"wrong content type", func(v, _ []byte) []byte { return v }, "text/plain", false, http.StatusUnsupportedMediaType},
		{"yaml content type", func(v, _ []byte) []byte { return v }, "application/yaml", false, http.StatusUnsupportedMediaType},
		{"no content type", func(v, _ []byte) []byte { return v }, "", false, http.StatusUnsupportedMediaType},
	}
	for _, ep := range endpoints {
		for _, tc := range cases {
			t.Run(strings.TrimPrefix(ep.path, "/")+"/"+tc.name, func(t *testing.T) {
				body := tc.body(ep.valid, ep.wrongKind)
				var r io.Reader = bytes.NewReader(body)
				if tc.chunked {
					r = io.MultiReader(r) // unknown length: sent chunked
				}
				req, err := http.NewRequest(http.MethodPost, ts.url+ep.path, r)
				if err != nil {
					t.Fatal(err)
				}
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("POST: %v", err)
				}
				reply, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.want, reply)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("reply content type %q", ct)
				}
				var v map[string]any
				if err := json.Unmarshal(reply, &v); err != nil {
					t.Fatalf("reply is not JSON: %v: %s", err, reply)
				}
				if tc.want >= 400 {
					msg := refusalMessage(v)
					if msg == "" {
						t.Fatalf("4xx reply without a reason: %s", reply)
					}
				}
				if code, _ := get(t, c, ts.url+"/healthz"); code != http.StatusOK {
					t.Fatalf("/healthz = %d after the request", code)
				}
			})
		}
	}
	t.Run("GET is not allowed", func(t *testing.T) {
		for _, ep := range endpoints {
			resp, err := c.Get(ts.url + ep.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
				t.Errorf("GET %s = %d Allow=%q, want 405 Allow=POST", ep.path, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		if code, _ := post(t, c, ts.url+"/nope", "application/json", []byte(`{}`)); code != http.StatusNotFound {
			t.Errorf("POST /nope = %d, want 404", code)
		}
	})
}

// refusalMessage is the reason a 4xx reply gives: "error" for admission
// endpoints, response.systemError for external data.
func refusalMessage(v map[string]any) string {
	if s, ok := v["error"].(string); ok {
		return s
	}
	if r, ok := v["response"].(map[string]any); ok {
		s, _ := r["systemError"].(string)
		return s
	}
	return ""
}
