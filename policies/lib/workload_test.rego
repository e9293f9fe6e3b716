package nativize.lib.workload_test

import data.nativize.fixtures_test as fx
import data.nativize.lib.catalog
import data.nativize.lib.workload

cat := catalog.default_catalog

spec := {"containers": [fx.container("app")]}

paths(doc) := [ps.path | some ps in workload.pod_specs(doc, cat)]

test_builtin_kinds if {
	cases := [
		[{"apiVersion": "v1", "kind": "Pod", "spec": spec}, [["spec"]]],
		[{"apiVersion": "v1", "kind": "PodTemplate", "template": {"spec": spec}}, [["template", "spec"]]],
		[{"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": spec}}}, [["spec", "template", "spec"]]],
		[{"apiVersion": "extensions/v1beta1", "kind": "DaemonSet", "spec": {"template": {"spec": spec}}}, [["spec", "template", "spec"]]],
		[{"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": spec}}}, [["spec", "template", "spec"]]],
		[
			{"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}},
			[["spec", "jobTemplate", "spec", "template", "spec"]],
		],
		[{"apiVersion": "v1", "kind": "ReplicationController", "spec": {"template": {"spec": spec}}}, [["spec", "template", "spec"]]],
		[{"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "spec": {"template": {"spec": spec}}}, [["spec", "template", "spec"]]],
	]
	every c in cases {
		paths(c[0]) == c[1]
	}
}

test_skipped if {
	every doc in [
		{"apiVersion": "v1", "kind": "ConfigMap", "data": {"spec": spec}},
		{"apiVersion": "apps/v1", "kind": "Pod", "spec": spec},
		{"apiVersion": "v1", "kind": "Pod", "spec": "not a map"},
		{"apiVersion": "v1", "kind": "Pod"},
		{"apiVersion": 1, "kind": "Pod", "spec": spec},
		{"apiVersion": "apps/v1", "kind": "DeploymentConfig", "spec": {"template": {"spec": spec}}},
		{"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment", "spec": {"podTemplate": [{"spec": spec}]}},
	] {
		paths(doc) == []
	}
}

test_custom_kind if {
	rollout := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}}
	[ps] := workload.pod_specs(rollout, cat)
	ps.path == ["spec", "template", "spec"]
	ps.meta == {"labels": {"a": "b"}}
	ps.meta_rel == ["spec", "template", "metadata"]
	paths(object.union(rollout, {"apiVersion": "other.io/v1"})) == []
}

test_cronjob_metadata if {
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}
	[ps] := workload.pod_specs(cj, cat)
	ps.extra_rel == [["spec", "jobTemplate", "metadata"]]
	ps.meta == {}
}

test_list_recursive if {
	pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": spec}
	list := {"apiVersion": "v1", "kind": "List", "items": [
		pod,
		"not an object",
		{"apiVersion": "v1", "kind": "List", "items": [pod, {"apiVersion": "v1", "kind": "ConfigMap"}]},
		{"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": spec}}, "items": [pod]},
	]}
	paths(list) == [["items", 0, "spec"], ["items", 2, "items", 0, "spec"], ["items", 3, "spec", "template", "spec"]]
	[_, nested, _] := workload.pod_specs(list, cat)
	nested.item_path == ["items", 2, "items", 0]
	nested.rel == ["spec"]
	paths({"apiVersion": "v2", "kind": "List", "items": [pod]}) == []
}

test_group if {
	workload.group("apps/v1") == "apps"
	workload.group("v1") == ""
	not workload.group(1)
}

# A kind's Kind name may collide with a core one: the key is group/Kind.
test_kruise_kinds if {
	tmpl := {"template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}
	every kind in ["StatefulSet", "DaemonSet", "CloneSet", "BroadcastJob"] {
		[ps] := workload.pod_specs({"apiVersion": "apps.kruise.io/v1beta1", "kind": kind, "spec": tmpl}, cat)
		ps.path == ["spec", "template", "spec"]
		ps.meta == {"labels": {"a": "b"}}
	}
	cron := {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "AdvancedCronJob", "spec": {"template": {"broadcastJobTemplate": {"spec": tmpl}}}}
	paths(cron) == [["spec", "template", "broadcastJobTemplate", "spec", "template", "spec"]]
}

# Several pod specs in one object, in catalog order whatever the field order.
test_several_pod_specs if {
	pt := {"metadata": {"annotations": {"x": "y"}}, "spec": spec}
	flink := {"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment", "spec": {
		"taskManager": {"podTemplate": pt},
		"jobManager": {"replicas": 1},
		"podTemplate": pt,
	}}
	[common, tm] := workload.pod_specs(flink, cat)
	common.path == ["spec", "podTemplate", "spec"]
	common.meta_rel == ["spec", "podTemplate", "metadata"]
	tm.path == ["spec", "taskManager", "podTemplate", "spec"]
	tm.meta == {"annotations": {"x": "y"}}
	list := {"apiVersion": "v1", "kind": "List", "items": [flink]}
	paths(list) == [["items", 0, "spec", "podTemplate", "spec"], ["items", 0, "spec", "taskManager", "podTemplate", "spec"]]
}

# A catalog of one's own: podSpecPaths else podSpecPath, first entry wins,
# built-in kinds stay.
test_config_kinds if {
	own := {"containers": [], "kinds": [
		{"group": "example.com", "kind": "Widget", "podSpecPaths": ["spec.a.spec", "spec.b.spec"]},
		{"group": "example.com", "kind": "Widget", "podSpecPath": "spec.c.spec"},
		{"group": "example.com", "kind": "Gadget", "podSpecPath": "spec"},
		{"group": "example.com", "kind": "Broken"},
	]}
	widget := {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"c": {"spec": spec}, "b": {"spec": spec}, "a": {"spec": spec}}}
	[ps.path | some ps in workload.pod_specs(widget, own)] == [["spec", "a", "spec"], ["spec", "b", "spec"]]
	[gadget] := workload.pod_specs({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}, "spec": spec}, own)
	gadget.meta_rel == ["metadata"]
	gadget.meta == {"name": "g"}
	workload.pod_specs({"apiVersion": "example.com/v1", "kind": "Broken", "spec": spec}, own) == []
	dc := {"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "spec": {"template": {"spec": spec}}}
	count(workload.pod_specs(dc, own)) == 1
	workload.pod_specs({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"template": {"spec": spec}}}, own) == []
}
