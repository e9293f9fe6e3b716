package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis/externaldata/unversioned"
	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// itemReply is an external data item as Gatekeeper decodes it.
type itemReply struct {
	Key   string `json:"key"`
	Value *struct {
		Findings []struct {
			Check    string `json:"check"`
			Severity string `json:"severity"`
		} `json:"findings"`
		Patch []map[string]any `json:"patch"`
	} `json:"value"`
	Error string `json:"error"`
}

type providerReplyJSON struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Response   struct {
		Idempotent  bool        `json:"idempotent"`
		Items       []itemReply `json:"items"`
		SystemError string      `json:"systemError"`
	} `json:"response"`
}

func TestExternalDataItems(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxKeys = 10 })
	job := string(istioPod(t, "Job"))
	tests := []struct {
		name      string
		keys      []string
		wantItems []string // per key: "patch", "clean" or an error substring
		wantSys   string
	}{
		{"one job", []string{job}, []string{"patch"}, ""},
		{"mixed keys keep their order", []string{plainPod, "not json", job, `[1,2]`, `{"kind":"Pod"}`, configMap, `null`, ``},
			[]string{"clean", "not a Kubernetes object", "patch", "want an object", "apiVersion missing", "clean", "want an object", "not a Kubernetes object"}, ""},
		{"no keys", nil, nil, ""},
		{"too many keys", strings.Split(strings.Repeat("k,", 11), ",")[:11], nil, "exceed the limit of 10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, ts.client(), ts.url+"/externaldata", "application/json", providerRequest(t, tc.keys...))
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			var r providerReplyJSON
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			if r.Kind != "ProviderResponse" || r.APIVersion != "externaldata.gatekeeper.sh/v1beta1" || !r.Response.Idempotent {
				t.Errorf("envelope %s/%s idempotent=%v", r.APIVersion, r.Kind, r.Response.Idempotent)
			}
			if tc.wantSys != "" {
				if !strings.Contains(r.Response.SystemError, tc.wantSys) || len(r.Response.Items) != 0 {
					t.Fatalf("systemError %q items %d, want %q and no items", r.Response.SystemError, len(r.Response.Items), tc.wantSys)
				}
				return
			}
			if len(r.Response.Items) != len(tc.wantItems) {
				t.Fatalf("%d items, want %d: %s", len(r.Response.Items), len(tc.wantItems), body)
			}
			for i, it := range r.Response.Items {
				if it.Key != tc.keys[i] {
					t.Errorf("item %d key %q, want %q", i, it.Key, tc.keys[i])
				}
				switch want := tc.wantItems[i]; want {
				case "patch", "clean":
					if it.Error != "" || it.Value == nil {
						t.Fatalf("item %d: error %q value %v", i, it.Error, it.Value)
					}
					if (len(it.Value.Patch) > 0) != (want == "patch") {
						t.Errorf("item %d: patch %v, want %s", i, it.Value.Patch, want)
					}
					if want == "patch" && (len(it.Value.Findings) == 0 || it.Value.Findings[0].Check != "NS001") {
						t.Errorf("item %d: findings %+v, want NS001", i, it.Value.Findings)
					}
				default:
					if !strings.Contains(it.Error, want) || it.Value != nil {
						t.Errorf("item %d: error %q value %v, want error containing %q", i, it.Error, it.Value, want)
					}
				}
			}
		})
	}
}

// TestExternalDataGatekeeperClient calls the server with Gatekeeper's own
// client code (frameworks/constraint externaldata), over mutual TLS, as the
// Gatekeeper audit and webhook pods do.
func TestExternalDataGatekeeperClient(t *testing.T) {
	gatekeeperCA := newCA(t, "gatekeeper-webhook-ca")
	ts := startServer(t, withClientCA(t, gatekeeperCA))
	provider := &unversioned.Provider{
		ObjectMeta: metav1.ObjectMeta{Name: "nativize-" + strings.ReplaceAll(t.Name(), "/", "-")},
		Spec: unversioned.ProviderSpec{
			URL:      ts.url + "/externaldata",
			Timeout:  10,
			CABundle: base64.StdEncoding.EncodeToString(ts.ca.pem),
		},
	}
	job := string(istioPod(t, "Job"))
	clientCert := gatekeeperCA.keyPair(t, "gatekeeper-webhook-service.gatekeeper-system.svc")
	resp, code, err := externaldata.DefaultSendRequestToProvider(context.Background(), provider, []string{job, "{"}, &clientCert)
	if err != nil || code != http.StatusOK {
		t.Fatalf("send: code %d err %v", code, err)
	}
	rr := externaldata.NewRegoResponse(code, resp)
	if rr.SystemError != "" || len(rr.Responses) != 1 || len(rr.Errors) != 1 {
		t.Fatalf("rego response %+v", rr)
	}
	if rr.Responses[0][0] != job {
		t.Errorf("response key %v", rr.Responses[0][0])
	}
	value, _ := json.Marshal(rr.Responses[0][1])
	if !strings.Contains(string(value), `"check":"NS001"`) || !strings.Contains(string(value), `"op":"replace"`) {
		t.Errorf("value %s lacks the NS001 finding or the patch", value)
	}
	if _, err := externaldata.PrepareRegoResponse(rr); err != nil {
		t.Errorf("Gatekeeper cannot turn the reply into a Rego term: %v", err)
	}

	// Without the client certificate Gatekeeper's client is refused.
	provider.Name += "-anonymous"
	if _, _, err := externaldata.DefaultSendRequestToProvider(context.Background(), provider, []string{job}, nil); err == nil {
		t.Fatal("request without a client certificate succeeded")
	}
}

// TestExternalDataInProcess: the in-process entry point gives the same
// items as the HTTPS endpoint.
func TestExternalDataInProcess(t *testing.T) {
	ts := startServer(t, nil)
	keys := []string{string(istioPod(t, "Pod")), "nope"}
	direct, err := json.Marshal(providerReply(ts.ExternalData(context.Background(), keys)))
	if err != nil {
		t.Fatal(err)
	}
	_, overHTTPS := post(t, ts.client(), ts.url+"/externaldata", "application/json", providerRequest(t, keys...))
	if strings.TrimSpace(string(overHTTPS)) != string(direct) {
		t.Fatalf("in-process %s\nhttps %s", direct, overHTTPS)
	}
}

// TestItems: the in-process entry point answers like the endpoint.
func TestItems(t *testing.T) {
	ts := startServer(t, nil)
	keys := []string{string(istioPod(t, "Job")), "[]", plainPod}
	items := Items(ts.opts.Engine, keys)
	want := ts.ExternalData(context.Background(), keys).Items
	if g, w := mustJSON(t, items), mustJSON(t, want); string(g) != string(w) {
		t.Fatalf("Items %s\nwant %s", g, w)
	}
	if len(items) != 3 || items[0].Value == nil || items[1].Error == "" || items[2].Value == nil {
		t.Fatalf("items %+v", items)
	}
}
