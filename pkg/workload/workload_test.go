package workload

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/pkg/catalog"
)

func TestLocate(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		paths []string
		metas []string
	}{
		{"pod", "apiVersion: v1\nkind: Pod\nspec: {containers: []}", []string{"spec"}, []string{"metadata"}},
		{"deployment", "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {}}}", []string{"spec.template.spec"}, []string{"spec.template.metadata"}},
		{"cronjob", "apiVersion: batch/v1\nkind: CronJob\nspec: {jobTemplate: {spec: {template: {spec: {}}}}}", []string{"spec.jobTemplate.spec.template.spec"}, []string{"spec.jobTemplate.spec.template.metadata"}},
		{"podtemplate", "apiVersion: v1\nkind: PodTemplate\ntemplate: {spec: {}}", []string{"template.spec"}, []string{"template.metadata"}},
		{"rollout via config", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: {template: {spec: {}}}", []string{"spec.template.spec"}, []string{"spec.template.metadata"}},
		{"list", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap}\n- {apiVersion: v1, kind: Pod, spec: {}}\n- {apiVersion: v1, kind: List, items: [{apiVersion: batch/v1, kind: Job, spec: {template: {spec: {}}}}]}", []string{"items.1.spec", "items.2.items.0.spec.template.spec"}, []string{"items.1.metadata", "items.2.items.0.spec.template.metadata"}},
		{"unknown kind", "apiVersion: example.com/v1\nkind: Widget\nspec: {template: {spec: {}}}", nil, nil},
		{"apps kind from another group", "apiVersion: example.com/v1\nkind: Deployment\nspec: {template: {spec: {}}}", nil, nil},
		{"missing spec", "apiVersion: apps/v1\nkind: Deployment\nspec: {}", nil, nil},
		{"spec not a map", "apiVersion: v1\nkind: Pod\nspec: [1]", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.src), &obj); err != nil {
				t.Fatal(err)
			}
			var paths, metas []string
			for _, ps := range Locate(obj, catalog.Default()) {
				paths = append(paths, strings.Join(ps.Path, "."))
				metas = append(metas, strings.Join(ps.MetaPath, "."))
				if Lookup(obj, ps.Path) == nil {
					t.Errorf("path %v does not resolve", ps.Path)
				}
			}
			if !reflect.DeepEqual(paths, tc.paths) || !reflect.DeepEqual(metas, tc.metas) {
				t.Errorf("paths %v metas %v, want %v %v", paths, metas, tc.paths, tc.metas)
			}
		})
	}
}

func TestAnnotationPrecedence(t *testing.T) {
	var obj map[string]any
	yaml.Unmarshal([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {annotations: {a: workload, b: workload}}\nspec: {template: {metadata: {annotations: {a: template}}, spec: {}}}"), &obj)
	ps := Locate(obj, catalog.Default())[0]
	if v, _ := ps.Annotation("a"); v != "template" {
		t.Errorf("a = %q, want the pod template's", v)
	}
	if v, _ := ps.Annotation("b"); v != "workload" {
		t.Errorf("b = %q, want the workload's", v)
	}
	if _, ok := ps.Annotation("c"); ok {
		t.Error("missing annotation found")
	}
}
