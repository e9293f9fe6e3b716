package mutate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/mutate"
)

// TestApplyNodeAliasesAndMergeKeys: workloads built with anchors, aliases
// and merge keys (<<) convert through the YAML node tree to YAML that reads
// back as the object the map engine converts (what kubectl and the API
// server decode), and places nativize does not touch keep their aliases.
func TestApplyNodeAliasesAndMergeKeys(t *testing.T) {
	const proxy = "- name: istio-proxy\n    image: proxyv2\n"
	cases := []struct {
		name string
		in   string
		// has and hasNot are substrings of the output.
		has, hasNot []string
	}{
		{name: "container built with a merge key from the container before it",
			in:  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - &app\n    name: app\n    image: app\n  - <<: *app\n    name: istio-proxy\n    image: proxyv2\n",
			has: []string{"initContainers:\n  - name: istio-proxy\n    image: proxyv2\n    restartPolicy: Always\n", "&app"}, hasNot: []string{"<<", "*app"}},
		{name: "container list an alias of another pod's list",
			in:     "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    containers: &ctrs\n    - name: app\n      image: app\n    " + proxy + "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    containers: *ctrs\n",
			hasNot: []string{"*ctrs"}},
		{name: "pod spec a merge of another pod's spec",
			in:     "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: &spec\n    containers:\n    - name: app\n      image: app\n    " + proxy + "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    <<: *spec\n    hostname: b\n",
			hasNot: []string{"<<", "*spec"}},
		{name: "proxy fields from a list of merged mappings, own keys win",
			in:  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: app\n    env: &env\n    - {name: A, value: a}\n  - <<: [{image: wrong, workingDir: /x}, {workingDir: /y, args: [a]}]\n    name: istio-proxy\n    image: proxyv2\n    env: *env\n",
			has: []string{"image: proxyv2", "workingDir: /x", "args: [a]"}, hasNot: []string{"wrong", "/y", "<<"}},
		{name: "aliases off the path to the pod spec are kept",
			in:  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels: &labels\n    app: d\nspec:\n  selector:\n    matchLabels: *labels\n  template:\n    metadata:\n      labels: *labels\n    spec:\n      containers:\n      - name: app\n        image: app\n      " + proxy[:len(proxy)-len("    image: proxyv2\n")] + "        image: proxyv2\n",
			has: []string{"matchLabels: *labels", "labels: *labels", "&labels"}},
		{name: "pod template a merge whose spec comes from the anchor",
			in:  "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nx-base: &base\n  spec:\n    restartPolicy: Never\n    containers:\n    - name: app\n      image: app\n    " + proxy + "spec:\n  template:\n    <<: *base\n    metadata:\n      labels: {a: b}\n",
			has: []string{"x-base: &base\n  spec:\n    restartPolicy: Never\n    containers:\n    - name: app\n      image: app\n    - name: istio-proxy\n"}},
	}
	m, err := mutate.New(mutate.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs := document.Split("in.yaml", []byte(tc.in))
			if len(docs) != 1 || docs[0].Err != nil {
				t.Fatalf("input: %+v", docs)
			}
			d := docs[0]
			want, plan, err := m.Object(mutate.DeepCopy(d.Object).(map[string]any))
			if err != nil || plan.Empty() {
				t.Fatalf("plan: %v %+v", err, plan)
			}
			if err := mutate.ApplyNode(d.Node, plan); err != nil {
				t.Fatal(err)
			}
			out, err := document.EncodeNode(&d, d.Node)
			if err != nil {
				t.Fatal(err)
			}
			back := document.Split("out.yaml", out)
			if len(back) != 1 || back[0].Err != nil {
				t.Fatalf("output does not read back: %v\n%s", back[0].Err, out)
			}
			if !reflect.DeepEqual(back[0].Object, want) {
				t.Errorf("output reads back as\n%v\nwant\n%v\noutput:\n%s", back[0].Object, want, out)
			}
			for _, s := range tc.has {
				if !strings.Contains(string(out), s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(string(out), s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
		})
	}
}
