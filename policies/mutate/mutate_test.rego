package nativize.mutate_test

import data.nativize.fixtures_test as fx
import data.nativize.lib.plan
import data.nativize.mutate

c(name) := fx.container(name)

names(list) := [x.name | some x in list]

drain(port) := {"preStop": {"exec": {"command": ["pilot-agent", "request", concat("", ["--debug-port=", port]), "POST", "drain"]}}}

converted_spec(obj) := s if {
	s := mutate.result.spec with input as obj
}

cx(name, extra) := object.union(c(name), extra)

test_job_istio if {
	out := mutate.result with input as fx.job
	spec := out.spec.template.spec
	names(spec.initContainers) == ["istio-init", "istio-proxy", "migrate"]
	names(spec.containers) == ["report"]
	proxy := spec.initContainers[1]
	proxy.restartPolicy == "Always"
	proxy.lifecycle == drain("15020")
	out.spec.template.metadata.annotations["sidecar.istio.io/status"] == `{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["istio-envoy"],"imagePullSecrets":null,"revision":"default"}`
	p := mutate.patch with input as fx.job
	[op.op | some op in p] == ["replace", "replace", "replace"]
	[op.path | some op in p] == [
		"/spec/template/spec/initContainers",
		"/spec/template/spec/containers",
		"/spec/template/metadata/annotations/sidecar.istio.io~1status",
	]
}

test_idempotent if {
	once := mutate.result with input as fx.job
	mutate.patch == [] with input as once
	mutate.result == once with input as once
}

test_nothing_to_convert if {
	obj := fx.pod({}, [], [c("app")])
	mutate.patch == [] with input as obj
	mutate.result == obj with input as obj
}

test_add_init_containers if {
	obj := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [c("app"), c("daprd")]}}
	p := mutate.patch with input as obj
	p[0].op == "add"
	names(p[0].value) == ["daprd"]
	p[0].value[0].restartPolicy == "Always"
}

