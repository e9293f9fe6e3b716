package mutate

import (
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
