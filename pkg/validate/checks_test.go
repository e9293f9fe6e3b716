package validate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/pkg/mutate"
)

// parse decodes a YAML manifest into the unstructured form the checks read.
func parse(t *testing.T, src string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(src), &obj); err != nil {
		t.Fatalf("bad fixture: %v\n%s", err, src)
	}
	return obj
}

// pod builds a manifest of kind (Job, Deployment, Pod) around a pod spec body
// (YAML indented by two spaces) and optional pod template annotations.
func pod(kind, annotations, body string) string {
	indent := func(s, pad string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		for i, l := range lines {
			lines[i] = pad + l
		}
		return strings.Join(lines, "\n")
	}
	ann := ""
	if annotations != "" {
		ann = "annotations: {" + annotations + "}"
	}
	switch kind {
	case "Pod":
		return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\n  %s\nspec:\n%s\n", ann, indent(body, "  "))
	case "Job":
		return fmt.Sprintf("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    metadata: {%s}\n    spec:\n%s\n", ann, indent(body, "      "))
	default:
		return fmt.Sprintf("apiVersion: apps/v1\nkind: %s\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {%s}\n    spec:\n%s\n", kind, ann, indent(body, "      "))
	}
}

// row is one expected finding of the check under test: "severity container message-suffix".
type row = string

func summarize(fs []Finding, check string) []row {
	var out []row
	for _, f := range fs {
		if f.Check != check {
			continue
		}
		msg := f.Message
		prefix := fmt.Sprintf("%s: %s/%s: ", f.Check, f.Object.Kind, f.Object.Name)
		if !strings.HasPrefix(msg, prefix) {
			msg = "BAD PREFIX " + msg
		}
		out = append(out, fmt.Sprintf("%s %s %s", f.Severity, f.Container, strings.TrimPrefix(msg, prefix)))
	}
	return out
}

type checkCase struct {
	name     string
	manifest string
	kube     string
	want     []row
}

func runChecks(t *testing.T, check string, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Options{KubeVersion: tc.kube})
			if err != nil {
				t.Fatal(err)
			}
			got := summarize(c.Check(parse(t, tc.manifest)), check)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("%s findings:\n got: %q\nwant: %q", check, got, tc.want)
			}
		})
	}
}

const (
	appCtr   = "- {name: app, image: app:1}\n"
	proxyCtr = "- {name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0}\n"
	initPrx  = "- {name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0, restartPolicy: Always, startupProbe: {httpGet: {path: /healthz/ready, port: 15021}}}\n"
	istioIni = "- {name: istio-init, image: docker.io/istio/proxyv2:1.28.0}\n"
	fetchIni = "- {name: fetch, image: curl}\n"
)

