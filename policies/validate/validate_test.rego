package nativize.validate_test

import data.nativize.fixtures_test as fx
import data.nativize.validate

c(name) := fx.container(name)

cx(name, extra) := object.union(c(name), extra)

res(cpu, mem) := {"resources": {"requests": {"cpu": cpu, "memory": mem}}}

native(name) := cx(name, {"restartPolicy": "Always", "startupProbe": {"tcpSocket": {"port": 1}}})

messages(inp) := m if {
	m := {f.message | some f in validate.findings} with input as inp
}

# checks returns [check, severity, container] of every finding.
checks(inp) := m if {
	m := {[f.check, f.severity, object.get(f, "container", "")] | some f in validate.findings} with input as inp
}

test_job_messages if {
	messages(fx.job) == {
		`NS001: Job/nightly-report: container "istio-proxy" is a classic sidecar; the Job will never complete — run "nativize mutate"`,
		`NS002: Job/nightly-report: init container "migrate" runs before the mesh proxy "istio-proxy" and has no network — run "nativize mutate"`,
	}
	some f in validate.findings with input as fx.job
	f.object == {"apiVersion": "batch/v1", "kind": "Job", "namespace": "reports", "name": "nightly-report"}
	count(f.fix) == 3
}

test_converted_job_is_clean if {
	out := data.nativize.mutate.result with input as fx.job
	checks(out) == {["NS005", "warning", "istio-proxy"]}
}

test_ns001_severity if {
	checks(fx.pod({}, [], [c("app"), c("daprd")])) == {["NS001", "warning", "daprd"]}
	checks(fx.pod({}, [], [c("app"), c("istio-proxy")])) == {["NS001", "warning", "istio-proxy"]}
	never := object.union(fx.pod({}, [], [c("app"), c("daprd")]), {"spec": {"restartPolicy": "Never"}})
	checks(never) == {["NS001", "error", "daprd"]}
	messages(fx.pod({}, [], [c("app"), c("daprd")])) == {`NS001: Pod/p: container "daprd" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run "nativize mutate"`}
	checks(fx.pod({"nativize.dev/convert": "false"}, [], [c("app"), c("daprd")])) == set()
	checks(fx.pod({}, [], [c("daprd")])) == {["NS001", "warning", "daprd"]}
}

test_ns002_ns003 if {
	inits := [c("migrate"), c("render"), c("istio-proxy"), c("istio-init")]
	got := checks(fx.pod({"nativize.dev/before-sidecars": "render"}, inits, [c("app")]))
	got == {
		["NS002", "error", "migrate"],
		["NS003", "error", "istio-init"],
		["NS004", "error", "istio-proxy"],
	}
	messages(fx.pod({}, [c("istio-proxy"), c("istio-init")], [c("app")])) == {
		`NS003: Pod/p: network setup init container "istio-init" runs after the mesh proxy "istio-proxy" — run "nativize mutate"`,
		`NS004: Pod/p: mesh proxy "istio-proxy" is an init container without restartPolicy: Always; it never exits and the pod stays in Init`,
	}
	checks(fx.pod({"sidecar.istio.io/inject": "false"}, [c("migrate"), native("istio-proxy")], [c("app")])) == set()
}

test_ns004 if {
	inits := [cx("a", {"restartPolicy": "Sometimes"}), cx("b", {"restartPolicy": "Never"}), cx("d", {"restartPolicy": 1})]
	conts := [c("app"), cx("e", {"restartPolicy": "OnFailure"}), cx("f", {"restartPolicy": "bad"})]
	obj := fx.pod({}, inits, conts)
	messages(obj) == {
		`NS004: Pod/p: init container "a" has invalid restartPolicy "Sometimes"`,
		`NS004: Pod/p: container "f" has invalid restartPolicy "bad"`,
	}
	messages(fx.review(obj, {"kubeVersion": "1.34"})) == {
		`NS004: Pod/p: init container "a" has invalid restartPolicy "Sometimes"`,
		`NS004: Pod/p: container "f" has invalid restartPolicy "bad"`,
		`NS004: Pod/p: init container "b" has restartPolicy "Never"; only Always is valid on an init container before Kubernetes 1.35`,
		`NS004: Pod/p: container "e" has restartPolicy "OnFailure"; regular containers accept restartPolicy only from Kubernetes 1.35`,
	}
}

