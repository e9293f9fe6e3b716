package krm

import (
	"errors"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// pod is an Istio-injected classic pod item, indented as a list item.
const pod = `- apiVersion: v1
  kind: Pod
  metadata:
    name: p
    annotations:
      config.kubernetes.io/index: '3'
      internal.config.kubernetes.io/path: k8s/pod.yaml
  spec:
    x-unknown-field: kept
    initContainers:
    - name: istio-init
      image: proxyv2
    containers:
    - name: app # the app
      image: app
    - name: istio-proxy
      image: proxyv2
`

// job holds a custom proxy "my-proxy" that only a functionConfig knows.
const job = `- apiVersion: batch/v1
  kind: Job
  metadata: {name: j, namespace: ns}
  spec:
    template:
      spec:
        restartPolicy: Never
        containers:
        - {name: main, image: m}
        - {name: my-proxy, image: p}
`

// badInit has an init container with an invalid restartPolicy (NS004, error)
// and nothing to convert.
const badInit = `- apiVersion: v1
  kind: Pod
  metadata: {name: bad}
  spec:
    initContainers:
    - {name: setup, image: s, restartPolicy: Sometimes}
    containers:
    - {name: app, image: a}
`

const configMap = `- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c}
  data: {k: v}
`

func list(fnConfig string, items ...string) string {
	s := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nx-orchestrator: keep-me\nitems:\n" + strings.Join(items, "")
	if fnConfig != "" {
		s += "functionConfig:\n" + fnConfig
	}
	return s
}

// decoded is the part of an output ResourceList the tests look at.
type decoded struct {
	Extra   string           `yaml:"x-orchestrator"`
	Items   []map[string]any `yaml:"items"`
	Results []Result         `yaml:"results"`
}

func decode(t *testing.T, b []byte) decoded {
	t.Helper()
	var d decoded
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, b)
	}
	return d
}

// names lists the container names of an item's pod spec field.
func names(item map[string]any, field string) []string {
	spec, _ := item["spec"].(map[string]any)
	if tpl, ok := spec["template"].(map[string]any); ok {
		spec, _ = tpl["spec"].(map[string]any)
	}
	var out []string
	list, _ := spec[field].([]any)
	for _, c := range list {
		out = append(out, c.(map[string]any)["name"].(string))
	}
	return out
}

func checks(rs []Result) []string {
	var out []string
	for _, r := range rs {
		id := r.Tags["nativize.dev/check"]
		if id == "" {
			id = r.Tags["nativize.dev/action"]
		}
		if id == "" {
			id = r.Severity
		}
		out = append(out, id)
	}
	return out
}

func TestProcess(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		opts   Options
		init   [][]string // per item, initContainers names after
		conts  [][]string // per item, containers names after
		checks []string   // result ids (check, action or severity), in order
		failed bool
		// contains are substrings of the output (comments, unknown fields).
		contains []string
	}{
		{
			name:     "converts items in order and keeps the rest",
			input:    list("", pod, configMap),
			init:     [][]string{{"istio-init", "istio-proxy"}, nil},
			conts:    [][]string{{"app"}, nil},
			checks:   []string{"convert", "NS005"},
			contains: []string{"x-unknown-field: kept", "# the app", "x-orchestrator: keep-me", "restartPolicy: Always"},
		},
		{
			name:   "default catalog does not know my-proxy",
			input:  list("", job),
			init:   [][]string{nil},
			conts:  [][]string{{"main", "my-proxy"}},
			checks: nil,
		},
		{
			name: "functionConfig Config replaces the catalog",
			input: list(`  apiVersion: nativize.dev/v1alpha1
  kind: Config
  metadata: {name: nativize, annotations: {config.kubernetes.io/function: "exec: {path: nativize}"}}
  containers:
  - {name: my-proxy, role: proxy}
`, job, pod),
			init:   [][]string{{"my-proxy"}, {"istio-init"}},
			conts:  [][]string{{"main"}, {"app", "istio-proxy"}},
			checks: []string{"convert", "NS005"},
		},
		{
			name:   "findings of what is left: NS004 fails the run",
			input:  list("", badInit),
			init:   [][]string{{"setup"}},
			conts:  [][]string{{"app"}},
			checks: []string{"NS004"},
			failed: true,
		},
		{
			name:   "failOn never in the functionConfig",
			input:  list("  apiVersion: nativize.dev/v1alpha1\n  kind: Config\n  failOn: never\n", badInit),
			init:   [][]string{{"setup"}},
			conts:  [][]string{{"app"}},
			checks: []string{"NS004"},
		},
		{
			name:   "failOn warning from the options",
			input:  list("", badInit),
			opts:   Options{FailOn: "warning"},
			init:   [][]string{{"setup"}},
			conts:  [][]string{{"app"}},
			checks: []string{"NS004"},
			failed: true,
		},
		{
			name:   "kubeVersion 1.27 converts nothing",
			input:  list("  apiVersion: nativize.dev/v1alpha1\n  kind: Config\n  kubeVersion: \"1.27\"\n", pod),
			init:   [][]string{{"istio-init"}},
			conts:  [][]string{{"app", "istio-proxy"}},
			checks: []string{"error", "NS001"},
			failed: true,
		},
		{
			name:   "kubeVersion 1.28 from a ConfigMap warns about the feature gate",
			input:  list("  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cfg}\n  data: {kubeVersion: \"1.28\"}\n", pod),
			init:   [][]string{{"istio-init", "istio-proxy"}},
			conts:  [][]string{{"app"}},
			checks: []string{"warning", "convert", "NS005", "NS006"},
		},
		{
			name:   "invalid functionConfig passes items through",
			input:  list("  apiVersion: nativize.dev/v1alpha1\n  kind: Config\n  bogus: 1\n", pod),
			init:   [][]string{{"istio-init"}},
			conts:  [][]string{{"app", "istio-proxy"}},
			checks: []string{"error"},
			failed: true,
		},
		{
			name:   "functionConfig of another kind",
			input:  list("  apiVersion: example.com/v1\n  kind: Other\n", pod),
			init:   [][]string{{"istio-init"}},
			conts:  [][]string{{"app", "istio-proxy"}},
			checks: []string{"error"},
			failed: true,
		},
		{
			name:   "JSON input",
			input:  `{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app"},{"name":"linkerd-proxy"}]}}]}`,
			init:   [][]string{{"linkerd-proxy"}},
			conts:  [][]string{{"app"}},
			checks: []string{"convert"},
		},
		{
			name:  "no items",
			input: "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Process([]byte(tt.input), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			d := decode(t, out.ResourceList)
			if len(d.Items) != len(tt.init) {
				t.Fatalf("got %d items, want %d:\n%s", len(d.Items), len(tt.init), out.ResourceList)
			}
			for i := range d.Items {
				if got := strings.Join(names(d.Items[i], "initContainers"), ","); got != strings.Join(tt.init[i], ",") {
					t.Errorf("item %d initContainers = %s, want %s", i, got, strings.Join(tt.init[i], ","))
				}
				if got := strings.Join(names(d.Items[i], "containers"), ","); got != strings.Join(tt.conts[i], ",") {
					t.Errorf("item %d containers = %s, want %s", i, got, strings.Join(tt.conts[i], ","))
				}
			}
			if got, want := strings.Join(checks(d.Results), " "), strings.Join(tt.checks, " "); got != want {
				t.Errorf("results = %q, want %q:\n%s", got, want, out.ResourceList)
			}
			if got := strings.Join(checks(out.Results), " "); got != strings.Join(checks(d.Results), " ") {
				t.Errorf("returned results %q differ from written ones", got)
			}
			if out.Failed != tt.failed {
				t.Errorf("Failed = %v, want %v", out.Failed, tt.failed)
			}
			for _, s := range tt.contains {
				if !strings.Contains(string(out.ResourceList), s) {
					t.Errorf("output lacks %q:\n%s", s, out.ResourceList)
				}
			}
		})
	}
}

