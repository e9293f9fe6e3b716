package mutate

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

func parse(t testing.TB, src string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// names lists container names of a list field of the first pod spec.
func names(obj map[string]any, field string) []string {
	ps := workload.Locate(obj, catalog.Default())[0]
	list, _ := ps.Spec[field].([]any)
	out := []string{}
	for _, c := range list {
		out = append(out, c.(map[string]any)["name"].(string))
	}
	return out
}

func containerNamed(obj map[string]any, name string) map[string]any {
	ps := workload.Locate(obj, catalog.Default())[0]
	for _, f := range []string{"initContainers", "containers"} {
		list, _ := ps.Spec[f].([]any)
		for _, c := range list {
			if m := c.(map[string]any); m["name"] == name {
				return m
			}
		}
	}
	return nil
}

func pod(annotations, init, containers string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {" + annotations + "}\nspec:\n  initContainers: [" + init + "]\n  containers: [" + containers + "]\n"
}

func TestConvert(t *testing.T) {
	drain := func(port string) any {
		return map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"pilot-agent", "request", "--debug-port=" + port, "POST", "drain"}}}}
	}
	cases := []struct {
		name       string
		in         string
		wantInit   []string
		wantCtrs   []string
		unchanged  bool
		check      string // container whose fields are checked
		wantFields map[string]any
		absent     []string
	}{
		{
			name:       "seed istio pod",
			in:         pod("", "{name: istio-init}, {name: check-traffic}", "{name: sleep}, {name: istio-proxy}"),
			wantInit:   []string{"istio-init", "istio-proxy", "check-traffic"},
			wantCtrs:   []string{"sleep"},
			check:      "istio-proxy",
			wantFields: map[string]any{"restartPolicy": "Always", "lifecycle": drain("15020")},
		},
		{
			name:       "istio pilot-agent wait hook replaced, status port honoured",
			in:         pod(`status.sidecar.istio.io/port: "15099"`, "{name: istio-init}", "{name: app}, {name: istio-proxy, lifecycle: {postStart: {exec: {command: [pilot-agent, wait]}}}}"),
			wantInit:   []string{"istio-init", "istio-proxy"},
			wantCtrs:   []string{"app"},
			check:      "istio-proxy",
			wantFields: map[string]any{"lifecycle": drain("15099")},
		},
		{
			name:       "istio custom lifecycle kept",
			in:         pod("", "", "{name: app}, {name: istio-proxy, lifecycle: {preStop: {exec: {command: [sleep, '5']}}}}"),
			wantInit:   []string{"istio-proxy"},
			wantCtrs:   []string{"app"},
			check:      "istio-proxy",
			wantFields: map[string]any{"lifecycle": map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"sleep", "5"}}}}},
		},
		{
			name:       "linkerd await and sleep dropped, startup probe added",
			in:         pod("", "{name: linkerd-init}, {name: migrate}", "{name: linkerd-proxy, lifecycle: {postStart: {exec: {command: [/usr/lib/linkerd/linkerd-await]}}, preStop: {exec: {command: [sleep, '5']}}}}, {name: app}"),
			wantInit:   []string{"linkerd-init", "linkerd-proxy", "migrate"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"restartPolicy": "Always", "startupProbe": l5dProbe(4191)},
			absent:     []string{"lifecycle"},
		},
		{
			name:       "linkerd /bin/sleep preStop of waitBeforeExitSeconds dropped",
			in:         pod("", "{name: linkerd-init}", "{name: linkerd-proxy, lifecycle: {preStop: {exec: {command: [/bin/sleep, '30']}}}}, {name: app}"),
			wantInit:   []string{"linkerd-init", "linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(4191)},
			absent:     []string{"lifecycle"},
		},
		{
			name:       "linkerd custom hooks kept, only Linkerd's own dropped",
			in:         pod("", "", "{name: linkerd-proxy, lifecycle: {postStart: {exec: {command: [/hooks/notify]}}, preStop: {exec: {command: [/usr/bin/sleep, '5']}}}}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"lifecycle": map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"/hooks/notify"}}}}},
		},
		{
			name:       "linkerd sleep-like program that is not sleep kept",
			in:         pod("", "", "{name: linkerd-proxy, lifecycle: {preStop: {exec: {command: [/bin/sleepy, '5']}}}}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"lifecycle": map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"/bin/sleepy", "5"}}}}},
		},
		{
			name:       "linkerd admin port from the linkerd-admin port",
			in:         pod(`config.linkerd.io/admin-port: "9991"`, "", "{name: linkerd-proxy, ports: [{name: linkerd-proxy, containerPort: 4143}, {name: linkerd-admin, containerPort: 9990}], readinessProbe: {httpGet: {path: /ready, port: 9992}}}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(9990)},
		},
		{
			name:       "linkerd admin port from the readiness probe",
			in:         pod("", "", "{name: linkerd-proxy, readinessProbe: {httpGet: {path: /ready, port: 9992}}, livenessProbe: {httpGet: {path: /live, port: 9993}}}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(9992)},
		},
		{
			name:       "linkerd admin port from the liveness probe when readiness names a port",
			in:         pod("", "", "{name: linkerd-proxy, readinessProbe: {httpGet: {path: /ready, port: admin}}, livenessProbe: {httpGet: {path: /live, port: 9993}}}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(9993)},
		},
		{
			name:       "linkerd admin port from the admin listen address",
			in:         pod("", "", "{name: linkerd-proxy, env: [{name: LINKERD2_PROXY_ADMIN_LISTEN_ADDR, value: '[::]:9994'}]}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(9994)},
		},
		{
			name:       "linkerd admin port from linkerd-await --port",
			in:         pod("", "", "{name: linkerd-proxy, lifecycle: {postStart: {exec: {command: [/usr/lib/linkerd/linkerd-await, --timeout=2m, --port=9995]}}}}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(9995)},
			absent:     []string{"lifecycle"},
		},
		{
			name:       "linkerd admin port from the annotation when the proxy says nothing valid",
			in:         pod(`config.linkerd.io/admin-port: "9996"`, "", "{name: linkerd-proxy, ports: [{name: linkerd-admin, containerPort: 70000}], env: [{name: LINKERD2_PROXY_ADMIN_LISTEN_ADDR, value: 'x:y'}]}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(9996)},
		},
		{
			name:       "linkerd invalid admin-port annotation falls back to 4191",
			in:         pod(`config.linkerd.io/admin-port: "41a"`, "", "{name: linkerd-proxy}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(4191)},
		},
		{
			name:     "linkerd proxy-await disabled: no startup probe, as Linkerd",
			in:       pod(`config.linkerd.io/proxy-await: disabled`, "", "{name: app}, {name: linkerd-proxy}"),
			wantInit: []string{"linkerd-proxy"},
			wantCtrs: []string{"app"},
			check:    "linkerd-proxy",
			absent:   []string{"startupProbe", "lifecycle"},
		},
		{
			name:       "linkerd await hook wins over a disabled annotation",
			in:         pod(`config.linkerd.io/proxy-await: disabled`, "", "{name: linkerd-proxy, lifecycle: {postStart: {exec: {command: [/usr/lib/linkerd/linkerd-await, --port=4191]}}}}, {name: app}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"startupProbe": l5dProbe(4191)},
		},
		{
			name:       "linkerd stable key true beats an alpha opt-out",
			in:         pod(`config.linkerd.io/proxy-enable-native-sidecar: "true", config.alpha.linkerd.io/proxy-enable-native-sidecar: "false"`, "", "{name: app}, {name: linkerd-proxy}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"restartPolicy": "Always"},
		},
		{
			name:       "linkerd beta key true beats an alpha opt-out",
			in:         pod(`config.beta.linkerd.io/proxy-enable-native-sidecar: "true", config.alpha.linkerd.io/proxy-enable-native-sidecar: "false"`, "", "{name: app}, {name: linkerd-proxy}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"restartPolicy": "Always"},
		},
		{
			name:       "linkerd unparsable stable key hides the lower ones, as in Linkerd",
			in:         pod(`config.linkerd.io/proxy-enable-native-sidecar: "maybe", config.beta.linkerd.io/proxy-enable-native-sidecar: "false"`, "", "{name: app}, {name: linkerd-proxy}"),
			wantInit:   []string{"linkerd-proxy"},
			wantCtrs:   []string{"app"},
			check:      "linkerd-proxy",
			wantFields: map[string]any{"restartPolicy": "Always"},
		},
		{
			name:       "kuma drain added",
			in:         pod("", "{name: kuma-init}", "{name: app}, {name: kuma-sidecar}"),
			wantInit:   []string{"kuma-init", "kuma-sidecar"},
			wantCtrs:   []string{"app"},
			check:      "kuma-sidecar",
			wantFields: map[string]any{"lifecycle": map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"killall", "-USR2", "kuma-dp"}}}}},
		},
		{
			name:     "proxy before helper sidecars, before-sidecars ahead of both",
			in:       pod("nativize.dev/before-sidecars: render", "{name: wait}, {name: render}, {name: istio-init}", "{name: app}, {name: sql, image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2}, {name: istio-proxy}"),
			wantInit: []string{"istio-init", "render", "istio-proxy", "sql", "wait"},
			wantCtrs: []string{"app"},
		},
		{
			name:       "annotated extra sidecar",
			in:         pod("nativize.dev/sidecars: 'shipper, nope'", "", "{name: app}, {name: shipper}"),
			wantInit:   []string{"shipper"},
			wantCtrs:   []string{"app"},
			check:      "shipper",
			wantFields: map[string]any{"restartPolicy": "Always"},
			absent:     []string{"lifecycle", "startupProbe"},
		},
		{
			name:     "envoy is a proxy only next to osm-init",
			in:       pod("", "{name: osm-init}", "{name: app}, {name: envoy}"),
			wantInit: []string{"osm-init", "envoy"},
			wantCtrs: []string{"app"},
		},
		{
			name:     "enable-core-dump right after the Istio proxy",
			in:       pod("", "{name: istio-init}, {name: migrate}, {name: enable-core-dump}", "{name: app}, {name: istio-proxy}, {name: sql, image: gcr.io/x/cloud-sql-proxy:2}"),
			wantInit: []string{"istio-init", "istio-proxy", "enable-core-dump", "sql", "migrate"},
			wantCtrs: []string{"app"},
		},
		{
			name:       "CronJob reads jobTemplate metadata annotations",
			in:         "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    metadata: {annotations: {status.sidecar.istio.io/port: '15030'}}\n    spec:\n      template:\n        spec:\n          containers: [{name: app}, {name: istio-proxy}]\n",
			wantInit:   []string{"istio-proxy"},
			wantCtrs:   []string{"app"},
			check:      "istio-proxy",
			wantFields: map[string]any{"lifecycle": drain("15030")},
		},
		{
			name:       "CronJob port from the metadata Istio annotated, not the pod template",
			in:         "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    metadata: {annotations: {sidecar.istio.io/status: '{}'}}\n    spec:\n      template:\n        metadata: {annotations: {status.sidecar.istio.io/port: '15030'}}\n        spec:\n          containers: [{name: app}, {name: istio-proxy}]\n",
			wantInit:   []string{"istio-proxy"},
			wantCtrs:   []string{"app"},
			check:      "istio-proxy",
			wantFields: map[string]any{"lifecycle": drain("15020")},
		},
		{name: "plain envoy untouched", in: pod("", "", "{name: app}, {name: envoy}"), unchanged: true},
		{name: "opt-out", in: pod("nativize.dev/convert: 'False'", "", "{name: app}, {name: istio-proxy}"), unchanged: true},
		{name: "istio native opt-out", in: pod("sidecar.istio.io/nativeSidecar: 'false'", "", "{name: app}, {name: istio-proxy}"), unchanged: true},
		{name: "linkerd native opt-out", in: pod("config.linkerd.io/proxy-enable-native-sidecar: 'false'", "", "{name: app}, {name: linkerd-proxy}"), unchanged: true},
		{name: "linkerd beta opt-out", in: pod("config.beta.linkerd.io/proxy-enable-native-sidecar: 'false'", "", "{name: app}, {name: linkerd-proxy}"), unchanged: true},
		{name: "linkerd alpha opt-out", in: pod("config.alpha.linkerd.io/proxy-enable-native-sidecar: 'f'", "", "{name: app}, {name: linkerd-proxy}"), unchanged: true},
		{name: "linkerd beta opt-out beats alpha true", in: pod("config.beta.linkerd.io/proxy-enable-native-sidecar: '0', config.alpha.linkerd.io/proxy-enable-native-sidecar: 'true'", "", "{name: app}, {name: linkerd-proxy}"), unchanged: true},
		{name: "consul opt-out", in: pod("consul.hashicorp.com/enable-consul-dataplane-as-sidecar: 'false'", "", "{name: app}, {name: consul-dataplane}"), unchanged: true},
		{name: "consul opt-out 0", in: pod("consul.hashicorp.com/enable-consul-dataplane-as-sidecar: '0'", "", "{name: app}, {name: consul-dataplane}"), unchanged: true},
		{name: "consul opt-out F applies to any mesh", in: pod("consul.hashicorp.com/enable-consul-dataplane-as-sidecar: 'F'", "", "{name: app}, {name: istio-proxy}"), unchanged: true},
		{name: "only sidecars left alone", in: pod("", "", "{name: istio-proxy}"), unchanged: true},
		{name: "already native", in: pod("", "{name: istio-init}, {name: istio-proxy, restartPolicy: Always}, {name: x}", "{name: app}"), unchanged: true},
		{
			name:       "native-looking proxy without Always is promoted and reordered",
			in:         pod("", "{name: istio-proxy}, {name: istio-init}", "{name: app}"),
			wantInit:   []string{"istio-init", "istio-proxy"},
			wantCtrs:   []string{"app"},
			check:      "istio-proxy",
			wantFields: map[string]any{"restartPolicy": "Always"},
			absent:     []string{"lifecycle"},
		},
		{name: "regular container restartPolicy is not a sidecar", in: pod("", "", "{name: app}, {name: helper, restartPolicy: Always}"), unchanged: true},
	}
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := parse(t, tc.in)
			out, plan, err := m.Object(in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.unchanged {
				if !plan.Empty() {
					t.Fatalf("want no change, got plan %+v", plan.Specs)
				}
				return
			}
			if got := names(out, "initContainers"); !reflect.DeepEqual(got, tc.wantInit) {
				t.Errorf("initContainers = %v, want %v", got, tc.wantInit)
			}
			if got := names(out, "containers"); !reflect.DeepEqual(got, tc.wantCtrs) {
				t.Errorf("containers = %v, want %v", got, tc.wantCtrs)
			}
			if tc.check == "" {
				return
			}
			c := jsonRoundTrip(t, containerNamed(out, tc.check))
			for k, want := range tc.wantFields {
				if !reflect.DeepEqual(c[k], jsonRoundTrip(t, map[string]any{"v": want})["v"]) {
					t.Errorf("%s.%s = %#v, want %#v", tc.check, k, c[k], want)
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

// l5dProbe is the startupProbe of Linkerd's native proxy (_proxy.tpl) on port.
func l5dProbe(port int) map[string]any {
	return map[string]any{"httpGet": map[string]any{"path": "/ready", "port": port},
		"initialDelaySeconds": 0, "periodSeconds": 1, "failureThreshold": 120}
}

func jsonRoundTrip(t testing.TB, v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIstioStatus(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["v"],"imagePullSecrets":null,"revision":"default"}`,
			`{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["v"],"imagePullSecrets":null,"revision":"default"}`},
		{`{"revision":"canary","zz":1,"containers":["istio-proxy","other"],"initContainers":null,"aa":true}`,
			`{"initContainers":["istio-proxy"],"containers":["other"],"revision":"canary","aa":true,"zz":1}`},
	}
	for _, tc := range cases {
		got, ok := RewriteIstioStatus(tc.in)
		if !ok || got != tc.want {
			t.Errorf("RewriteIstioStatus(%s) = %s, %v; want %s", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"not json", `{"containers":["istio-proxy"]} junk`, `{"containers":["istio-proxy"]}{}`, "null"} {
		if _, ok := RewriteIstioStatus(bad); ok {
			t.Errorf("invalid status %q accepted", bad)
		}
	}
}

func TestKubeVersion(t *testing.T) {
	cases := []struct {
		v       string
		err     bool
		warning bool
	}{
		{"1.27", true, false}, {"v1.27.9", true, false}, {"1.28", false, true}, {"v1.28.3", false, true},
		{"1.29", false, false}, {"1.35.0", false, false}, {"2", true, false}, {"1.x", true, false},
	}
	for _, tc := range cases {
		m, err := New(Options{KubeVersion: tc.v})
		if (err != nil) != tc.err {
			t.Errorf("%s: err = %v, want error %v", tc.v, err, tc.err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrKubeVersion) {
				t.Errorf("%s: error %v does not wrap ErrKubeVersion", tc.v, err)
			}
			continue
		}
		if got := len(m.Warnings()) > 0; got != tc.warning {
			t.Errorf("%s: warning = %v, want %v", tc.v, got, tc.warning)
		}
		if tc.warning && !strings.Contains(m.Warnings()[0], "SidecarContainers") {
			t.Errorf("%s: warning %q does not name the feature gate", tc.v, m.Warnings()[0])
		}
	}
}

// TestProperties checks, over generated objects: the input is not modified,
// conversion is idempotent, nothing is lost, the R3 order holds, and the
// JSON patch gives the same object as ApplyObject.
func TestProperties(t *testing.T) {
	m, _ := New(Options{})
	g := podgen.New(42)
	converted := 0
	for i := 0; i < 3000; i++ {
		in := g.Object(i)
		before := DeepCopy(in)
		out, plan, err := m.Object(in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, before) {
			t.Fatalf("object %d: input modified", i)
		}
		if plan.Empty() {
			continue
		}
		converted++
		again, err := m.Plan(out)
		if err != nil || !again.Empty() {
			t.Fatalf("object %d: not idempotent: %+v", i, again.Specs)
		}
		checkNothingLost(t, i, in, out, plan)
		checkOrder(t, i, out)
		checkPatch(t, i, in, out, plan)
	}
	if converted < 1000 {
		t.Fatalf("only %d of 3000 generated objects converted; generator too tame", converted)
	}
}

func containersByName(ps workload.PodSpec) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, f := range []string{"initContainers", "containers"} {
		list, _ := ps.Spec[f].([]any)
		for _, c := range list {
			m := c.(map[string]any)
			out[m["name"].(string)] = m
		}
	}
	return out
}

func checkNothingLost(t *testing.T, i int, in, out map[string]any, plan *Plan) {
	edited := map[string]bool{}
	for _, sp := range plan.Specs {
		for _, e := range sp.Edits {
			edited[e.Container+"/"+e.Field] = true
		}
	}
	inSpecs, outSpecs := workload.Locate(in, catalog.Default()), workload.Locate(out, catalog.Default())
	for s := range inSpecs {
		a, b := containersByName(inSpecs[s]), containersByName(outSpecs[s])
		if len(a) != len(b) {
			t.Fatalf("object %d: %d containers became %d", i, len(a), len(b))
		}
		for name, ca := range a {
			cb := b[name]
			for k, v := range ca {
				if !edited[name+"/"+k] && !reflect.DeepEqual(cb[k], v) {
					t.Fatalf("object %d: %s.%s changed without an edit", i, name, k)
				}
			}
		}
		for k, v := range inSpecs[s].Spec {
			if k != "initContainers" && k != "containers" && !reflect.DeepEqual(outSpecs[s].Spec[k], v) {
				t.Fatalf("object %d: spec.%s changed", i, k)
			}
		}
	}
}

// checkOrder verifies R3 on a converted object: setup containers come
// before every proxy, proxies before moved helpers' successors, and every
// sidecar is native.
func checkOrder(t *testing.T, i int, out map[string]any) {
	for _, ps := range workload.Locate(out, catalog.Default()) {
		cl := Classify(ps, catalog.Default())
		lastSetup, firstProxy := -1, len(cl.Init)
		for j, c := range cl.Init {
			switch c.Role() {
			case catalog.RoleSetup:
				lastSetup = j
			case catalog.RoleProxy:
				if j < firstProxy {
					firstProxy = j
				}
				if c.Map["restartPolicy"] != "Always" {
					t.Fatalf("object %d: proxy %s not native", i, c.Name)
				}
			}
		}
		if lastSetup > firstProxy {
			t.Fatalf("object %d: setup container after a proxy", i)
		}
		if len(cl.Move) > 0 && !OptedOut(ps) && len(cl.Move) != len(cl.Containers) {
			t.Fatalf("object %d: sidecars left in containers: %v", i, cl.Move[0].Name)
		}
	}
}

func checkPatch(t *testing.T, i int, in, out map[string]any, plan *Plan) {
	doc, _ := json.Marshal(in)
	ops, _ := json.Marshal(plan.Patch())
	p, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		t.Fatalf("object %d: patch does not decode: %v", i, err)
	}
	patched, err := p.Apply(doc)
	if err != nil {
		t.Fatalf("object %d: patch does not apply: %v\n%s", i, err, ops)
	}
	want, _ := json.Marshal(out)
	if !jsonEqual(patched, want) {
		t.Fatalf("object %d: patched object differs from ApplyObject\n%s\n%s", i, patched, want)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// BenchmarkPlan measures planning plus applying on generated workloads.
func BenchmarkPlan(b *testing.B) {
	m, _ := New(Options{})
	g := podgen.New(1)
	objs := make([]map[string]any, 256)
	for i := range objs {
		objs[i] = g.Object(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.Object(objs[i%len(objs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
