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
		{"openshift deploymentconfig", "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nspec: {template: {spec: {}}}", []string{"spec.template.spec"}, []string{"spec.template.metadata"}},
		{"deploymentconfig from another group", "apiVersion: apps/v1\nkind: DeploymentConfig\nspec: {template: {spec: {}}}", nil, nil},
		// apps.kruise.io StatefulSet is found by its catalog entry, not as apps/StatefulSet
		{"kruise advanced statefulset", "apiVersion: apps.kruise.io/v1beta1\nkind: StatefulSet\nspec: {template: {spec: {}}}", []string{"spec.template.spec"}, []string{"spec.template.metadata"}},
		{"kruise advanced daemonset", "apiVersion: apps.kruise.io/v1alpha1\nkind: DaemonSet\nspec: {template: {spec: {}}}", []string{"spec.template.spec"}, []string{"spec.template.metadata"}},
		{"kruise advanced cronjob, broadcast template", "apiVersion: apps.kruise.io/v1alpha1\nkind: AdvancedCronJob\nspec: {template: {broadcastJobTemplate: {spec: {template: {spec: {}}}}}}", []string{"spec.template.broadcastJobTemplate.spec.template.spec"}, []string{"spec.template.broadcastJobTemplate.spec.template.metadata"}},
		{"flink, every template, catalog order", "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nspec: {taskManager: {podTemplate: {spec: {}}}, podTemplate: {spec: {}}, jobManager: {podTemplate: {spec: {}}}}",
			[]string{"spec.podTemplate.spec", "spec.jobManager.podTemplate.spec", "spec.taskManager.podTemplate.spec"},
			[]string{"spec.podTemplate.metadata", "spec.jobManager.podTemplate.metadata", "spec.taskManager.podTemplate.metadata"}},
		{"flink, task manager only", "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nspec: {jobManager: {resource: {cpu: 1}}, taskManager: {podTemplate: {spec: {}}}}", []string{"spec.taskManager.podTemplate.spec"}, []string{"spec.taskManager.podTemplate.metadata"}},
		{"pytorchjob in a list", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: kubeflow.org/v1, kind: PyTorchJob, spec: {pytorchReplicaSpecs: {Worker: {template: {spec: {}}}, Master: {template: {spec: {}}}}}}",
			[]string{"items.0.spec.pytorchReplicaSpecs.Master.template.spec", "items.0.spec.pytorchReplicaSpecs.Worker.template.spec"},
			[]string{"items.0.spec.pytorchReplicaSpecs.Master.template.metadata", "items.0.spec.pytorchReplicaSpecs.Worker.template.metadata"}},
		{"spark driver template", "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nspec: {driver: {template: {spec: {}}}, executor: {cores: 1}}", []string{"spec.driver.template.spec"}, []string{"spec.driver.template.metadata"}},
		{"path through a list is not followed", "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nspec: {podTemplate: [{spec: {}}]}", nil, nil},
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

// TestLocateCustomConfig: a user's catalog adds kinds, with one or several
// paths; the first entry for a group/Kind wins; built-in kinds stay.
func TestLocateCustomConfig(t *testing.T) {
	cat, err := catalog.Parse([]byte(`
containers: [{name: istio-proxy, role: proxy}]
kinds:
  - {group: example.com, kind: Widget, podSpecPaths: [spec.a.spec, spec.b.spec]}
  - {group: example.com, kind: Widget, podSpecPath: spec.c.spec}
  - {group: example.com, kind: Gadget, podSpecPath: spec}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, src string
		paths     []string
	}{
		{"several paths", "apiVersion: example.com/v1\nkind: Widget\nspec: {b: {spec: {}}, a: {spec: {}}, c: {spec: {}}}", []string{"spec.a.spec", "spec.b.spec"}},
		{"top-level spec, owner metadata", "apiVersion: example.com/v2\nkind: Gadget\nspec: {containers: []}", []string{"spec"}},
		{"built-in kinds survive a catalog without kinds for them", "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nspec: {template: {spec: {}}}", []string{"spec.template.spec"}},
		{"default catalog kinds are gone", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: {template: {spec: {}}}", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.src), &obj); err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, ps := range Locate(obj, cat) {
				paths = append(paths, strings.Join(ps.Path, "."))
			}
			if !reflect.DeepEqual(paths, tc.paths) {
				t.Errorf("paths %v, want %v", paths, tc.paths)
			}
		})
	}
}

func TestBuiltinIsACopy(t *testing.T) {
	b := Builtin()
	b["apps.openshift.io/DeploymentConfig"][0] = "x"
	if Builtin()["apps.openshift.io/DeploymentConfig"][0] != "spec" {
		t.Fatal("Builtin returned the table itself")
	}
}