test_istio_lifecycle if {
	port := {"status.sidecar.istio.io/port": "15099"}
	wait := {"postStart": {"exec": {"command": ["pilot-agent", "wait", "--timeout=1m"]}}}
	custom := {"preStop": {"exec": {"command": ["sleep", "5"]}}}
	wait_and_more := {"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}, "preStop": {"sleep": {"seconds": 1}}}
	converted_spec(fx.pod(port, [], [c("app"), c("istio-proxy")])).initContainers[0].lifecycle == drain("15099")
	converted_spec(fx.pod({}, [], [c("app"), cx("istio-proxy", {"lifecycle": wait})])).initContainers[0].lifecycle == drain("15020")
	converted_spec(fx.pod({}, [], [c("app"), cx("istio-proxy", {"lifecycle": custom})])).initContainers[0].lifecycle == custom
	converted_spec(fx.pod({}, [], [c("app"), cx("istio-proxy", {"lifecycle": wait_and_more})])).initContainers[0].lifecycle == wait_and_more
	converted_spec(fx.pod({"status.sidecar.istio.io/port": ""}, [], [c("app"), c("istio-proxy")])).initContainers[0].lifecycle == drain("15020")
}

test_linkerd_profile if {
	hooks := {
		"postStart": {"exec": {"command": ["/usr/lib/linkerd/linkerd-await", "--timeout=2m"]}},
		"preStop": {"exec": {"command": ["sleep", "5"]}},
	}
	probe := _l5d_probe(4191)
	p1 := converted_spec(fx.pod({}, [c("linkerd-init")], [c("app"), cx("linkerd-proxy", {"lifecycle": hooks})])).initContainers[1]
	not p1.lifecycle
	p1.startupProbe == probe
	keep := {"preStop": {"exec": {"command": ["/drain"]}}, "postStart": {"sleep": {"seconds": 1}}}
	p2 := converted_spec(fx.pod({}, [], [c("app"), cx("linkerd-proxy", {"lifecycle": {"postStart": {"sleep": {"seconds": 1}}, "preStop": {"sleep": {"seconds": 3}}}})])).initContainers[0]
	p2.lifecycle == {"postStart": {"sleep": {"seconds": 1}}}
	p3 := converted_spec(fx.pod({}, [], [c("app"), cx("linkerd-proxy", {"lifecycle": keep, "startupProbe": {"tcpSocket": {"port": 1}}})])).initContainers[0]
	p3.lifecycle == keep
	p3.startupProbe == {"tcpSocket": {"port": 1}}
	p4 := converted_spec(fx.pod({}, [], [c("app"), cx("linkerd-proxy", {"lifecycle": "odd"})])).initContainers[0]
	p4.lifecycle == "odd"
}

_l5d_probe(port) := {"httpGet": {"path": "/ready", "port": port}, "initialDelaySeconds": 0, "periodSeconds": 1, "failureThreshold": 120}

_l5d_proxy(ann, fields) := converted_spec(fx.pod(ann, [], [c("app"), cx("linkerd-proxy", fields)])).initContainers[0]

test_linkerd_prestop_sleep_by_any_path if {
	every prog in ["/bin/sleep", "/usr/bin/sleep", "sleep"] {
		not _l5d_proxy({}, {"lifecycle": {"preStop": {"exec": {"command": [prog, "10"]}}}}).lifecycle
	}
	sleepy := {"preStop": {"exec": {"command": ["/bin/sleepy", "10"]}}}
	_l5d_proxy({}, {"lifecycle": sleepy}).lifecycle == sleepy
	odd := {"preStop": {"exec": {"command": [5]}}}
	_l5d_proxy({}, {"lifecycle": odd}).lifecycle == odd
}

test_linkerd_admin_port_precedence if {
	admin := {"name": "linkerd-admin", "containerPort": 9990}
	ready := {"httpGet": {"path": "/ready", "port": 9992}}
	live := {"httpGet": {"path": "/live", "port": 9993}}
	env := [{"name": "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "value": "[::]:9994"}]
	await := {"postStart": {"exec": {"command": ["/usr/lib/linkerd/linkerd-await", "--timeout=2m", "--port=9995"]}}}
	ann := {"config.linkerd.io/admin-port": "9996"}
	all := {"ports": [{"name": "linkerd-proxy", "containerPort": 4143}, admin], "readinessProbe": ready, "livenessProbe": live, "env": env, "lifecycle": await}
	_l5d_proxy(ann, all).startupProbe == _l5d_probe(9990)
	_l5d_proxy(ann, object.remove(all, ["ports"])).startupProbe == _l5d_probe(9992)
	_l5d_proxy(ann, object.remove(all, ["ports", "readinessProbe"])).startupProbe == _l5d_probe(9993)
	_l5d_proxy(ann, {"readinessProbe": {"httpGet": {"port": "admin"}}, "env": env}).startupProbe == _l5d_probe(9994)
	_l5d_proxy(ann, {"lifecycle": await}).startupProbe == _l5d_probe(9995)
	_l5d_proxy(ann, {"ports": [{"name": "linkerd-admin", "containerPort": 70000}], "env": [{"name": "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "value": "x:y"}]}).startupProbe == _l5d_probe(9996)
	_l5d_proxy({"config.linkerd.io/admin-port": "41a"}, {}).startupProbe == _l5d_probe(4191)
	_l5d_proxy({"config.linkerd.io/admin-port": "0"}, {"readinessProbe": {"httpGet": {"port": 1.5}}}).startupProbe == _l5d_probe(4191)
}

test_linkerd_await if {
	off := {"config.linkerd.io/proxy-await": "disabled"}
	not _l5d_proxy(off, {}).startupProbe
	_l5d_proxy({"config.linkerd.io/proxy-await": "enabled"}, {}).startupProbe == _l5d_probe(4191)
	_l5d_proxy({"config.linkerd.io/proxy-await": "Disabled"}, {}).startupProbe == _l5d_probe(4191)
	hook := {"postStart": {"exec": {"command": ["/usr/lib/linkerd/linkerd-await", "--port=4191"]}}}
	_l5d_proxy(off, {"lifecycle": hook}).startupProbe == _l5d_probe(4191)
}

test_kuma_profile if {
	kill := {"exec": {"command": ["killall", "-USR2", "kuma-dp"]}}
	converted_spec(fx.pod({}, [], [c("app"), c("kuma-sidecar")])).initContainers[0].lifecycle == {"preStop": kill}
	start := {"postStart": {"exec": {"command": ["x"]}}}
	converted_spec(fx.pod({}, [], [c("app"), cx("kuma-sidecar", {"lifecycle": start})])).initContainers[0].lifecycle == object.union(start, {"preStop": kill})
	own := {"preStop": {"exec": {"command": ["y"]}}}
	converted_spec(fx.pod({}, [], [c("app"), cx("kuma-sidecar", {"lifecycle": own})])).initContainers[0].lifecycle == own
	converted_spec(fx.pod({}, [], [c("app"), cx("kuma-sidecar", {"lifecycle": null})])).initContainers[0].lifecycle == null
}

test_order_groups if {
	inits := [c("migrate"), c("render"), object.union(c("vault-agent"), {"restartPolicy": "Always"}), c("istio-init")]
	conts := [c("oauth2-proxy"), c("app"), c("istio-proxy"), c("log-shipper")]
	ann := {"nativize.dev/before-sidecars": "render", "nativize.dev/sidecars": "log-shipper"}
	spec := converted_spec(fx.pod(ann, inits, conts))
	names(spec.initContainers) == ["istio-init", "render", "istio-proxy", "oauth2-proxy", "log-shipper", "migrate", "vault-agent"]
	names(spec.containers) == ["app"]
	not spec.initContainers[4].lifecycle
}

test_init_proxy_gets_restart_policy if {
	obj := fx.pod({}, [c("migrate"), c("linkerd-proxy"), c("linkerd-init")], [c("app")])
	spec := converted_spec(obj)
	names(spec.initContainers) == ["linkerd-init", "linkerd-proxy", "migrate"]
	spec.initContainers[1] == object.union(c("linkerd-proxy"), {"restartPolicy": "Always"})
	mutate.patch == [] with input as {"apiVersion": "v1", "kind": "Pod", "spec": spec}
}

test_left_alone if {
	every obj in [
		fx.pod({"nativize.dev/convert": "false"}, [], [c("app"), c("istio-proxy")]),
		fx.pod({}, [], [c("istio-proxy")]),
		fx.pod({}, "not a list", [c("app"), c("istio-proxy")]),
		fx.pod({}, [], [c("app"), c("istio-proxy"), "not a map"]),
	] {
		mutate.patch == [] with input as obj
	}
}

test_containers_empty_only_when_moving if {
	obj := fx.pod({}, [c("istio-proxy"), c("istio-init")], [])
	names(converted_spec(obj).initContainers) == ["istio-init", "istio-proxy"]
	converted_spec(obj).containers == []
}

test_status_annotation if {
	plan.status_string({"containers": ["istio-proxy", "x"], "initContainers": ["istio-proxy"], "zeta": 1, "alpha": "<a>", "revision": "r"}) == `{"initContainers":["istio-proxy"],"containers":["x"],"revision":"r","alpha":"\u003ca\u003e","zeta":1}`
	plan.status_string({}) == `{"initContainers":["istio-proxy"],"containers":null}`
	bad := object.union(fx.job, {"spec": {"template": {"metadata": {"annotations": {"sidecar.istio.io/status": "not json"}}}}})
	count(mutate.patch) == 2 with input as bad
}

test_cronjob_status if {
	status := `{"initContainers":["istio-validation"],"containers":["istio-proxy"]}`
	meta := {"annotations": {"sidecar.istio.io/status": status}}
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"}, "spec": {"jobTemplate": {
		"metadata": meta,
		"spec": {"template": {"metadata": meta, "spec": {"containers": [c("job"), c("istio-proxy")]}}},
	}}}
	p := mutate.patch with input as cj
	[op.path | some op in p] == [
		"/spec/jobTemplate/spec/template/spec/initContainers",
		"/spec/jobTemplate/spec/template/spec/containers",
		"/spec/jobTemplate/spec/template/metadata/annotations/sidecar.istio.io~1status",
		"/spec/jobTemplate/metadata/annotations/sidecar.istio.io~1status",
	]
	p[3].value == `{"initContainers":["istio-validation","istio-proxy"],"containers":null}`
}

test_list_paths if {
	list := {"apiVersion": "v1", "kind": "List", "items": [
		{"apiVersion": "v1", "kind": "ConfigMap"},
		fx.pod({}, [], [c("app"), c("daprd")]),
	]}
	[op.path | some op in mutate.patch] == ["/items/1/spec/initContainers", "/items/1/spec/containers"] with input as list
	plan.pointer(["a/b", "c~d", 3]) == "/a~1b/c~0d/3"
}

test_kube_version if {
	inp := fx.review(fx.job, {"kubeVersion": "1.27"})
	mutate.refused with input as inp
	mutate.patch == [] with input as inp
	mutate.result == fx.job with input as inp
	count(mutate.errors) == 1 with input as inp
	count(mutate.warnings) == 1 with input as fx.review(fx.job, {"kubeVersion": "1.28"})
	count(mutate.patch) == 3 with input as fx.review(fx.job, {"kubeVersion": "1.28"})
	count(mutate.warnings) == 0 with input as fx.review(fx.job, {"kubeVersion": "1.29"})
}

test_conversion_plan if {
	conv := mutate.conversion with input as fx.job
	[sp] := conv.specs
	sp.object == {"apiVersion": "batch/v1", "kind": "Job", "namespace": "reports", "name": "nightly-report"}
	sp.hadInit
	[[x.from, x.index, x.name, x.group] | some x in sp.init] == [
		["initContainers", 1, "istio-init", 0],
		["containers", 1, "istio-proxy", 2],
		["initContainers", 0, "migrate", 4],
	]
	sp.kept == [0]
	[[e.container, e.field] | some e in sp.edits] == [["istio-proxy", "restartPolicy"], ["istio-proxy", "lifecycle"]]
	[a.metaPath | some a in sp.annotations] == [["spec", "template", "metadata"]]
	conv.notes == []
}

test_conversion_notes_and_deletes if {
	all_sidecars := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": [c("istio-proxy")]}}
	mutate.conversion == {"specs": [], "notes": ["Pod/ns/p: every container is a sidecar; left as is"]} with input as all_sidecars
	no_ns := object.remove(all_sidecars, ["metadata"])
	mutate.conversion.notes == ["Pod/: every container is a sidecar; left as is"] with input as no_ns
	hooks := {"postStart": {"exec": {"command": ["linkerd-await"]}}}
	conv := mutate.conversion with input as fx.pod({}, [], [c("app"), cx("linkerd-proxy", {"lifecycle": hooks})])
	[[e.field, object.get(e, "delete", false)] | some e in conv.specs[0].edits] == [["restartPolicy", false], ["lifecycle", true], ["startupProbe", false]]
	mutate.conversion == {"specs": [], "notes": []} with input as fx.review(fx.job, {"kubeVersion": "1.20"})
}

test_enable_core_dump_after_proxy if {
	pod := {
		"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
		"spec": {
			"initContainers": [c("istio-init"), c("migrate"), c("enable-core-dump")],
			"containers": [c("app"), c("istio-proxy"), cx("sql", {"image": "gcr.io/x/cloud-sql-proxy:2"})],
		},
	}
	spec := converted_spec(pod)
	names(spec.initContainers) == ["istio-init", "istio-proxy", "enable-core-dump", "sql", "migrate"]
}

test_cronjob_job_template_annotations if {
	cj := {
		"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
		"spec": {"jobTemplate": {
			"metadata": {"annotations": {"status.sidecar.istio.io/port": "15030"}},
			"spec": {"template": {"spec": {"containers": [c("app"), c("istio-proxy")]}}},
		}},
	}
	out := mutate.result with input as cj
	out.spec.jobTemplate.spec.template.spec.initContainers[0].lifecycle == drain("15030")
}

test_cronjob_port_from_status_metadata if {
	cj := {
		"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
		"spec": {"jobTemplate": {
			"metadata": {"annotations": {"sidecar.istio.io/status": "{}"}},
			"spec": {"template": {
				"metadata": {"annotations": {"status.sidecar.istio.io/port": "15030"}},
				"spec": {"containers": [c("app"), c("istio-proxy")]},
			}},
		}},
	}
	out := mutate.result with input as cj
	out.spec.jobTemplate.spec.template.spec.initContainers[0].lifecycle == drain("15020")
}

test_pod_port_with_status if {
	pod := {
		"apiVersion": "v1", "kind": "Pod",
		"metadata": {"name": "p", "annotations": {"sidecar.istio.io/status": "{}", "status.sidecar.istio.io/port": "15031"}},
		"spec": {"containers": [c("app"), c("istio-proxy")]},
	}
	spec := converted_spec(pod)
	spec.initContainers[0].lifecycle == drain("15031")
}
