# METADATA
# description: |
#   Consul's native-mode consul-dataplane (docs/RULES.md "Field edits"):
#   what consul-k8s's injector sets on the proxy when it is a native
#   sidecar, as edits of a container this conversion moves.
package nativize.lib.consul

import data.nativize.lib.annotations
import data.nativize.lib.classify

# edits: consul-dataplane in Consul's native mode (consul-k8s v2.0.3
# connect-inject/webhook/consul_dataplane_sidecar.go) gets a startupProbe
# running consul-dataplane -check-proxy-health; it replaces the classic one
# derived from the readiness probe. Not the legacy envoy-sidecar.
edits(c, ps) := [] if {
	classify.name(c) != "consul-dataplane"
} else := [] if {
	"startupProbe" in object.keys(c)
	not _classic_startup(c.startupProbe, object.get(c, "readinessProbe", null))
} else := [_edit(c, "startupProbe", object.union(
	{"exec": {"command": ["/usr/local/bin/consul-dataplane", "-check-proxy-health"]}},
	{f.field: n |
		some f in _probe_fields
		n := _value(ps, f)
		n > 0
	},
))]

_probe_fields := [
	{"field": "initialDelaySeconds", "key": "consul.hashicorp.com/sidecar-initial-probe-check-delay-seconds", "default": 1},
	{"field": "periodSeconds", "key": "consul.hashicorp.com/sidecar-probe-period-seconds", "default": 1},
	{"field": "failureThreshold", "key": "consul.hashicorp.com/sidecar-probe-failure-threshold", "default": 10},
	{"field": "timeoutSeconds", "key": "consul.hashicorp.com/sidecar-probe-check-timeout-seconds", "default": 5},
]

_value(ps, f) := seconds(v) if {
	v := annotations.value(ps, f.key)
} else := f["default"]

# consul_seconds parses a probe annotation as consul-k8s does (strconv.Atoi,
# 0 on failure); outside 1..2147483647 it is 0 and the field is left out.
seconds(v) := n if {
	regex.match(`^\+?[0-9]+$`, v)
	n := to_number(trim_prefix(v, "+"))
	n >= 1
	n <= 2147483647
} else := 0

_classic_startup(sp, rp) if {
	is_object(sp)
	is_object(rp)
	trimmed := object.remove(sp, ["periodSeconds", "failureThreshold"])
	count(trimmed) > 0
	trimmed == object.remove(rp, ["initialDelaySeconds"])
}

_edit(c, field, value) := {
	"container": classify.name(c),
	"field": field,
	"value": value,
	"reason": "Consul native mode holds later containers until consul-dataplane -check-proxy-health passes",
}
