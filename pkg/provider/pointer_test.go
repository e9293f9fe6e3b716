package provider

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestErrorsNameTheJSONPointer: every refusal and per-item error says where
// in the request the problem is (RFC 6901 pointer, or byte offset).
func TestErrorsNameTheJSONPointer(t *testing.T) {
	s := &Server{metrics: inProcessMetrics()}
	s.opts = Options{Engine: engines(t), MaxKeys: DefaultMaxKeys}
	s.log = slog.New(slog.DiscardHandler)
	rv := func(object string) []byte {
		return []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":` + object + `}}`)
	}
	pr := func(keys string) []byte {
		return []byte(`{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":` + keys + `}}`)
	}
	tests := []struct {
		name, endpoint string
		body           []byte
		status         int
		want           string // substring of the error, warning or item error
	}{
		{"uid of the wrong type", "mutate", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}`), 400, "/request/uid"},
		{"syntax error offset", "validate", []byte(`{"apiVersion":"admission.k8s.io/v1",,}`), 400, "/ (byte 37)"},
		{"missing request", "mutate", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), 400, "/request: AdmissionReview without request"},
		{"duplicate key in the envelope", "mutate", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","kind":"AdmissionReview","request":{"uid":"u"}}`), 400, `/kind: duplicate key "kind"`},
		{"duplicate key in the object", "mutate", rv(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"}}`), 400, `/request/object/metadata/name: duplicate key "name"`},
		{"object nested too deep", "validate", rv(`{"apiVersion":"v1","kind":"Pod","spec":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`), 400, "nested deeper than 512 levels"},
		{"object without kind", "validate", rv(`{"apiVersion":"v1"}`), 200, "/request/object/kind: not a Kubernetes object"},
		{"object not an object", "mutate", rv(`"kind: Pod"`), 200, "/request/object: not a Kubernetes object: JSON string"},
		{"non-string key", "externaldata", pr(`[7]`), 200, "/request/keys/0: not a Kubernetes object: key is JSON number"},
		{"duplicate key inside a key", "externaldata", pr(`["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"kind\":\"Pod\"}"]`), 200, `/request/keys/0: not a Kubernetes object: /kind: duplicate key "kind"`},
		{"keys of the wrong type", "externaldata", pr(`{"a":1}`), 400, "/request/keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var reply any
			switch tt.endpoint {
			case "mutate":
				status, reply = s.mutate(context.Background(), tt.body)
			case "validate":
				status, reply = s.validate(context.Background(), tt.body)
			default:
				status, reply = s.externalData(context.Background(), tt.body)
			}
			b, _ := json.Marshal(reply)
			if status != tt.status || !strings.Contains(string(b), strings.ReplaceAll(tt.want, `"`, `\"`)) {
				t.Errorf("status %d, reply %s; want %d and %q", status, b, tt.status, tt.want)
			}
			if status == http.StatusOK && tt.endpoint != "externaldata" && !strings.Contains(string(b), `"allowed":true`) {
				t.Errorf("an unreadable object must be allowed with a warning: %s", b)
			}
		})
	}
}