// TestResultDetails checks resourceRef, field path, file and tags.
func TestResultDetails(t *testing.T) {
	in := list("  apiVersion: nativize.dev/v1alpha1\n  kind: Config\n  kubeVersion: \"1.28\"\n", pod)
	out, err := Process([]byte(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var conv, ns006 *Result
	for i, r := range out.Results {
		switch {
		case r.Tags["nativize.dev/action"] == "convert":
			conv = &out.Results[i]
		case r.Tags["nativize.dev/check"] == "NS006":
			ns006 = &out.Results[i]
		}
	}
	if conv == nil || ns006 == nil {
		t.Fatalf("missing results: %+v", out.Results)
	}
	want := Result{
		Message:     "moved istio-proxy to initContainers as a native sidecar (restartPolicy: Always)",
		Severity:    "info",
		ResourceRef: &ResourceRef{APIVersion: "v1", Kind: "Pod", Name: "p"},
		Field:       &Field{Path: "spec.initContainers"},
		File:        &File{Path: "k8s/pod.yaml", Index: 3},
	}
	if conv.String() != want.String() || *conv.File != *want.File {
		t.Errorf("convert result = %s %+v, want %s %+v", conv, conv.File, want, want.File)
	}
	if ns006.Field == nil || ns006.Field.Path != "spec.initContainers[1]" || ns006.Tags["nativize.dev/container"] != "istio-proxy" {
		t.Errorf("NS006 result = %s tags %v, want field spec.initContainers[1] and container istio-proxy", ns006, ns006.Tags)
	}
}

// TestIdempotent runs the function on its own output: nothing is converted
// again and the earlier results are kept.
func TestIdempotent(t *testing.T) {
	first, err := Process([]byte(list("", pod, configMap)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Process(first.ResourceList, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := decode(t, first.ResourceList), decode(t, second.ResourceList)
	for _, r := range second.Results {
		if r.Tags["nativize.dev/action"] != "" {
			t.Errorf("second run converted again: %s", r)
		}
	}
	if len(b.Results) != len(a.Results)+len(second.Results) {
		t.Errorf("earlier results not kept: had %d, added %d, now %d", len(a.Results), len(second.Results), len(b.Results))
	}
	ia, _ := yaml.Marshal(a.Items)
	ib, _ := yaml.Marshal(b.Items)
	if string(ia) != string(ib) {
		t.Fatalf("second run changed the items:\n%s\n---\n%s", ia, ib)
	}
}

func TestNotAResourceList(t *testing.T) {
	for name, in := range map[string]string{
		"empty":       "",
		"a pod":       "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
		"a list":      "- a\n- b\n",
		"broken yaml": "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [\n",
		"items a map": "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: b}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Process([]byte(in), Options{}); !errors.Is(err, ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
		})
	}
}

func TestFieldPath(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{[]string{"spec", "containers", "1"}, "spec.containers[1]"},
		{[]string{"items", "0", "spec", "template", "spec", "initContainers", "2"}, "items[0].spec.template.spec.initContainers[2]"},
		{nil, ""},
	} {
		if got := FieldPath(tt.in); got != tt.want {
			t.Errorf("FieldPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
