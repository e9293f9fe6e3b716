package nativize.lib.kuma_test

import data.nativize.lib.consul
import data.nativize.lib.kuma

ps(ann) := {"meta": {"annotations": ann}, "workload": {}, "extra_rel": []}

drain := {"exec": {"command": ["killall", "-USR2", "kuma-dp"]}}

probe(port) := {
	"httpGet": {"path": "/ready", "port": port},
	"initialDelaySeconds": 1, "timeoutSeconds": 3, "periodSeconds": 5,
	"successThreshold": 1, "failureThreshold": 12,
}

fields(edits) := {e.field: e.value | some e in edits}

test_kuma_bare if {
	fields(kuma.kuma_edits({"name": "kuma-sidecar"}, ps({}))) == {"lifecycle": {"preStop": drain}, "startupProbe": probe(9901)}
}

test_kuma_wait_hook_replaced if {
	wait := {"postStart": {"exec": {"command": ["kuma-dp", "wait", "--url", "http://localhost:9902/ready"]}}}
	c := {"name": "kuma-sidecar", "lifecycle": wait, "readinessProbe": {"httpGet": {"port": 9902}}}
	fields(kuma.kuma_edits(c, ps({}))) == {"lifecycle": {"preStop": drain}, "startupProbe": probe(9902)}
	user := {"name": "kuma-sidecar", "lifecycle": object.union(wait, {"preStop": {"sleep": {"seconds": 5}}})}
	fields(kuma.kuma_edits(user, ps({}))).lifecycle == {"preStop": {"sleep": {"seconds": 5}}}
}

test_kuma_lifecycle_kept if {
	c := {"name": "kuma-sidecar", "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}, "startupProbe": {}}
	kuma.kuma_edits(c, ps({})) == []
	kuma.kuma_edits({"name": "kuma-sidecar", "lifecycle": ["x"], "startupProbe": {}}, ps({})) == []
	other := {"postStart": {"exec": {"command": ["kuma-dp", "version"]}}}
	fields(kuma.kuma_edits({"name": "kuma-sidecar", "lifecycle": other, "startupProbe": {}}, ps({}))) == {"lifecycle": object.union(other, {"preStop": drain})}
}

test_kuma_probe_port if {
	kuma.kuma_probe_port(ps({}), {"livenessProbe": {"httpGet": {"port": 9911}}}) == 9911
	kuma.kuma_probe_port(ps({"kuma.io/envoy-admin-port": "19901"}), {"readinessProbe": {"httpGet": {"port": "admin"}}}) == 19901
	kuma.kuma_probe_port(ps({"kuma.io/envoy-admin-port": "99999"}), {}) == 9901
	kuma.kuma_probe_port(ps({"kuma.io/envoy-admin-port": "x"}), {}) == 9901
}

consul_probe(extra) := object.union({"exec": {"command": ["/usr/local/bin/consul-dataplane", "-check-proxy-health"]}}, extra)

test_consul_defaults if {
	fields(consul.edits({"name": "consul-dataplane"}, ps({}))) == {"startupProbe": consul_probe({
		"initialDelaySeconds": 1, "periodSeconds": 1,
		"failureThreshold": 10, "timeoutSeconds": 5,
	})}
}

test_consul_annotations if {
	ann := {
		"consul.hashicorp.com/sidecar-initial-probe-check-delay-seconds": "0",
		"consul.hashicorp.com/sidecar-probe-period-seconds": "007",
		"consul.hashicorp.com/sidecar-probe-failure-threshold": "x",
		"consul.hashicorp.com/sidecar-probe-check-timeout-seconds": "+3",
	}
	fields(consul.edits({"name": "consul-dataplane"}, ps(ann))) == {"startupProbe": consul_probe({"periodSeconds": 7, "timeoutSeconds": 3})}
	consul.seconds("2147483648") == 0
	consul.seconds("-1") == 0
	consul.seconds("+") == 0
}

test_consul_startup_probe if {
	rp := {"tcpSocket": {"port": 20000}, "initialDelaySeconds": 1}
	classic := {"tcpSocket": {"port": 20000}, "periodSeconds": 1, "failureThreshold": 60}
	count(consul.edits({"name": "consul-dataplane", "readinessProbe": rp, "startupProbe": classic}, ps({}))) == 1
	consul.edits({"name": "consul-dataplane", "readinessProbe": rp, "startupProbe": {"tcpSocket": {"port": 1}}}, ps({})) == []
	consul.edits({"name": "consul-dataplane", "startupProbe": classic}, ps({})) == []
	consul.edits({"name": "consul-dataplane", "readinessProbe": {}, "startupProbe": {"periodSeconds": 1}}, ps({})) == []
	consul.edits({"name": "envoy-sidecar"}, ps({})) == []
}