func TestNS001ClassicSidecar(t *testing.T) {
	runChecks(t, CheckClassicSidecar, []checkCase{
		{"job proxy is an error", pod("Job", "", "restartPolicy: Never\ncontainers:\n"+appCtr+proxyCtr), "",
			[]row{`error istio-proxy container "istio-proxy" is a classic sidecar; the Job will never complete — run "nativize mutate"`}},
		{"deployment proxy is a warning", pod("Deployment", "", "containers:\n"+appCtr+proxyCtr), "",
			[]row{`warning istio-proxy container "istio-proxy" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run "nativize mutate"`}},
		{"pod with restartPolicy OnFailure is an error", pod("Pod", "", "restartPolicy: OnFailure\ncontainers:\n"+appCtr+proxyCtr), "",
			[]row{`error istio-proxy container "istio-proxy" is a classic sidecar; the Pod will never complete — run "nativize mutate"`}},
		{"pod with restartPolicy Always is a warning", pod("Pod", "", "restartPolicy: Always\ncontainers:\n"+appCtr+"- {name: helper, image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2}\n"), "",
			[]row{`warning helper container "helper" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run "nativize mutate"`}},
		{"sidecars annotation names a container", pod("Deployment", `nativize.dev/sidecars: "logship, x"`, "containers:\n"+appCtr+"- {name: logship, image: fluent-bit}\n"), "",
			[]row{`warning logship container "logship" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run "nativize mutate"`}},
		{"only container is a sidecar: still reported", pod("Job", "", "containers:\n"+proxyCtr), "",
			[]row{`error istio-proxy container "istio-proxy" is a classic sidecar; the Job will never complete — run "nativize mutate"`}},
		{"opted out", pod("Job", `nativize.dev/convert: "False "`, "containers:\n"+appCtr+proxyCtr), "", nil},
		{"consul switch False opts out", pod("Job", `consul.hashicorp.com/enable-consul-dataplane-as-sidecar: "False"`, "containers:\n"+appCtr+proxyCtr), "", nil},
		{"consul switch that ParseBool refuses is no opt-out", pod("Job", `consul.hashicorp.com/enable-consul-dataplane-as-sidecar: "false "`, "containers:\n"+appCtr+proxyCtr), "",
			[]row{`error istio-proxy container "istio-proxy" is a classic sidecar; the Job will never complete — run "nativize mutate"`}},
		{"istio inject label false opts out", strings.Replace(pod("Job", "", "containers:\n"+appCtr+proxyCtr), "metadata: {}", `metadata: {labels: {sidecar.istio.io/inject: "false"}}`, 1), "", nil},
		{"already native", pod("Job", "", "initContainers:\n"+initPrx+"containers:\n"+appCtr), "", nil},
		{"no sidecar", pod("Job", "", "containers:\n"+appCtr), "", nil},
		{"not a workload", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {containers: x}\n", "", nil},
		{"plain envoy without OSM setup is not a proxy", pod("Deployment", "", "containers:\n"+appCtr+"- {name: envoy, image: envoyproxy/envoy}\n"), "", nil},
	})
}

func TestNS002InitBeforeProxy(t *testing.T) {
	runChecks(t, CheckInitBeforeProxy, []checkCase{
		{"init before native proxy", pod("Deployment", "", "initContainers:\n"+istioIni+fetchIni+initPrx+"containers:\n"+appCtr), "",
			[]row{`error fetch init container "fetch" runs before the mesh proxy "istio-proxy" and has no network — run "nativize mutate"`}},
		{"init with a classic proxy", pod("Job", "", "initContainers:\n"+istioIni+fetchIni+"containers:\n"+appCtr+proxyCtr), "",
			[]row{`error fetch init container "fetch" runs before the mesh proxy "istio-proxy" and has no network — run "nativize mutate"`}},
		{"native helper before the proxy", pod("Deployment", "", "initContainers:\n- {name: vault-agent, image: vault, restartPolicy: Always}\n"+initPrx+"containers:\n"+appCtr), "",
			[]row{`error vault-agent init container "vault-agent" runs before the mesh proxy "istio-proxy" and has no network — run "nativize mutate"`}},
		{"companion before the proxy is grouped with it", pod("Deployment", "", "initContainers:\n"+istioIni+"- {name: enable-core-dump, image: proxyv2}\n"+initPrx+"containers:\n"+appCtr), "", nil},
		{"before-sidecars annotation", pod("Deployment", `nativize.dev/before-sidecars: fetch`, "initContainers:\n"+istioIni+fetchIni+initPrx+"containers:\n"+appCtr), "", nil},
		{"init after the proxy", pod("Deployment", "", "initContainers:\n"+istioIni+initPrx+fetchIni+"containers:\n"+appCtr), "", nil},
		{"no proxy", pod("Deployment", "", "initContainers:\n"+fetchIni+"containers:\n"+appCtr), "", nil},
		{"opted out", pod("Job", `sidecar.istio.io/nativeSidecar: "false"`, "initContainers:\n"+fetchIni+"containers:\n"+appCtr+proxyCtr), "", nil},
	})
}

func TestNS003SetupAfterProxy(t *testing.T) {
	runChecks(t, CheckSetupAfterProxy, []checkCase{
		{"setup after native proxy", pod("Deployment", "", "initContainers:\n"+initPrx+istioIni+"containers:\n"+appCtr), "",
			[]row{`error istio-init network setup init container "istio-init" runs after the mesh proxy "istio-proxy" — run "nativize mutate"`}},
		{"setup first", pod("Deployment", "", "initContainers:\n"+istioIni+initPrx+"containers:\n"+appCtr), "", nil},
		{"classic proxy", pod("Deployment", "", "initContainers:\n"+istioIni+"containers:\n"+appCtr+proxyCtr), "", nil},
		{"opted out", pod("Deployment", `nativize.dev/convert: "false"`, "initContainers:\n"+initPrx+istioIni+"containers:\n"+appCtr), "", nil},
	})
}

func TestNS004RestartPolicy(t *testing.T) {
	runChecks(t, CheckRestartPolicy, []checkCase{
		{"init proxy without Always", pod("Deployment", "", "initContainers:\n- {name: linkerd-proxy, image: l5d}\ncontainers:\n"+appCtr), "",
			[]row{`error linkerd-proxy mesh proxy "linkerd-proxy" is an init container without restartPolicy: Always; it never exits and the pod stays in Init`}},
		{"init proxy with Never", pod("Deployment", "", "initContainers:\n- {name: linkerd-proxy, image: l5d, restartPolicy: Never}\ncontainers:\n"+appCtr), "",
			[]row{`error linkerd-proxy mesh proxy "linkerd-proxy" is an init container without restartPolicy: Always; it never exits and the pod stays in Init`}},
		{"invalid value on init", pod("Deployment", "", "initContainers:\n- {name: a, image: a, restartPolicy: Sometimes}\ncontainers:\n"+appCtr), "",
			[]row{`error a init container "a" has invalid restartPolicy "Sometimes"`}},
		{"invalid value on container", pod("Deployment", "", "containers:\n- {name: app, image: a, restartPolicy: always}\n"), "",
			[]row{`error app container "app" has invalid restartPolicy "always"`}},
		{"Never on init before 1.35", pod("Deployment", "", "initContainers:\n- {name: a, image: a, restartPolicy: Never}\ncontainers:\n"+appCtr), "1.34",
			[]row{`error a init container "a" has restartPolicy "Never"; only Always is valid on an init container before Kubernetes 1.35`}},
		{"Always on container before 1.35", pod("Deployment", "", "containers:\n- {name: app, image: a, restartPolicy: Always}\n"), "v1.30.2",
			[]row{`error app container "app" has restartPolicy "Always"; regular containers accept restartPolicy only from Kubernetes 1.35`}},
		{"Never on init on 1.35", pod("Deployment", "", "initContainers:\n- {name: a, image: a, restartPolicy: Never}\ncontainers:\n- {name: app, image: a, restartPolicy: OnFailure}\n"), "1.35", nil},
		{"Never on init, current version", pod("Deployment", "", "initContainers:\n- {name: a, image: a, restartPolicy: Never}\ncontainers:\n"+appCtr), "", nil},
		{"native proxy", pod("Deployment", "", "initContainers:\n"+initPrx+"containers:\n"+appCtr), "1.29", nil},
		{"opted out is still checked", pod("Deployment", `nativize.dev/convert: "false"`, "initContainers:\n- {name: a, image: a, restartPolicy: Bad}\ncontainers:\n"+appCtr), "",
			[]row{`error a init container "a" has invalid restartPolicy "Bad"`}},
	})
}

func TestNS005StartupProbe(t *testing.T) {
	runChecks(t, CheckNoStartupProbe, []checkCase{
		{"native helper without probe", pod("Deployment", "", "initContainers:\n- {name: vault-agent, image: vault, restartPolicy: Always}\ncontainers:\n"+appCtr), "",
			[]row{`warning vault-agent native sidecar "vault-agent" has no startupProbe; the next container starts before it is ready`}},
		{"native proxy with probe", pod("Deployment", "", "initContainers:\n"+initPrx+"containers:\n"+appCtr), "", nil},
		{"plain init container", pod("Deployment", "", "initContainers:\n"+fetchIni+"containers:\n"+appCtr), "", nil},
		{"classic sidecar", pod("Deployment", "", "containers:\n"+appCtr+proxyCtr), "", nil},
	})
}

func TestNS006KubeVersion(t *testing.T) {
	native := pod("Deployment", "", "initContainers:\n"+initPrx+"containers:\n"+appCtr)
	runChecks(t, CheckKubeVersion, []checkCase{
		{"1.27", native, "1.27", []row{`error istio-proxy native sidecar "istio-proxy" needs Kubernetes 1.28 or later; an older API server drops restartPolicy and the pod hangs in Init`}},
		{"1.28", native, "v1.28.4", []row{`warning istio-proxy native sidecar "istio-proxy" needs the SidecarContainers feature gate on Kubernetes 1.28 (on by default from 1.29)`}},
		{"1.29", native, "1.29", nil},
		{"current", native, "", nil},
		{"classic on 1.27", pod("Deployment", "", "containers:\n"+appCtr+proxyCtr), "1.27", nil},
	})
}

func TestNS007Workarounds(t *testing.T) {
	wait := "- {name: istio-proxy, image: proxyv2, restartPolicy: Always, startupProbe: {}, lifecycle: {postStart: {exec: {command: [pilot-agent, wait, --timeout=60s]}}}}\n"
	runChecks(t, CheckObsoleteWorkaround, []checkCase{
		{"pilot-agent wait on a native proxy", pod("Deployment", "", "initContainers:\n"+wait+"containers:\n"+appCtr), "",
			[]row{`warning istio-proxy native sidecar "istio-proxy" keeps the obsolete postStart "pilot-agent wait" hook`}},
		{"pilot-agent wait on a classic proxy", pod("Deployment", "", "containers:\n"+appCtr+"- {name: istio-proxy, image: proxyv2, lifecycle: {postStart: {exec: {command: [pilot-agent, wait]}}}}\n"), "", nil},
		{"quitquitquit in a Job", pod("Job", "", "containers:\n- {name: main, image: a, command: [sh, -c], args: [\"run; curl -fsI -X POST http://localhost:15020/quitquitquit\"]}\n"+proxyCtr), "",
			[]row{`warning main container "main" calls /quitquitquit to stop the proxy; obsolete once the proxy is a native sidecar`}},
		{"linkerd-await --shutdown in a Job", pod("Job", "", "containers:\n- {name: main, image: a, command: [/linkerd-await, --shutdown, --, ./run]}\n- {name: linkerd-proxy, image: l5d}\n"), "",
			[]row{`warning main container "main" wraps its command in linkerd-await --shutdown; obsolete once the proxy is a native sidecar`}},
		{"linkerd-await without --shutdown", pod("Job", "", "containers:\n- {name: main, image: a, command: [/linkerd-await, --, ./run]}\n"), "", nil},
		{"quitquitquit in a Deployment", pod("Deployment", "", "containers:\n- {name: main, image: a, args: [\"curl localhost:15020/quitquitquit\"]}\n"), "", nil},
	})
}

func TestNS008EffectiveRequests(t *testing.T) {
	spec := "initContainers:\n" + istioIni +
		"- {name: fetch, image: curl, resources: {requests: {cpu: 500m}, limits: {memory: 64Mi}}}\n" +
		"containers:\n- {name: app, image: app, resources: {requests: {cpu: \"0.1\", memory: 1Gi}}}\n" +
		"- {name: istio-proxy, image: proxyv2, resources: {requests: {cpu: 100m, memory: 128Mi}}}\n"
	runChecks(t, CheckEffectiveRequests, []checkCase{
		{"proxy ahead of an init step", pod("Job", "", spec), "",
			[]row{`info  effective pod requests change: cpu 500m → 600m`}},
		{"memory grows too", pod("Job", "", strings.Replace(spec, "limits: {memory: 64Mi}", "limits: {memory: 2Gi}", 1)), "",
			[]row{`info  effective pod requests change: cpu 500m → 600m, memory 2Gi → 2176Mi`}},
		{"no requests", pod("Job", "", "initContainers:\n"+fetchIni+"containers:\n"+appCtr+proxyCtr), "", nil},
		{"opted out", pod("Job", `nativize.dev/convert: "false"`, spec), "", nil},
		{"conversion refused below 1.28", pod("Job", "", spec), "1.27", nil},
		{"1.28 converts", pod("Job", "", spec), "1.28", []row{`info  effective pod requests change: cpu 500m → 600m`}},
	})
}

func TestQuantities(t *testing.T) {
	cases := []struct {
		in   any
		want int64
	}{
		{"100m", 100}, {"0.1", 100}, {"1", 1000}, {float64(2), 2000}, {1, 1000}, {int64(3), 3000},
		{"1Ki", 1024000}, {"1e3", 1000000}, {"0.0001", 1}, {"-1", 0}, {"1e-3", 0}, {"abc", 0}, {true, 0},
		{json.Number("0.5"), 500},
	}
	for _, tc := range cases {
		if got := milli(tc.in); got != tc.want {
			t.Errorf("milli(%#v) = %d, want %d", tc.in, got, tc.want)
		}
	}
	formats := []struct {
		r    string
		m    int64
		want string
	}{
		{"cpu", 0, "0m"}, {"cpu", 1500, "1500m"}, {"memory", 0, "0"}, {"memory", 1, "1"},
		{"memory", 64 << 20 * 1000, "64Mi"}, {"memory", 1000 * 1000, "1000"}, {"ephemeral-storage", 3 << 40 * 1000, "3Ti"},
		{"nvidia.com/gpu", 1000, "1"}, {"memory", 2176 << 20 * 1000, "2176Mi"},
	}
	for _, tc := range formats {
		if got := formatQuantity(tc.r, tc.m); got != tc.want {
			t.Errorf("formatQuantity(%s, %d) = %q, want %q", tc.r, tc.m, got, tc.want)
		}
	}
}

func TestFixIsTheMutatePatch(t *testing.T) {
	obj := parse(t, pod("Job", "", "initContainers:\n"+fetchIni+"containers:\n"+appCtr+proxyCtr))
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mutate.New(mutate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.Plan(obj)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(plan.Patch())
	fs := c.Check(obj)
	var checks []string
	for _, f := range fs {
		checks = append(checks, f.Check)
		got, _ := json.Marshal(f.Fix)
		switch f.Check {
		case CheckClassicSidecar, CheckInitBeforeProxy, CheckSetupAfterProxy:
			if string(got) != string(want) {
				t.Errorf("%s fix = %s, want %s", f.Check, got, want)
			}
		default:
			if f.Fix != nil {
				t.Errorf("%s carries a fix", f.Check)
			}
		}
	}
	if strings.Join(checks, ",") != "NS001,NS002" {
		t.Errorf("checks = %v, want NS001,NS002", checks)
	}
}

func TestListItemsAreCheckedAsObjects(t *testing.T) {
	list := `apiVersion: v1
kind: List
items:
- apiVersion: batch/v1
  kind: Job
  metadata: {name: a, namespace: x}
  spec: {template: {spec: {containers: [{name: app, image: a}, {name: linkerd-proxy, image: l5d}]}}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: b}
  spec: {template: {spec: {containers: [{name: app, image: a}, {name: linkerd-proxy, image: l5d}]}}}
`
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs := c.Check(parse(t, list))
	if len(fs) != 2 {
		t.Fatalf("findings = %d, want 2: %+v", len(fs), fs)
	}
	// Sorted by object kind: Deployment before Job.
	if fs[0].Object != (Object{"apps/v1", "Deployment", "", "b"}) || fs[1].Object != (Object{"batch/v1", "Job", "x", "a"}) {
		t.Errorf("objects = %+v, %+v", fs[0].Object, fs[1].Object)
	}
	for _, f := range fs {
		if len(f.Fix) == 0 || !strings.HasPrefix(f.Fix[0].Path, "/spec/template/spec/") {
			t.Errorf("%s/%s: fix not relative to the item: %+v", f.Object.Kind, f.Object.Name, f.Fix)
		}
	}
}

func TestInvalidKubeVersion(t *testing.T) {
	if _, err := New(Options{KubeVersion: "latest"}); err == nil {
		t.Fatal("New accepted kube version \"latest\"")
	}
}

func TestDedupe(t *testing.T) {
	a := Finding{Check: "NS001", Severity: SeverityError, Object: Object{Kind: "Pod", Name: "p"}, Container: "x", Message: "m",
		Fix: []mutate.PatchOp{{Op: "add", Path: "/a", Value: 1}}}
	b := a
	b.Fix = []mutate.PatchOp{{Op: "add", Path: "/a", Value: 2}}
	c := a
	c.Container = "y"
	got := dedupe([]Finding{c, a, a, b, c})
	if len(got) != 3 || got[0].Container != "x" || got[2].Container != "y" {
		t.Fatalf("dedupe = %+v, want a, b, c", got)
	}
}
