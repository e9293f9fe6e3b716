package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/provider"
)

// inputRow is one class of malformed or hostile input (one row of the
// table in docs/INPUT.md, by name) with what every entry point must do.
// Each CLI fixture holds the hostile document and a good Job with a
// classic istio-proxy that must still be converted.
type inputRow struct {
	name string
	// file is the fixture in testdata/input; gen builds a huge one instead.
	file string
	gen  func() []byte
	// line and msg: the hostile document's located error, FILE:LINE:
	// message, at exit 2; line 0 means the input is accepted (exit as for
	// good input) and msg is then a warning that must be printed, if any.
	line int
	msg  string
	// krmCode and krmMsg: the KRM function on a ResourceList holding the
	// fixture's documents as items: 2 the list is refused (stderr names
	// the line), 1 one error result for the item (every other item
	// converted), 0 accepted.
	krmCode int
	krmMsg  string
	// object is the JSON the server gets for the hostile document (as an
	// external data key and as an AdmissionReview's request.object);
	// empty sends the fixture's first document as a JSON string.
	object string
	// serverMsg is a substring of the external data item error and of the
	// admission warning or refusal; "" means the object is accepted.
	serverMsg string
	// status is the /mutate and /validate status (200 when zero).
	status int
	// checkAccepts: check reads the document fine (the problem is in the
	// conversion, which check does not write).
	checkAccepts bool
	// server, for the classes only the server sees, replaces the
	// per-document server check; such rows have no CLI fixture.
	server func(t *testing.T, s *loopback)
}

var bigAnnotation = func(n int) []byte {
	return []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  annotations:\n    blob: " + strings.Repeat("x", n) +
		"\nspec:\n  containers:\n  - name: app\n    image: app\n  - name: istio-proxy\n    image: proxyv2\n---\n" + goodJob)
}

const goodJob = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: good\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: report\n        image: report\n      - name: istio-proxy\n        image: proxyv2\n"

