package mutate

import (
	"reflect"
	"testing"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

// istioPod is a classic Istio pod with pod annotations ann (YAML flow map body).
func istioPod(ann string) string {
	return pod(ann, "{name: istio-init, image: proxyv2}", "{name: app, image: nginx}, {name: istio-proxy, image: proxyv2}")
}

// istioCronJob is a classic Istio CronJob with annotations on the job
// template's metadata (jt) and on the pod template (pt).
func istioCronJob(jt, pt string) string {
	return `apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "* * * * *"
  jobTemplate:
    metadata: {annotations: {` + jt + `}}
    spec:
      template:
        metadata: {annotations: {` + pt + `}}
        spec:
          restartPolicy: Never
          containers: [{name: app, image: nginx}, {name: istio-proxy, image: proxyv2}]
`
}

const istioStatus = `sidecar.istio.io/status: '{"initContainers":["istio-init"],"containers":["istio-proxy"]}'`

func TestIstioKeepsClassic(t *testing.T) {
	cases := []struct {
		name string
		obj  string
		want bool
	}{
		{"no templates annotation: the default sidecar template", istioPod(istioStatus), false},
		{"gateway", istioPod(istioStatus + `, inject.istio.io/templates: gateway`), true},
		{"grpc-agent, spaces trimmed", istioPod(`inject.istio.io/templates: " grpc-agent "`), true},
		{"custom template only", istioPod(`inject.istio.io/templates: custom`), true},
		{"empty list", istioPod(`inject.istio.io/templates: ""`), true},
		{"sidecar among others", istioPod(`inject.istio.io/templates: "spire, sidecar"`), false},
		{"sidecar repeated", istioPod(`inject.istio.io/templates: sidecar,sidecar`), false},
		{"names are case-sensitive", istioPod(`inject.istio.io/templates: Sidecar`), true},
		{"CronJob: status and templates on the job template", istioCronJob(istioStatus+`, inject.istio.io/templates: gateway`, ""), true},
		// kube-inject read only spec.jobTemplate.metadata: the pod template's
		// annotation did not select a template.
		{"CronJob: status on the job template, templates on the pod template", istioCronJob(istioStatus, `inject.istio.io/templates: gateway`), false},
		{"CronJob: no status, templates on the pod template", istioCronJob("", `inject.istio.io/templates: gateway`), true},
		{"CronJob: status on the pod template wins", istioCronJob(`inject.istio.io/templates: sidecar`, istioStatus+`, inject.istio.io/templates: gateway`), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := workload.Locate(parse(t, c.obj), catalog.Default())[0]
			if got := IstioKeepsClassic(ps); got != c.want {
				t.Errorf("IstioKeepsClassic = %v, want %v", got, c.want)
			}
			// Such a pod spec is left alone, as an opted-out one is.
			m, err := New(Options{Catalog: catalog.Default()})
			if err != nil {
				t.Fatal(err)
			}
			_, plan, err := m.Object(parse(t, c.obj))
			if err != nil {
				t.Fatal(err)
			}
			if plan.Empty() != c.want {
				t.Errorf("plan empty = %v, want %v", plan.Empty(), c.want)
			}
		})
	}
}

func TestIstioAnnotation(t *testing.T) {
	const port = "status.sidecar.istio.io/port"
	cases := []struct {
		name   string
		obj    string
		want   string
		wantOK bool
	}{
		{"no status: pod template", istioPod(port + `: "15030"`), "15030", true},
		{"status metadata has it", istioPod(istioStatus + `, ` + port + `: "15030"`), "15030", true},
		{"CronJob: status metadata lacks it", istioCronJob(istioStatus, port+`: "15030"`), "", false},
		{"CronJob: status on the job template", istioCronJob(istioStatus+`, `+port+`: "15031"`, port+`: "15030"`), "15031", true},
		{"CronJob: no status, pod template first", istioCronJob(port+`: "15031"`, port+`: "15030"`), "15030", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := workload.Locate(parse(t, c.obj), catalog.Default())[0]
			got, ok := IstioAnnotation(ps, port)
			if got != c.want || ok != c.wantOK {
				t.Errorf("IstioAnnotation = %q, %v; want %q, %v", got, ok, c.want, c.wantOK)
			}
		})
	}
}

