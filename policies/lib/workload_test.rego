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