var inputRows = []inputRow{
	{name: "alias-bomb", file: "alias-bomb.yaml", line: 16, msg: "excessive aliasing", krmCode: 1, krmMsg: "v1/Pod/bomb: items[0]: lol5[0]: excessive aliasing", serverMsg: notObject},
	{name: "merge-keys", file: "merge-keys.yaml", serverMsg: notObject},
	{name: "anchors-across-documents", file: "anchors-across-documents.yaml", line: 8, msg: "unknown anchor 'img' referenced", krmCode: 1, krmMsg: "v1/Pod/across: items[1]: unknown anchor", serverMsg: notObject},
	{name: "binary-and-custom-tags", file: "binary-and-custom-tags.yaml", serverMsg: notObject},
	{name: "huge-scalar", gen: func() []byte { return bigAnnotation(17 << 20) }, line: 1, msg: "larger than the limit of 16777216 bytes",
		krmCode: 1, krmMsg: "v1/Pod/big: items[0]: document of", status: http.StatusRequestEntityTooLarge},
	{name: "deep-nesting", gen: func() []byte {
		return []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\nspec:\n  containers:\n  - name: istio-proxy\n    image: proxyv2\n    args: " + strings.Repeat("[", 100_000) + "\n---\n" + goodJob)
	}, line: 9, msg: "exceeded max depth", krmCode: 2, krmMsg: "line 12: exceeded max depth",
		object: `{"apiVersion":"v1","kind":"Pod","spec":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`, serverMsg: "exceeded max depth", status: http.StatusBadRequest},
	{name: "bom-and-crlf", file: "bom-and-crlf.yaml", serverMsg: notObject},
	{name: "nul-bytes", file: "nul-bytes.yaml", line: 4, msg: "control characters are not allowed", krmCode: 2, krmMsg: "line 7: control characters are not allowed",
		object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"by\u0000tes"},"spec":{"containers":[{"name":"istio-proxy","image":"proxyv2"}]}}`},
	{name: "mixed-json-and-yaml-stream", file: "mixed-json-and-yaml-stream.yaml", serverMsg: notObject},
	{name: "v1-list-whose-items-are-not-objects", file: "v1-list-whose-items-are-not-objects.yaml", line: 4, msg: "items[0]", krmCode: 1, krmMsg: "items[0]",
		object: `{"apiVersion":"v1","kind":"List","items":[1,"just a string",null,["istio-proxy"]]}`},
	{name: "null-where-a-list-or-map-is-expected", file: "null-where-a-list-or-map-is-expected.yaml", line: 12, msg: "spec.containers[0].env[0]: expected an object, got null",
		krmCode: 1, krmMsg: "v1/Pod/nulls: items[0]: spec.containers[0].env[0]: expected an object, got null",
		object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"nulls"},"spec":{"initContainers":null,"containers":[{"name":"istio-proxy","image":"proxyv2","ports":null,"env":[null]}]}}`},
	{name: "numbers-where-strings-are", file: "numbers-where-strings-are.yaml", line: 7, msg: "name",
		krmCode: 1, krmMsg: "name", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"numbers"},"spec":{"containers":[{"name":123,"image":1.5},{"name":"istio-proxy","image":"proxyv2","args":[1,true]}]}}`},
	{name: "names-that-are-not-dns-labels", file: "names-that-are-not-dns-labels.yaml", line: 7, msg: `spec.containers[0].name: invalid container name "App_Main": must be a DNS-1123 label`,
		krmCode: 1, krmMsg: `items[0]: spec.containers[0].name: invalid container name "App_Main"`,
		object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Not_A_DNS_Label!"},"spec":{"containers":[{"name":"App_Main","image":"app"},{"name":"istio-proxy","image":"proxyv2"}]}}`},
	{name: "duplicate-keys-yaml", file: "duplicate-keys-yaml.yaml", line: 11, msg: `duplicate key "spec" (first on line 5)`, krmCode: 1, krmMsg: `v1/Pod/dup: items[0]: duplicate key "spec"`, serverMsg: notObject},
	{name: "duplicate-keys-json", file: "duplicate-keys-json.json", line: 4, msg: `metadata: duplicate key "name" (first on line 4)`, krmCode: 1, krmMsg: `v1/Pod/dup: items[0]: metadata: duplicate key "name"`,
		object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dup","name":"dup2"},"spec":{"containers":[{"name":"istio-proxy","image":"proxyv2"}]}}`, serverMsg: `/metadata/name: duplicate key "name"`, status: http.StatusBadRequest},
	{name: "containers-a-mapping-and-initContainers-7", file: "containers-a-mapping-and-initContainers-7.yaml", line: 6, msg: "initContainers", krmCode: 1, krmMsg: "initContainers",
		object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"shapes"},"spec":{"initContainers":7,"containers":{"name":"istio-proxy","image":"proxyv2"}}}`},
	{name: "same-name-init-and-regular-container", file: "same-name-init-and-regular-container.yaml", line: 12,
		msg: `spec.containers[1].name: duplicate container name "istio-proxy" (also at spec.initContainers[0])`, krmCode: 1, krmMsg: `v1/Pod/twins: items[0]: spec.containers[1].name: duplicate container name "istio-proxy"`,
		object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"twins"},"spec":{"initContainers":[{"name":"istio-proxy","image":"proxyv2"}],"containers":[{"name":"app","image":"app"},{"name":"istio-proxy","image":"proxyv2"}]}}`},
	{name: "unparsable-document-without-a-sidecar", file: "unparsable-document-without-a-sidecar.yaml", line: 5, msg: "did not find expected ',' or ']'", krmCode: 2, krmMsg: "line 7: did not find expected", serverMsg: notObject},
	{name: "multi-megabyte-document", gen: func() []byte { return bigAnnotation(4 << 20) }, status: http.StatusRequestEntityTooLarge},
	{name: "invalid-utf-8", file: "invalid-utf-8.yaml", line: 4, msg: "invalid leading UTF-8 octet", krmCode: 2, krmMsg: "line 7: invalid leading UTF-8 octet", serverMsg: notObject},
	{name: "truncated-utf-8", file: "truncated-utf-8.yaml", line: 25, msg: "incomplete UTF-8 octet sequence", krmCode: 2, krmMsg: "line", serverMsg: notObject},
	{name: "admission-wrong-kind", server: refused("/mutate", `{"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{"uid":"u"}}`, http.StatusBadRequest, `wrong apiVersion or kind: got apiVersion \"admission.k8s.io/v1\" kind \"Pod\"`)},
	{name: "admission-wrong-apiVersion", server: refused("/validate", `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u"}}`, http.StatusBadRequest, "want admission.k8s.io/v1 AdmissionReview")},
	{name: "admission-missing-request", server: refused("/mutate", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, http.StatusBadRequest, "/request: AdmissionReview without request")},
	{name: "admission-huge-body", server: refused("/validate", string(admissionReview([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"a":"`+strings.Repeat("x", 4<<20)+`"}}}`))), http.StatusRequestEntityTooLarge, "exceeds 3145728 bytes")},
	{name: "admission-slowloris", server: slowloris},
	{name: "externaldata-non-string-keys", server: func(t *testing.T, lb *loopback) {
		status, body := lb.post(t, "/externaldata", providerRequest([]byte("7"), []byte("null"), goodJobJSON))
		if status != http.StatusOK || !strings.Contains(body, `"key":"7","error":"/request/keys/0: not a Kubernetes object: key is JSON number`) ||
			!strings.Contains(body, `"/request/keys/1: not a Kubernetes object: key is JSON null`) || !strings.Contains(body, `"restartPolicy":"Always"`) {
			t.Errorf("status %d: %.3000s", status, body)
		}
	}},
	{name: "externaldata-thousands-of-keys", server: func(t *testing.T, lb *loopback) {
		keys := make([][]byte, provider.DefaultMaxKeys+1)
		for i := range keys {
			keys[i] = []byte(`{}`)
		}
		status, body := lb.post(t, "/externaldata", providerRequest(keys...))
		if status != http.StatusOK || !strings.Contains(body, `"systemError":"1001 keys exceed the limit of 1000 per request"`) {
			t.Errorf("status %d: %.3000s", status, body)
		}
	}},
}

