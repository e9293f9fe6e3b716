package conformance

import (
	"strings"
	"testing"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
	"k8s.io/kubernetes/pkg/features"
	"sigs.k8s.io/yaml"
)

// podWith is a Pod whose spec is the given YAML (indented for "spec:").
func podWith(spec string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + spec
}

// TestCheck holds the checker to what it must catch: each row is one
// document, the API server features that differ from the v1.37 defaults, and
// the problems it must report (substrings, all of them), or none.
func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		gates featuregatetesting.FeatureOverrides
		want  []string // substrings of reported problems; empty: must pass
	}{
		{
			name: "native sidecar passes",
			doc: podWith(`  initContainers:
  - {name: proxy, image: envoy, restartPolicy: Always, startupProbe: {tcpSocket: {port: 15000}}}
  containers:
  - {name: app, image: app}
`),
		},
		{
			name: "init container with restartPolicy OnFailure may not keep a sidecar's probes",
			doc: podWith(`  initContainers:
  - {name: proxy, image: envoy, restartPolicy: OnFailure, readinessProbe: {tcpSocket: {port: 15000}}}
  containers:
  - {name: app, image: app}
`),
			want: []string{"invalid: spec.initContainers[0].readinessProbe: Forbidden"},
		},
		{
			name: "init container with an unknown restartPolicy",
			doc: podWith(`  initContainers:
  - {name: proxy, image: envoy, restartPolicy: Sometimes}
  containers:
  - {name: app, image: app}
`),
			want: []string{`invalid: spec.initContainers[0].restartPolicy: Unsupported value: "Sometimes"`},
		},
		{
			name: "sidecar copied instead of moved: duplicate container name",
			doc: podWith(`  initContainers:
  - {name: istio-proxy, image: proxyv2, restartPolicy: Always}
  containers:
  - {name: app, image: app}
  - {name: istio-proxy, image: proxyv2}
`),
			want: []string{`invalid: spec.initContainers[0].name: Duplicate value: "istio-proxy"`},
		},
		{
			name: "lifecycle on a plain init container",
			doc: podWith(`  initContainers:
  - name: setup
    image: busybox
    lifecycle: {preStop: {exec: {command: [pilot-agent, request, POST, drain]}}}
  containers:
  - {name: app, image: app}
`),
			want: []string{"invalid: spec.initContainers[0].lifecycle: Forbidden"},
		},
		{
			name: "restartPolicy on a regular container is dropped where ContainerRestartRules is off (1.34)",
			doc: podWith(`  containers:
  - {name: app, image: app}
  - {name: istio-proxy, image: proxyv2, restartPolicy: Always}
`),
			gates: featuregatetesting.FeatureOverrides{features.ContainerRestartRules: false},
			want:  []string{"dropped by PrepareForCreate: spec.containers[1].restartPolicy (was Always)"},
		},
		{
			name: "OnFailure init container is dropped where ContainerRestartRules is off (1.34)",
			doc: podWith(`  initContainers:
  - {name: migrate, image: app, restartPolicy: OnFailure}
  containers:
  - {name: app, image: app}
`),
			gates: featuregatetesting.FeatureOverrides{features.ContainerRestartRules: false},
			want:  []string{"dropped by PrepareForCreate: spec.initContainers[0].restartPolicy (was OnFailure)"},
		},
		{
			name: "stopSignal of an alpha feature (ContainerStopSignals) is dropped in a Deployment",
			doc: `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      os: {name: linux}
      containers:
      - {name: app, image: app, lifecycle: {stopSignal: SIGUSR1}}
`,
			want: []string{"dropped by PrepareForCreate: spec.template.spec.containers[0].lifecycle.stopSignal (was SIGUSR1)"},
		},
		{
			name: "unknown field is not silently dropped by decoding",
			doc: podWith(`  containers:
  - {name: app, image: app, restartPolicyy: Always}
`),
			want: []string{`decode: strict decoding error: unknown field "spec.containers[0].restartPolicyy"`},
		},
		{
			name: "Job pod template must not restart Always",
			doc: `apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      restartPolicy: Always
      containers:
      - {name: app, image: app}
`,
			want: []string{`invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		},
		{
			name: "invalid List item is reported at its place",
			doc: `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}
- apiVersion: v1
  kind: Pod
  metadata: {name: bad}
  spec:
    initContainers:
    - {name: proxy, image: envoy, restartPolicy: Sometimes}
    containers:
    - {name: app, image: app}
`,
			want: []string{"items[1]", "spec.initContainers[0].restartPolicy: Unsupported value"},
		},
		{
			name: "unknown kind: its pod template is validated as a PodTemplate",
			doc: `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: c}
spec:
  template:
    spec:
      initContainers:
      - {name: proxy, image: envoy, restartPolicy: Always, livenessProbe: {tcpSocket: {port: 1}}}
      containers:
      - {name: proxy, image: app}
`,
			want: []string{"spec.template (as PodTemplate)", `template.spec.initContainers[0].name: Duplicate value: "proxy"`},
		},
		{
			name: "apps/v1beta1 is no longer served",
			doc: `apiVersion: apps/v1beta1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - {name: app, image: app}
`,
			want: []string{"apps/v1beta1 Deployment is not served by a v1.37 API server (use apps/v1)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.gates != nil {
				featuregatetesting.SetFeatureGatesDuringTest(t, utilfeature.DefaultFeatureGate, tt.gates)
			}
			js, err := yaml.YAMLToJSONStrict([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			outcomes, err := Check(js)
			if err != nil {
				t.Fatal(err)
			}
			if len(outcomes) == 0 {
				t.Fatal("no object was created")
			}
			var report []string
			for _, o := range outcomes {
				if o.Failed() {
					report = append(report, o.String())
				}
			}
			got := strings.Join(report, "\n")
			if len(tt.want) == 0 && got != "" {
				t.Errorf("want no problem, got:\n%s", got)
			}
			if len(tt.want) > 0 && got == "" {
				t.Errorf("want problems %q, got none", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("want a problem containing %q, got:\n%s", w, got)
				}
			}
		})
	}
}

// TestLost pins the comparison around PrepareForCreate: removed or changed
// fields are reported, status and the generation value are not, and added
// fields are fine.
func TestLost(t *testing.T) {
	tests := []struct {
		name          string
		before, after map[string]string
		want          []string
	}{
		{"unchanged", map[string]string{"spec.a": "1"}, map[string]string{"spec.a": "1"}, nil},
		{"added", map[string]string{"spec.a": "1"}, map[string]string{"spec.a": "1", "spec.b": "2"}, nil},
		{"dropped", map[string]string{"spec.a": "1", "spec.b": "2"}, map[string]string{"spec.a": "1"},
			[]string{"dropped by PrepareForCreate: spec.b (was 2)"}},
		{"changed", map[string]string{"spec.a": "1"}, map[string]string{"spec.a": "3"},
			[]string{"changed by PrepareForCreate: spec.a (1 -> 3)"}},
		{"status reset", map[string]string{"status.replicas": "3", "status": "{}"}, map[string]string{}, nil},
		{"generation set to 1", map[string]string{"metadata.generation": "7"}, map[string]string{"metadata.generation": "1"}, nil},
		{"generation removed", map[string]string{"metadata.generation": "7"}, map[string]string{},
			[]string{"dropped by PrepareForCreate: metadata.generation (was 7)"}},
		{"annotation dropped", map[string]string{"metadata.annotations.a": "x"}, map[string]string{},
			[]string{"dropped by PrepareForCreate: metadata.annotations.a (was x)"}},
		{"statusx is not status", map[string]string{"statusx": "1"}, map[string]string{},
			[]string{"dropped by PrepareForCreate: statusx (was 1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Lost(tt.before, tt.after); !equal(got, tt.want) {
				t.Errorf("Lost() = %q, want %q", got, tt.want)
			}
		})
	}
}
