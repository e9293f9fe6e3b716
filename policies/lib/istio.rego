# METADATA
# description: |
#   How Istio's injector reads a pod spec (docs/RULES.md "Istio"): the
#   metadata that carries sidecar.istio.io/status, and the injection
#   templates whose proxy stays in containers in Istio's native mode.
package nativize.lib.istio

import data.nativize.lib.annotations

# annotation returns annotation key as Istio's injector saw it: from the
# metadata that carries sidecar.istio.io/status (kube-inject reads and writes
# only a CronJob's spec.jobTemplate.metadata), undefined when that metadata
# lacks it; without a status annotation, the usual lookup.
annotation(ps, key) := v if {
	_has_status(ps.meta)
	v := _string(object.get(ps.meta, ["annotations", key], null))
} else := v if {
	not _has_status(ps.meta)
	meta := _extra_meta(ps)
	_has_status(meta)
	v := _string(object.get(meta, ["annotations", key], null))
} else := v if {
	not _status_meta(ps)
	v := annotations.value(ps, key)
}

_has_status(meta) if is_string(object.get(meta, ["annotations", "sidecar.istio.io/status"], null))

_extra_meta(ps) := object.get(ps.workload, ps.extra_rel[0], {}) if count(object.get(ps, "extra_rel", [])) > 0

_status_meta(ps) if _has_status(ps.meta)

_status_meta(ps) if _has_status(_extra_meta(ps))

_string(v) := v if is_string(v)

# keeps_classic is true when Istio's native mode keeps istio-proxy in
# containers: inject.istio.io/templates is set and does not name the
# "sidecar" template (pkg/kube/inject selectTemplates). Only that template
# moves the proxy to initContainers; "gateway" renders the proxy as the
# workload and "grpc-agent" as an agent the app waits for (postStart
# "pilot-agent wait") in both modes, so converting would give a pod Istio
# never produces.
keeps_classic(ps) if {
	v := annotation(ps, "inject.istio.io/templates")
	not "sidecar" in {trim_space(t) | some t in split(v, ",")}
}

# port is the status port Istio injected the proxy with: the annotation, then
# the one in istio-init's excluded ports (_excluded_port), 15020 by default:
# draining on another port would reach no agent.
port(ps) := v if {
	v := annotation(ps, "status.sidecar.istio.io/port")
	v != ""
} else := _excluded_port(ps)

default port(_) := "15020"

# _excluded_port is the status port Istio wrote into the -d argument of
# istio-init (istio-validation with CNI): an install can change
# values.global.proxy.statusPort, which shows nowhere else in the classic pod
# (tests/istio F6). The template writes "15090,15021," +
# excludeInboundPort(P, U), U the traffic.sidecar.istio.io/excludeInboundPorts
# annotation (or the install's list); excludeInboundPort (pkg/kube/inject
# template.go) appends P to U's trimmed ports unless U has it. So P is the
# port appended to the pod's U when the list is U plus one port; else 15020
# when listed; else the last one. Twin of mutate.istioExcludedPort.
_excluded_port(ps) := rest[count(user)] if {
	rest := _init_excluded(ps)
	user := _split_ports(annotation(ps, "traffic.sidecar.istio.io/excludeInboundPorts"))
	count(rest) == count(user) + 1
	array.slice(rest, 0, count(user)) == user
} else := "15020" if {
	"15020" in _init_excluded(ps)
} else := rest[count(rest) - 1] if {
	rest := _init_excluded(ps)
	count(rest) > 0
}

# _init_excluded is the ports after "15090,15021" in the -d argument of the
# first istio-init or istio-validation init container; undefined when the
# argument has another form or a port is not a number.
_init_excluded(ps) := array.slice(ports, 2, count(ports)) if {
	inits := object.get(ps.spec, "initContainers", [])
	is_array(inits)
	c := [c | some c in inits; c.name in {"istio-init", "istio-validation"}][0]
	args := c.args
	is_array(args)
	i := [i | some i, a in args; a == "-d"; i + 1 < count(args)][0]
	ports := _split_ports(args[i + 1])
	count(ports) >= 2
	array.slice(ports, 0, 2) == ["15090", "15021"]
	every p in ports {
		regex.match(`^[0-9]+$`, p)
	}
}

_split_ports(s) := [t | some p in split(s, ","); t := trim_space(p); t != ""] if is_string(s)