func TestRewriteIstioOverrides(t *testing.T) {
	cases := []struct {
		name, in, want string // want "" = left as is
	}{
		{"proxy only: containers key omitted",
			`{"containers":[{"name":"istio-proxy","resources":{"requests":{"cpu":"200m"}}}]}`,
			`{"initContainers":[{"name":"istio-proxy","resources":{"requests":{"cpu":"200m"}}}]}`},
		{"element bytes kept (corev1.Container order, not sorted)",
			`{"containers":[{"name":"istio-proxy","image":"auto","lifecycle":{"preStop":{"exec":{"command":["sleep","10"]}}}}]}`,
			`{"initContainers":[{"name":"istio-proxy","image":"auto","lifecycle":{"preStop":{"exec":{"command":["sleep","10"]}}}}]}`},
		{"other containers stay, proxy goes after the init containers",
			`{"containers":[{"name":"traffic","image":"t"},{"name":"istio-proxy","image":"p"}],"initContainers":[{"name":"istio-init","image":"i"}]}`,
			`{"containers":[{"name":"traffic","image":"t"}],"initContainers":[{"name":"istio-init","image":"i"},{"name":"istio-proxy","image":"p"}]}`},
		{"key order containers, initContainers whatever the input order",
			`{"initContainers":[{"name":"istio-init"}],"containers":[{"name":"a"},{"name":"istio-proxy"}]}`,
			`{"containers":[{"name":"a"}],"initContainers":[{"name":"istio-init"},{"name":"istio-proxy"}]}`},
		{"whitespace inside elements kept, between them dropped",
			` { "containers" : [ {"name": "istio-proxy", "x": [1, 2]} ] } `,
			`{"initContainers":[{"name": "istio-proxy", "x": [1, 2]}]}`},
		{"already in initContainers: not appended twice",
			`{"containers":[{"name":"istio-proxy","a":1}],"initContainers":[{"name":"istio-proxy","a":2}]}`,
			`{"initContainers":[{"name":"istio-proxy","a":2}]}`},
		{"braces inside strings and nested lists",
			`{"containers":[{"name":"app","cmd":"{\"containers\":[{\"name\":\"x\"}]}"},{"name":"istio-proxy","p":[{"q":"}"}]}]}`,
			`{"containers":[{"name":"app","cmd":"{\"containers\":[{\"name\":\"x\"}]}"}],"initContainers":[{"name":"istio-proxy","p":[{"q":"}"}]}]}`},
		{"no istio-proxy in containers", `{"containers":[{"name":"traffic"}]}`, ""},
		{"only initContainers", `{"initContainers":[{"name":"istio-proxy"}]}`, ""},
		{"unknown key", `{"containers":[{"name":"istio-proxy"}],"volumes":[]}`, ""},
		{"duplicate key", `{"containers":[{"name":"istio-proxy"}],"containers":[{"name":"istio-proxy"}]}`, ""},
		{"element not an object", `{"containers":[{"name":"istio-proxy"},"x"]}`, ""},
		{"containers not a list", `{"containers":{"name":"istio-proxy"}}`, ""},
		{"trailing bytes", `{"containers":[{"name":"istio-proxy"}]}x`, ""},
		{"not JSON", `containers: [istio-proxy]`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := RewriteIstioOverrides(c.in)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("RewriteIstioOverrides(%s) = %q, %v; want %q", c.in, got, ok, c.want)
			}
		})
	}
}

// TestIstioNativeLifecycle holds the lifecycle of a moved istio-proxy to what
// Istio's native mode renders (tests/istio F2): its template's lifecycle with
// the user's override (proxy.istio.io/overrides) strategic-merged in.
func TestIstioNativeLifecycle(t *testing.T) {
	const (
		wait    = `{postStart: {exec: {command: [pilot-agent, wait]}}}`
		waitArg = `{postStart: {exec: {command: [pilot-agent, wait, --timeoutSeconds=60]}}}`
		sleep   = `{preStop: {exec: {command: [sleep, "10"]}}}`
		drain   = `{preStop: {exec: {command: [pilot-agent, request, --debug-port=15020, POST, drain]}}}`
	)
	over := func(lc string) string {
		return `proxy.istio.io/overrides: '{"containers":[{"name":"istio-proxy","lifecycle":` + lc + `}]}'`
	}
	const (
		oWaitArg = `{"postStart":{"exec":{"command":["pilot-agent","wait","--timeoutSeconds=60"]}}}`
		oSleep   = `{"preStop":{"exec":{"command":["sleep","10"]}}}`
		oHTTP    = `{"preStop":{"httpGet":{"path":"/quit","port":"http"}}}`
	)
	proxy := func(lc string) string {
		if lc == "" {
			return "{name: app, image: nginx}, {name: istio-proxy, image: proxyv2}"
		}
		return "{name: app, image: nginx}, {name: istio-proxy, image: proxyv2, lifecycle: " + lc + "}"
	}
	cases := []struct {
		name, ann, lc string
		want          string // "" = no lifecycle
	}{
		{"no override, no lifecycle: drain", istioStatus, "", drain},
		{"no override, hold: drain", istioStatus, wait, drain},
		{"no override, install-wide lifecycle: kept", istioStatus, sleep, sleep},
		{"override postStart, no hold: kept plus drain", istioStatus + ", " + over(oWaitArg), waitArg,
			`{postStart: {exec: {command: [pilot-agent, wait, --timeoutSeconds=60]}}, preStop: {exec: {command: [pilot-agent, request, --debug-port=15020, POST, drain]}}}`},
		{"override preStop, hold: the wait goes, the user's preStop stays", istioStatus + ", " + over(oSleep),
			`{postStart: {exec: {command: [pilot-agent, wait]}}, preStop: {exec: {command: [sleep, "10"]}}}`, sleep},
		{"override preStop, no hold: kept", istioStatus + ", " + over(oSleep), sleep, sleep},
		{"override httpGet preStop replaces the drain's handler whole", istioStatus + ", " + over(oHTTP),
			`{preStop: {httpGet: {path: /quit, port: http}}}`, `{preStop: {httpGet: {path: /quit, port: http}}}`},
		{"install-wide lifecycle merged with the override: kept", istioStatus + ", " + over(oSleep),
			`{postStart: {exec: {command: [echo, hi]}}, preStop: {exec: {command: [sleep, "10"]}}}`,
			`{postStart: {exec: {command: [echo, hi]}}, preStop: {exec: {command: [sleep, "10"]}}}`},
		{"override without lifecycle: today's rule", istioStatus + `, proxy.istio.io/overrides: '{"containers":[{"name":"istio-proxy"}]}'`, wait, drain},
		{"override with trailing bytes: ignored", istioStatus + `, proxy.istio.io/overrides: '{"containers":[{"name":"istio-proxy","lifecycle":` + oSleep + `}]} x'`,
			`{postStart: {exec: {command: [pilot-agent, wait]}}, preStop: {exec: {command: [sleep, "10"]}}}`,
			`{postStart: {exec: {command: [pilot-agent, wait]}}, preStop: {exec: {command: [sleep, "10"]}}}`},
	}
	m, err := New(Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := m.Object(parse(t, pod(c.ann, "{name: istio-init, image: proxyv2}", proxy(c.lc))))
			if err != nil {
				t.Fatal(err)
			}
			got := namedContainer(t, out, "initContainers", "istio-proxy")["lifecycle"]
			var want any
			if c.want != "" {
				want = parse(t, "v: "+c.want)["v"]
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("lifecycle = %v, want %v", got, want)
			}
		})
	}
}