// notObject is the server's message for a document that is not a JSON
// object (every YAML-only class: the server reads JSON).
const notObject = "not a Kubernetes object"

// refused is a server-only row: body to path gets status and msg.
func refused(path, body string, status int, msg string) func(*testing.T, *loopback) {
	return func(t *testing.T, lb *loopback) {
		got, reply := lb.post(t, path, []byte(body))
		if got != status || !strings.Contains(reply, msg) {
			t.Errorf("%s: status %d, reply %.2000s; want %d and %q", path, got, reply, status, msg)
		}
	}
}

// slowloris opens a TLS connection, sends half a request line and waits:
// the server closes it after its read-header timeout (5s), and answers
// other clients meanwhile.
func slowloris(t *testing.T, lb *loopback) {
	host := strings.TrimPrefix(lb.base, "https://")
	conn, err := tls.Dial("tcp", host, lb.client.Transport.(*http.Transport).TLSClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /mutate HTTP/1.1\r\nHost: x\r\nContent-")); err != nil {
		t.Fatal(err)
	}
	if status, _ := lb.post(t, "/externaldata", providerRequest(goodJobJSON)); status != http.StatusOK {
		t.Errorf("another client got %d while a slow one holds a connection", status)
	}
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(provider.DefaultReadHeaderTimeout + 5*time.Second))
	_, err = io.ReadAll(conn)
	if took := time.Since(start); err != nil || took > provider.DefaultReadHeaderTimeout+2*time.Second {
		t.Errorf("slow connection not closed by the server within the read-header timeout: %v after %s", err, took)
	}
}