test_ns005 if {
	obj := fx.pod({}, [cx("helper", {"restartPolicy": "Always"}), native("other")], [c("app")])
	messages(obj) == {`NS005: Pod/p: native sidecar "helper" has no startupProbe; the next container starts before it is ready`}
}

test_ns006 if {
	obj := fx.pod({}, [native("helper")], [c("app")])
	messages(fx.review(obj, {"kubeVersion": "1.27"})) == {`NS006: Pod/p: native sidecar "helper" needs Kubernetes 1.28 or later; an older API server drops restartPolicy and the pod hangs in Init`}
	messages(fx.review(obj, {"kubeVersion": "v1.28.2"})) == {`NS006: Pod/p: native sidecar "helper" needs the SidecarContainers feature gate on Kubernetes 1.28 (on by default from 1.29)`}
	messages(fx.review(obj, {"kubeVersion": "1.29"})) == set()
}

test_ns007 if {
	wait := {"lifecycle": {"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}}}
	proxy := object.union(native("istio-proxy"), wait)
	quit := cx("app", {"command": ["sh", "-c"], "args": ["run && curl -X POST localhost:15020/quitquitquit"]})
	await := cx("app2", {"command": ["linkerd-await", "--shutdown", "--", "run"]})
	job := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": {"initContainers": [proxy], "containers": [quit, await]}}}}
	messages(job) == {
		`NS007: Job/j: native sidecar "istio-proxy" keeps the obsolete postStart "pilot-agent wait" hook`,
		`NS007: Job/j: container "app" calls /quitquitquit to stop the proxy; obsolete once the proxy is a native sidecar`,
		`NS007: Job/j: container "app2" wraps its command in linkerd-await --shutdown; obsolete once the proxy is a native sidecar`,
	}
	deploy := fx.deployment({}, {"initContainers": [proxy], "containers": [quit]})
	messages(deploy) == {`NS007: Deployment/web: native sidecar "istio-proxy" keeps the obsolete postStart "pilot-agent wait" hook`}
}

test_ns008 if {
	obj := fx.pod({}, [cx("migrate", res("1", "64Mi"))], [cx("app", res("200m", "128Mi")), cx("daprd", res("100m", "64Mi"))])
	some f in validate.findings with input as obj
	f.check == "NS008"
	f.severity == "info"
	not f.container
	f.message == "NS008: Pod/p: effective pod requests change: cpu 1000m → 1100m"
	count([g | some g in validate.findings with input as fx.review(obj, {"kubeVersion": "1.27"}); g.check == "NS008"]) == 0
}

test_ns008_no_change if {
	obj := fx.pod({}, [], [cx("app", {"resources": {"requests": {"cpu": "1"}}}), cx("daprd", {"resources": {"limits": {"cpu": "1"}}})])
	checks(obj) == {["NS001", "warning", "daprd"]}
}

test_malformed_skipped if {
	checks(fx.pod({}, "bad", [c("app"), c("daprd")])) == set()
}

test_list_item_fix_is_relative if {
	list := {"apiVersion": "v1", "kind": "List", "items": [fx.pod({}, [], [c("app"), c("daprd")])]}
	some f in validate.findings with input as list
	[op.path | some op in f.fix] == ["/spec/initContainers", "/spec/containers"]
}

test_violation_gatekeeper_form if {
	vs := validate.violation with input as fx.review(fx.job, {})
	count(vs) == 2
	some v in vs
	startswith(v.msg, "NS001: Job/nightly-report: ")
	v.details.check == "NS001"
	v.details.severity == "error"
	v.details.container == "istio-proxy"
	not v.details.fix
}

test_catalog_parameter if {
	own := {"containers": [{"name": "app-proxy", "role": "proxy"}]}
	checks(fx.review(fx.pod({}, [], [c("app"), c("app-proxy"), c("istio-proxy")]), {"catalog": own})) == {["NS001", "warning", "app-proxy"]}
}

test_unnamed_container if {
	obj := fx.pod({}, [], [c("app"), {"image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2"}])
	messages(obj) == {`NS001: Pod/p: container "" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run "nativize mutate"`}
}
