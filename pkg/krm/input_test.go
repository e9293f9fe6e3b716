package krm

import (
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestItemErrors holds the function to "one error result per broken item,
// every other item still converted, the run fails": the result names the
// item (items[i]), its resourceRef and the file its path annotations give,
// whatever failOn says.
func TestItemErrors(t *testing.T) {
	annotated := func(body string) string {
		return "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: broken\n    namespace: ns\n    annotations:\n" +
			"      config.kubernetes.io/path: k8s/broken.yaml\n      config.kubernetes.io/index: '2'\n" + body
	}
	tests := []struct {
		name    string
		item    string
		message string // substring of the error result's message
		ref     *ResourceRef
		file    *File
	}{
		{name: "scalar item", item: "- 7\n", message: "items[0]: expected a Kubernetes object (a mapping), got a scalar (int)"},
		{name: "null item", item: "- null\n", message: "items[0]: expected a Kubernetes object (a mapping), got null"},
		{name: "list item", item: "- [a, b]\n", message: "items[0]: expected a Kubernetes object (a mapping), got a list"},
		{name: "alias to an anchor of another item", item: annotated("  spec: *elsewhere\n"),
			message: "items[0]: ", ref: &ResourceRef{APIVersion: "v1", Kind: "Pod", Name: "broken", Namespace: "ns"},
			file: &File{Path: "k8s/broken.yaml", Index: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := list("  apiVersion: nativize.dev/v1alpha1\n  kind: Config\n  failOn: never\n", tt.item, pod)
			if strings.Contains(tt.item, "*elsewhere") {
				// The anchor lives in another part of the list.
				in = strings.Replace(in, "x-orchestrator: keep-me", "x-orchestrator: &elsewhere {containers: [{name: istio-proxy}]}", 1)
			}
			out, err := Process([]byte(in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !out.Failed {
				t.Error("a broken item must fail the run, even with failOn: never")
			}
			var d struct {
				Items   []any    `yaml:"items"`
				Results []Result `yaml:"results"`
			}
			if err := yaml.Unmarshal(out.ResourceList, &d); err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out.ResourceList)
			}
			if len(d.Items) != 2 {
				t.Fatalf("%d items, want 2 (the broken one kept):\n%s", len(d.Items), out.ResourceList)
			}
			good, _ := d.Items[1].(map[string]any)
			if got := strings.Join(names(good, "initContainers"), ","); got != "istio-init,istio-proxy" {
				t.Errorf("the good item was not converted: initContainers %s", got)
			}
			var errs []Result
			for _, r := range d.Results {
				if r.Severity == SeverityError {
					errs = append(errs, r)
				}
			}
			if len(errs) != 1 {
				t.Fatalf("want one error result, got %v", d.Results)
			}
			r := errs[0]
			if !strings.Contains(r.Message, tt.message) || r.Tags[inputErrorTag] != "true" {
				t.Errorf("result %+v, want message containing %q and tag %s", r, tt.message, inputErrorTag)
			}
			if (r.ResourceRef == nil) != (tt.ref == nil) || r.ResourceRef != nil && *r.ResourceRef != *tt.ref {
				t.Errorf("resourceRef %+v, want %+v", r.ResourceRef, tt.ref)
			}
			if (r.File == nil) != (tt.file == nil) || r.File != nil && *r.File != *tt.file {
				t.Errorf("file %+v, want %+v", r.File, tt.file)
			}
		})
	}
}
