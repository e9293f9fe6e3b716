# METADATA
# description: |
#   Kuma's native-mode kuma-sidecar (docs/RULES.md "Field edits"): what
#   Kuma's injector sets on the proxy when it is a native sidecar, as edits
#   of a container this conversion moves.
package nativize.lib.kuma

import data.nativize.lib.annotations
import data.nativize.lib.classify

_kuma_drain := {"exec": {"command": ["killall", "-USR2", "kuma-dp"]}}

# kuma_edits: Kuma's native kuma-sidecar (kuma v2.14.3 webhooks/injector/
# injector.go, containers/factory.go) has only the preStop SIGUSR2 drain (the
# kuma-dp wait postStart goes) and a startupProbe on /ready at the probe port,
# so later containers start once Envoy is ready. Other hooks are the user's.
kuma_edits(c, ps) := array.concat(_kuma_lifecycle(c), _kuma_probe(c, ps))

_kuma_lifecycle(c) := [] if {
	"lifecycle" in object.keys(c)
	not is_object(c.lifecycle)
} else := [] if {
	lc := object.get(c, "lifecycle", {})
	"preStop" in object.keys(lc)
	not _kuma_wait_hook(object.get(lc, "postStart", null))
} else := [_edit(c, "lifecycle", object.union(_without_wait(object.get(c, "lifecycle", {})), {"preStop": object.get(c, ["lifecycle", "preStop"], _kuma_drain)}), "kuma")]

_without_wait(lc) := object.remove(lc, ["postStart"]) if {
	_kuma_wait_hook(object.get(lc, "postStart", null))
} else := lc

_kuma_wait_hook(hook) if {
	is_array(hook.exec.command)
	array.slice(hook.exec.command, 0, 2) == ["kuma-dp", "wait"]
}

_kuma_probe(c, ps) := [] if {
	"startupProbe" in object.keys(c)
} else := [_edit(
	c, "startupProbe", {
		"httpGet": {"path": "/ready", "port": kuma_probe_port(ps, c)},
		"initialDelaySeconds": 1,
		"timeoutSeconds": 3,
		"periodSeconds": 5,
		"successThreshold": 1,
		"failureThreshold": 12,
	},
	"kuma_probe",
)]

# kuma_probe_port is the port kuma-sidecar's probes use: its readinessProbe
# then livenessProbe httpGet port, annotation kuma.io/envoy-admin-port, 9901
# (a startup probe on a port kuma-dp does not serve holds the pod in Init).
kuma_probe_port(ps, c) := n if {
	n := _port_number(c.readinessProbe.httpGet.port)
} else := n if {
	n := _port_number(c.livenessProbe.httpGet.port)
} else := n if {
	s := annotations.value(ps, "kuma.io/envoy-admin-port")
	regex.match(`^[0-9]{1,5}$`, s)
	n := to_number(s)
	n >= 1
	n <= 65535
} else := 9901

_port_number(v) := v if {
	is_number(v)
	v == floor(v)
	v >= 1
	v <= 65535
}

_reasons := {
	"kuma": "Kuma native mode drains kuma-dp with SIGUSR2 on preStop; its startupProbe replaces kuma-dp wait",
	"kuma_probe": "later containers start only once kuma-dp answers /ready",
}

_edit(c, field, value, reason) := {"container": classify.name(c), "field": field, "value": value, "reason": _reasons[reason]}
