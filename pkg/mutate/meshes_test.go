package mutate

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// meshDocs reads the YAML documents of file as JSON-typed maps.
func meshDocs(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, part := range strings.Split("\n"+string(data), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(part), &m); err != nil {
			t.Fatal(err)
		}
		if m != nil {
			out = append(out, jsonRoundTrip(t, m))
		}
	}
	return out
}

// TestInjectorNative holds the Kuma and Consul profiles to their injectors:
// nativize's conversion of what the injector emits in classic mode (golden
// input) must equal what it emits in native mode (testdata/meshes), field by
// field. wantInit is nativize's init container order where it departs from
// the injector's on purpose (docs/RULES.md "Consul"); nil means the
// injector's own order.
func TestInjectorNative(t *testing.T) {
	cases := []struct {
		name     string
		wantInit [][]string
	}{
		{name: "statefulset-kuma"},
		{name: "deployment-kuma-cni"},
		{name: "deployment-consul", wantInit: [][]string{
			{"consul-connect-inject-init", "consul-dataplane", "fetch-certs"},
			nil,
		}},
	}
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			classic := meshDocs(t, "testdata/golden/"+tc.name+".in.yaml")
			native := meshDocs(t, "testdata/meshes/"+tc.name+".native.yaml")
			if len(classic) != len(native) {
				t.Fatalf("%d classic documents, %d native", len(classic), len(native))
			}
			for i := range classic {
				out, _, err := m.Object(classic[i])
				if err != nil {
					t.Fatal(err)
				}
				got, want := jsonRoundTrip(t, out), native[i]
				if tc.wantInit != nil && tc.wantInit[i] != nil {
					if order := names(got, "initContainers"); !reflect.DeepEqual(order, tc.wantInit[i]) {
						t.Errorf("doc %d: initContainers = %v, want %v", i, order, tc.wantInit[i])
					}
					byName := func(obj map[string]any) map[string]any {
						out := map[string]any{}
						for _, n := range names(obj, "initContainers") {
							out[n] = containerNamed(obj, n)
						}
						return out
					}
					if g, w := byName(got), byName(want); !reflect.DeepEqual(g, w) {
						t.Errorf("doc %d: init containers differ:\n got %s\nwant %s", i, meshJSON(g), meshJSON(w))
					}
					spec := func(obj map[string]any) map[string]any {
						s := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
						delete(s, "initContainers")
						return obj
					}
					got, want = spec(got), spec(want)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("doc %d: nativize output differs from the injector's native output:\n got %s\nwant %s", i, meshJSON(got), meshJSON(want))
				}
			}
		})
	}
}

func meshJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestKumaConsulEdits covers the Kuma and Consul field edits case by case.
func TestKumaConsulEdits(t *testing.T) {
	drain := map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"killall", "-USR2", "kuma-dp"}}}}
	kumaProbe := func(port int) map[string]any {
		return map[string]any{"httpGet": map[string]any{"path": "/ready", "port": port},
			"initialDelaySeconds": 1, "timeoutSeconds": 3, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 12}
	}
	consulProbe := func(fields map[string]any) map[string]any {
		p := map[string]any{"exec": map[string]any{"command": []any{"/usr/local/bin/consul-dataplane", "-check-proxy-health"}}}
		for k, v := range fields {
			p[k] = v
		}
		return p
	}
	defaults := map[string]any{"initialDelaySeconds": 1, "periodSeconds": 1, "failureThreshold": 10, "timeoutSeconds": 5}
	cases := []struct {
		name   string
		in     string
		check  string
		want   map[string]any
		absent []string
	}{
		{name: "kuma bare: drain and probe on 9901", in: pod("", "{name: kuma-init}", "{name: app}, {name: kuma-sidecar}"),
			check: "kuma-sidecar", want: map[string]any{"lifecycle": drain, "startupProbe": kumaProbe(9901)}},
		{name: "kuma probe port from readinessProbe", in: pod("kuma.io/envoy-admin-port: '9901'", "", "{name: app}, {name: kuma-sidecar, readinessProbe: {httpGet: {path: /ready, port: 9902}}}"),
			check: "kuma-sidecar", want: map[string]any{"startupProbe": kumaProbe(9902)}},
		{name: "kuma probe port from livenessProbe", in: pod("", "", "{name: app}, {name: kuma-sidecar, livenessProbe: {httpGet: {path: /ready, port: 9911}}}"),
			check: "kuma-sidecar", want: map[string]any{"startupProbe": kumaProbe(9911)}},
		{name: "kuma probe port from annotation", in: pod("kuma.io/envoy-admin-port: '19901'", "", "{name: app}, {name: kuma-sidecar, readinessProbe: {httpGet: {port: admin}}}"),
			check: "kuma-sidecar", want: map[string]any{"startupProbe": kumaProbe(19901)}},
		{name: "kuma bad annotation falls back to 9901", in: pod("kuma.io/envoy-admin-port: '99999'", "", "{name: app}, {name: kuma-sidecar}"),
			check: "kuma-sidecar", want: map[string]any{"startupProbe": kumaProbe(9901)}},
		{name: "kuma-dp wait replaced by drain", in: pod("", "", "{name: app}, {name: kuma-sidecar, lifecycle: {postStart: {exec: {command: [kuma-dp, wait, --url, 'http://localhost:9901/ready']}}}}"),
			check: "kuma-sidecar", want: map[string]any{"lifecycle": drain}},
		{name: "kuma-dp wait dropped, user preStop kept", in: pod("", "", "{name: app}, {name: kuma-sidecar, lifecycle: {postStart: {exec: {command: [kuma-dp, wait]}}, preStop: {sleep: {seconds: 5}}}}"),
			check: "kuma-sidecar", want: map[string]any{"lifecycle": map[string]any{"preStop": map[string]any{"sleep": map[string]any{"seconds": 5}}}}},
		{name: "kuma user postStart kept", in: pod("", "", "{name: app}, {name: kuma-sidecar, lifecycle: {postStart: {exec: {command: [kuma-dp, version]}}}}"),
			check: "kuma-sidecar", want: map[string]any{"lifecycle": map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"kuma-dp", "version"}}}, "preStop": drain["preStop"]}}},
		{name: "kuma user startupProbe kept", in: pod("", "", "{name: app}, {name: kuma-sidecar, startupProbe: {tcpSocket: {port: 15001}}}"),
			check: "kuma-sidecar", want: map[string]any{"startupProbe": map[string]any{"tcpSocket": map[string]any{"port": 15001}}}},
		{name: "kuma malformed lifecycle left alone", in: pod("", "", "{name: app}, {name: kuma-sidecar, lifecycle: [x]}"),
			check: "kuma-sidecar", want: map[string]any{"lifecycle": []any{"x"}, "startupProbe": kumaProbe(9901)}},
		{name: "consul defaults", in: pod("", "{name: consul-connect-inject-init}", "{name: app}, {name: consul-dataplane}"),
			check: "consul-dataplane", want: map[string]any{"startupProbe": consulProbe(defaults)}, absent: []string{"lifecycle"}},
		{name: "consul annotations; zero and junk leave fields out", in: pod("consul.hashicorp.com/sidecar-initial-probe-check-delay-seconds: '0', consul.hashicorp.com/sidecar-probe-period-seconds: '007', consul.hashicorp.com/sidecar-probe-failure-threshold: 'x', consul.hashicorp.com/sidecar-probe-check-timeout-seconds: '2147483648'", "", "{name: app}, {name: consul-dataplane}"),
			check: "consul-dataplane", want: map[string]any{"startupProbe": consulProbe(map[string]any{"periodSeconds": 7})}},
		{name: "consul classic startupProbe replaced", in: pod("", "", "{name: app}, {name: consul-dataplane, readinessProbe: {tcpSocket: {port: 20000}, initialDelaySeconds: 1}, startupProbe: {tcpSocket: {port: 20000}, periodSeconds: 1, failureThreshold: 60}}"),
			check: "consul-dataplane", want: map[string]any{"startupProbe": consulProbe(defaults)}},
		{name: "consul user startupProbe kept", in: pod("", "", "{name: app}, {name: consul-dataplane, readinessProbe: {tcpSocket: {port: 20000}}, startupProbe: {tcpSocket: {port: 21000}}}"),
			check: "consul-dataplane", want: map[string]any{"startupProbe": map[string]any{"tcpSocket": map[string]any{"port": 21000}}}},
		{name: "legacy envoy-sidecar gets no consul probe", in: pod("", "", "{name: app}, {name: envoy-sidecar}"),
			check: "envoy-sidecar", want: map[string]any{"restartPolicy": "Always"}, absent: []string{"startupProbe"}},
	}
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := m.Object(parse(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			c := jsonRoundTrip(t, containerNamed(out, tc.check))
			if c["restartPolicy"] != "Always" {
				t.Errorf("%s not converted: %s", tc.check, meshJSON(c))
			}
			want := jsonRoundTrip(t, tc.want)
			for k := range want {
				if !reflect.DeepEqual(c[k], want[k]) {
					t.Errorf("%s.%s = %s, want %s", tc.check, k, meshJSON(c[k]), meshJSON(want[k]))
				}
			}
			for _, k := range tc.absent {
				if _, ok := c[k]; ok {
					t.Errorf("%s.%s present, want absent", tc.check, k)
				}
			}
		})
	}
}