// TestIstioStatusPort holds the drain's --debug-port to the status port
// Istio injected with (tests/istio F6): the annotation, else the port Istio
// appended to istio-init's excluded inbound ports (-d).
func TestIstioStatusPort(t *testing.T) {
	initD := func(name, d string) string {
		return "{name: " + name + `, image: proxyv2, args: [istio-iptables, "-p", "15001", "-d", "` + d + `", "-o", "15025"]}`
	}
	const excl = "traffic.sidecar.istio.io/excludeInboundPorts"
	cases := []struct {
		name, ann, init, want string
	}{
		{"default install", istioStatus, initD("istio-init", "15090,15021,15020"), "15020"},
		{"install-wide statusPort", istioStatus, initD("istio-init", "15090,15021,15025"), "15025"},
		{"CNI: istio-validation", istioStatus, initD("istio-validation", "15090,15021,15025"), "15025"},
		{"annotation wins", istioStatus + `, status.sidecar.istio.io/port: "15030"`, initD("istio-init", "15090,15021,15025"), "15030"},
		{"appended to the user's ports", istioStatus + `, ` + excl + `: "15020, 8080"`, initD("istio-init", "15090,15021,15020,8080,15025"), "15025"},
		{"CNI: Istio's copy of the list on the pod", istioStatus + `, ` + excl + `: "8080,15025"`, initD("istio-validation", "15090,15021,8080,15025"), "15025"},
		{"install-wide list, default port listed", istioStatus, initD("istio-init", "15090,15021,15020,8080"), "15020"},
		{"install-wide list, port appended", istioStatus, initD("istio-init", "15090,15021,8080,15025"), "15025"},
		{"status port disabled (no third port)", istioStatus, initD("istio-init", "15090,15021"), "15020"},
		{"not Istio's form", istioStatus, initD("istio-init", "8080,15025"), "15020"},
		{"not a number", istioStatus, initD("istio-init", "15090,15021,http"), "15020"},
		{"-d last: no value", istioStatus, `{name: istio-init, image: proxyv2, args: [istio-iptables, "-d"]}`, "15020"},
		{"other init container", istioStatus, initD("setup", "15090,15021,15025"), "15020"},
		{"no istio-init (interceptionMode NONE)", istioStatus, "", "15020"},
	}
	m, err := New(Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := m.Object(parse(t, pod(c.ann, c.init, "{name: app, image: nginx}, {name: istio-proxy, image: proxyv2}")))
			if err != nil {
				t.Fatal(err)
			}
			lc, _ := namedContainer(t, out, "initContainers", "istio-proxy")["lifecycle"].(map[string]any)
			want := istioDrain(c.want)
			if !reflect.DeepEqual(lc, want) {
				t.Errorf("lifecycle = %v, want %v", lc, want)
			}
		})
	}
}

// namedContainer returns the container named name of list field of obj's pod spec.
func namedContainer(t *testing.T, obj map[string]any, field, name string) map[string]any {
	t.Helper()
	list, _ := workload.Locate(obj, catalog.Default())[0].Spec[field].([]any)
	for _, e := range list {
		if c, _ := e.(map[string]any); c["name"] == name {
			return c
		}
	}
	t.Fatalf("no %s in %s", name, field)
	return nil
}