// TestInputClasses feeds every input class to every entry point: mutate,
// diff, mutate --in-place, check, the Helm post-renderer (mutate -f - on
// stdin), krm (built CLI as a subprocess) and serve's three endpoints (over
// TLS on loopback).
func TestInputClasses(t *testing.T) {
	lb := startLoopback(t)
	for _, row := range inputRows {
		t.Run(row.name, func(t *testing.T) {
			if row.server != nil {
				row.server(t, lb)
				return
			}
			data := row.fixture(t)
			dir := t.TempDir()
			name := filepath.Join(dir, filepath.Base(row.fileName()))
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
			// A JSON file is rewritten and diffed as JSON; stdout is YAML.
			named, converted, added := "name: good", "restartPolicy: Always", "+        restartPolicy: Always"
			if strings.HasSuffix(name, ".json") {
				named, converted, added = `"name": "good"`, `"restartPolicy": "Always"`, `+            "restartPolicy": "Always"`
			}
			t.Run("mutate", func(t *testing.T) {
				code, out, errs := runBinary(t, nil, "mutate", "-f", name)
				row.assertCLI(t, name, code, 0, errs)
				assertHas(t, "stdout", out, "name: good", "restartPolicy: Always")
			})
			t.Run("post-renderer", func(t *testing.T) {
				code, out, errs := runBinary(t, data, "mutate", "-f", "-")
				row.assertCLI(t, "-", code, 0, errs)
				assertHas(t, "stdout", out, "name: good", "restartPolicy: Always")
			})
			t.Run("diff", func(t *testing.T) {
				code, out, errs := runBinary(t, nil, "diff", "-f", name)
				row.assertCLI(t, name, code, 1, errs)
				assertHas(t, "stdout", out, added)
			})
			t.Run("in-place", func(t *testing.T) {
				cp := filepath.Join(t.TempDir(), filepath.Base(name))
				if err := os.WriteFile(cp, data, 0o644); err != nil {
					t.Fatal(err)
				}
				code, _, errs := runBinary(t, nil, "mutate", "-i", "-f", cp)
				row.assertCLI(t, cp, code, 0, errs)
				got, _ := os.ReadFile(cp)
				assertHas(t, "rewritten file", string(got), named, converted)
				if first := firstDocument(data); row.line > 0 && row.line <= bytes.Count(first, []byte("\n"))+1 && !bytes.Contains(got, first) {
					t.Errorf("the broken document's bytes were not kept:\n%.2000s", got)
				}
			})
			t.Run("check", func(t *testing.T) {
				code, out, errs := runBinary(t, nil, "check", "-f", name)
				r := row
				if r.checkAccepts {
					r.line, r.msg = 0, ""
				}
				r.assertCLI(t, name, code, 1, errs)
				assertHas(t, "stdout", out, "Job/good")
			})
			t.Run("krm", func(t *testing.T) {
				code, out, errs := runBinary(t, resourceList(data), "krm")
				if code != row.krmCode {
					t.Fatalf("exit %d, want %d; stderr: %.3000s", code, row.krmCode, errs)
				}
				if row.krmMsg != "" && !strings.Contains(errs, row.krmMsg) {
					t.Errorf("stderr lacks %q: %.3000s", row.krmMsg, errs)
				}
				if code != 2 {
					assertHas(t, "ResourceList", out, "name: good", "restartPolicy: Always")
				}
			})
			t.Run("serve", func(t *testing.T) { row.assertServer(t, lb, data) })
		})
	}
}

func (row inputRow) fileName() string {
	if row.file != "" {
		return row.file
	}
	return row.name + ".yaml"
}

func (row inputRow) fixture(t *testing.T) []byte {
	if row.gen != nil {
		return row.gen()
	}
	b, err := os.ReadFile(filepath.Join("testdata", "input", row.file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertCLI checks a file-reading entry point: exit 2 and the located
// message for a hostile document, okCode otherwise.
func (row inputRow) assertCLI(t *testing.T, name string, code, okCode int, errs string) {
	t.Helper()
	if row.line == 0 {
		if code != okCode {
			t.Errorf("exit %d, want %d; stderr: %.3000s", code, okCode, errs)
		}
		if row.msg != "" && !strings.Contains(errs, row.msg) {
			t.Errorf("stderr lacks %q: %.3000s", row.msg, errs)
		}
		return
	}
	if code != 2 {
		t.Errorf("exit %d, want 2; stderr: %.3000s", code, errs)
	}
	re := regexp.MustCompile(regexp.QuoteMeta(fmt.Sprintf("%s:%d: document ", name, row.line)) + `\d+: .*` + regexp.QuoteMeta(row.msg))
	if !re.MatchString(errs) {
		t.Errorf("stderr lacks %q: %.3000s", re, errs)
	}
}

func assertHas(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%.3000s", what, w, got)
		}
	}
}

// documents splits a fixture at its `---` lines (CR allowed), or a JSON
// fixture after each top-level value's closing line.
func documents(data []byte) [][]byte {
	if bytes.HasPrefix(data, []byte("{")) {
		var docs [][]byte
		for len(data) > 0 {
			i := bytes.Index(data, []byte("\n}\n"))
			if i < 0 {
				return append(docs, data)
			}
			docs, data = append(docs, data[:i+3]), data[i+3:]
		}
		return docs
	}
	var docs [][]byte
	var cur []byte
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if t := bytes.TrimRight(line, "\r\n"); string(t) == "---" {
			docs, cur = append(docs, cur), nil
			continue
		}
		cur = append(cur, line...)
	}
	return append(docs, cur)
}

func firstDocument(data []byte) []byte { return documents(data)[0] }