_wait := {"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}}

_drain(port) := {"preStop": {"exec": {"command": [
	"pilot-agent", "request", concat("", ["--debug-port=", port]), "POST", "drain",
]}}}

# native_lifecycle is the lifecycle Istio's native mode gives istio-proxy c,
# undefined when c's own is kept (or is that one already). Istio
# strategic-merges the user's istio-proxy (the element of
# proxy.istio.io/overrides) onto its template (pkg/kube/inject
# reapplyOverwrittenContainers): maps merge key by key, lists such as
# exec.command are replaced. So when the override has a lifecycle O and the
# classic lifecycle is merge(wait, O) or O, the native one is O plus the drain
# for a preStop O lacks (tests/istio F2: the drain alone dropped the user's
# postStart; the classic one kept a stray pilot-agent wait). A preStop of O
# replaces the drain's whole: Istio's merge of an httpGet or sleep preStop
# into the exec drain gives a handler with two actions, which the API server
# refuses. Otherwise no lifecycle, or exactly the wait hook, becomes the
# drain; anything else (an install-wide values.global.proxy.lifecycle, a
# hand-written hook) is kept. Twin of mutate.istioLifecycle.
native_lifecycle(c, port, ps) := native if {
	o := _override_lifecycle(ps)
	lc := object.get(c, "lifecycle", null)
	lc in {object.union(_wait, o), o}
	native := object.union(object.remove(_drain(port), object.keys(o)), o)
	native != lc # unchanged: no edit, the text stays
} else := _drain(port) if {
	_replaceable(c)
}

_replaceable(c) if not "lifecycle" in object.keys(c)

_replaceable(c) if {
	object.keys(c.lifecycle) == {"postStart"}
	object.keys(c.lifecycle.postStart) == {"exec"}
	object.keys(c.lifecycle.postStart.exec) == {"command"}
	array.slice(c.lifecycle.postStart.exec.command, 0, 2) == ["pilot-agent", "wait"]
}

# _override_lifecycle is the lifecycle of the first istio-proxy element of
# proxy.istio.io/overrides (containers, then initContainers), read where
# sidecar.istio.io/status is.
_override_lifecycle(ps) := lc if {
	raw := annotation(ps, "proxy.istio.io/overrides")
	json.is_valid(raw)
	v := json.unmarshal(raw)
	is_object(v)
	lists := [l | some k in ["containers", "initContainers"]; l := object.get(v, k, []); is_array(l)]
	lc := [e | some l in lists; some e in l; e.name == "istio-proxy"][0].lifecycle
	is_object(lc)
}

# overrides_string moves the element named istio-proxy from "containers" to
# the end of "initContainers" in a proxy.istio.io/overrides value, as Istio's
# native mode writes it (pkg/kube/inject reapplyOverwrittenContainers
# marshals ParsedContainers: containers then initContainers, each omitted
# when empty), every element's text kept: Istio wrote it as a
# corev1.Container, whose field order json.marshal (sorted keys) would lose.
# Undefined, and raw is kept, unless raw is a JSON object whose only keys are
# containers (a list of objects, one named istio-proxy) and initContainers (a
# list of objects), each once. Twin of mutate.RewriteIstioOverrides.
overrides_string(raw) := concat("", ["{", concat(",", parts), "}"]) if {
	json.is_valid(raw)
	obj := json.unmarshal(raw)
	is_object(obj)
	every k in object.keys(obj) {
		k in {"containers", "initContainers"}
	}
	lists := {k: _elements(raw, k) | some k in object.keys(obj)}
	every k, l in lists {
		is_array(obj[k])
		count(l) == count(obj[k])
	}
	conts := lists.containers
	proxy := [i | some i, t in conts; _named_proxy(t)][0]
	rest := [t | some i, t in conts; i != proxy]
	inits := _append_proxy(object.get(lists, "initContainers", []), conts[proxy])
	parts := array.concat(
		[concat("", [`"containers":[`, concat(",", rest), "]"]) | count(rest) > 0],
		[concat("", [`"initContainers":[`, concat(",", inits), "]"]) | count(inits) > 0],
	)
}

_named_proxy(text) if json.unmarshal(text).name == "istio-proxy"

_append_proxy(inits, _) := inits if _has_proxy(inits)

_append_proxy(inits, p) := array.concat(inits, [p]) if {
	not _has_proxy(inits)
}

_has_proxy(inits) if {
	some t in inits
	_named_proxy(t)
}

# _elements returns the texts of the objects of list key of the JSON object
# raw, in order; undefined unless key occurs once at the top level. A "{" at
# s starts an element when the text before it, its "," dropped and "]"
# added, is valid JSON (a nested or quoted "{" never is); the element ends at
# the first "}" that makes the text from s valid JSON.
_elements(raw, key) := [_value_at(raw, s, "}") | some s in starts] if {
	keys := [p | some p in indexof_n(raw, concat("", [`"`, key, `"`])); _top_level_key(raw, p)]
	count(keys) == 1
	after := substring(raw, (keys[0] + count(key)) + 2, -1)
	a := ((keys[0] + count(key)) + 2) + (count(after) - count(trim_left(after, " \t\r\n:")))
	substring(raw, a, 1) == "["
	b := a + count(_value_at(raw, a, "]"))
	starts := sort([s |
		some s in indexof_n(raw, "{")
		s > a
		s < b
		json.is_valid(concat("", [trim_right(substring(raw, a, s - a), " \t\r\n,"), "]"]))
	])
}

# _top_level_key is true when the string at p is a key of the top-level object.
_top_level_key(raw, p) if json.is_valid(concat("", [trim_right(substring(raw, 0, p), " \t\r\n,"), "}"]))

# _value_at returns the JSON value starting at s that ends with closer.
_value_at(raw, s, closer) := [t |
	some e in indexof_n(raw, closer)
	e > s
	t := substring(raw, s, (e - s) + 1)
	json.is_valid(t)
][0]