// resourceList puts a fixture's documents into a ResourceList as items,
// each indented under "- ", bytes otherwise as they are.
func resourceList(data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, d := range documents(data) {
		if len(bytes.TrimSpace(d)) == 0 {
			continue
		}
		for i, line := range bytes.SplitAfter(d, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			if i == 0 {
				b.WriteString("- ")
			} else {
				b.WriteString("  ")
			}
			b.Write(line)
		}
		if d[len(d)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// loopback is serve's handler over TLS on 127.0.0.1 with the real engines.
type loopback struct {
	base   string
	client *http.Client
}

func startLoopback(t *testing.T) *loopback {
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lb, err := provider.StartLoopback(eng)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lb.Close() })
	ca, err := base64.StdEncoding.DecodeString(lb.CABundle)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return &loopback{
		base:   strings.TrimSuffix(lb.URL, "/externaldata"),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}}},
	}
}

func (lb *loopback) post(t *testing.T, path string, body []byte) (int, string) {
	t.Helper()
	resp, err := lb.client.Post(lb.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func admissionReview(object []byte) []byte {
	return []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","operation":"CREATE","kind":{"group":"","version":"v1","kind":"Pod"},"object":` + string(object) + `}}`)
}

func providerRequest(keys ...[]byte) []byte {
	var quoted []string
	for _, k := range keys {
		if json.Valid(k) && k[0] != '{' && k[0] != '[' {
			quoted = append(quoted, string(k)) // a non-string key, sent as it is
			continue
		}
		b, _ := json.Marshal(string(k))
		quoted = append(quoted, string(b))
	}
	return []byte(`{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":[` + strings.Join(quoted, ",") + `]}}`)
}

var goodJobJSON = []byte(`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"good"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"report","image":"report"},{"name":"istio-proxy","image":"proxyv2"}]}}}}`)

// assertServer sends the hostile document to /externaldata (with the good
// Job as a second key, which must still get its patch), /mutate and
// /validate.
func (row inputRow) assertServer(t *testing.T, lb *loopback, data []byte) {
	object := []byte(row.object)
	if len(object) == 0 {
		object, _ = json.Marshal(string(firstDocument(data)))
	}
	status, body := lb.post(t, "/externaldata", providerRequest(object, goodJobJSON))
	wantStatus := http.StatusOK
	if row.status == http.StatusRequestEntityTooLarge {
		wantStatus = row.status
	}
	if status != wantStatus {
		t.Fatalf("/externaldata: status %d, want %d: %.2000s", status, wantStatus, body)
	}
	if status == http.StatusOK {
		var reply struct {
			Response struct {
				Items []struct {
					Error string `json:"error"`
					Value *struct {
						Patch []any `json:"patch"`
					} `json:"value"`
				} `json:"items"`
			} `json:"response"`
		}
		if err := json.Unmarshal([]byte(body), &reply); err != nil || len(reply.Response.Items) != 2 {
			t.Fatalf("/externaldata: %v: %.2000s", err, body)
		}
		items := reply.Response.Items
		if items[1].Value == nil || len(items[1].Value.Patch) == 0 {
			t.Errorf("/externaldata: the good key got no patch: %.2000s", body)
		}
		if row.serverMsg == "" && items[0].Error != "" || row.serverMsg != "" && !strings.Contains(items[0].Error, "/request/keys/0: ") {
			t.Errorf("/externaldata: item 0 error %q, want it to name /request/keys/0 (accepted: %v)", items[0].Error, row.serverMsg == "")
		}
		if row.serverMsg != "" && !strings.Contains(items[0].Error, row.serverMsg) {
			t.Errorf("/externaldata: item 0 error %q lacks %q", items[0].Error, row.serverMsg)
		}
	}
	for _, path := range []string{"/mutate", "/validate"} {
		status, body := lb.post(t, path, admissionReview(object))
		want := row.status
		if want == 0 {
			want = http.StatusOK
		}
		if status != want {
			t.Errorf("%s: status %d, want %d: %.2000s", path, status, want, body)
		}
		if status == http.StatusOK && row.serverMsg != "" && !strings.Contains(body, `"allowed":true`) {
			t.Errorf("%s: an unreadable object must be allowed with a warning: %.2000s", path, body)
		}
		// A refusal or warning names where in the request the problem is.
		if row.serverMsg != "" && status != http.StatusRequestEntityTooLarge && !strings.Contains(body, "/request/object") && !strings.Contains(body, "(byte ") {
			t.Errorf("%s: reply names no JSON pointer: %.2000s", path, body)
		}

	}
}
