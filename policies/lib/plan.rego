# METADATA
# description: |
#   The conversion plan of one pod spec (docs/RULES.md "Classification",
#   "Order", "Field edits", "JSON patch"): which containers move, the new
#   init container order, the field edits and the RFC 6902 operations.
package nativize.lib.plan

import data.nativize.lib.annotations
import data.nativize.lib.classify
import data.nativize.lib.consul
import data.nativize.lib.istio
import data.nativize.lib.kuma
import data.nativize.lib.params
import data.nativize.lib.workload

# pod_plans holds the plan of every pod spec of the object, in locate order.
pod_plans := [plan(ps) | some ps in workload.pod_specs(params.obj, params.catalog)]

# ops holds the RFC 6902 operations of the whole object, in locate order.
ops := [op | some p in pod_plans; some op in p.ops]

# array returns x when it is an array, else an empty array.
array_of(x) := x if is_array(x)

else := []

# plan returns the plan of pod spec descriptor ps (see workload.pod_specs).
plan(ps) := p if {
	inits := array_of(object.get(ps.spec, "initContainers", []))
	conts := array_of(object.get(ps.spec, "containers", []))
	es := classify.applying([classify.name(c) | some c in inits])
	init_entries := [classify.entry(es, c) | some c in inits]
	cont_entries := [classify.entry(es, c) | some c in conts]
	listed := annotations.names(ps, "nativize.dev/sidecars")
	before := annotations.names(ps, "nativize.dev/before-sidecars")
	moved := [{"index": i, "role": r, "mesh": _mesh(cont_entries[i])} |
		some i, c in conts
		r := _move_role(c, cont_entries[i], listed)
	]
	moved_index := {m.index | some m in moved}
	init_groups := [init_group(c, init_entries[i], before) | some i, c in inits]
	remaining := [c | some i, c in conts; not i in moved_index]
	needs_work := _needs_work(moved, init_entries)
	opted_out := annotations.opted_out(ps)
	malformed := _malformed(ps.spec)
	left_alone := _left_alone(needs_work, _either(opted_out, malformed), moved, remaining)
	port := istio.port(ps)
	cands := array.concat(
		[{
			"group": init_groups[i],
			"companion": _companion(init_entries[i]),
			"from": "initContainers",
			"index": i,
			"container": c,
			"edits": edits(c, false, _role(init_entries[i]), "", port, ps),
		} |
			some i, c in inits
		],
		[{
			"group": _move_group(m.role),
			"companion": false,
			"from": "containers",
			"index": m.index,
			"container": conts[m.index],
			"edits": edits(conts[m.index], true, m.role, m.mesh, port, ps),
		} |
			some m in moved
		],
	)

	# Within the proxy group, companions (Istio's enable-core-dump) come right
	# after the proxies, where the mesh's own native injection puts them.
	sorted := [x | some g in [0, 1, 2, 3, 4]; some c in [false, true]; some x in cands; x.group == g; x.companion == c]
	new_inits := [apply(x.container, x.edits) | some x in sorted]
	status_ops := _status_ops(ps, conts, moved)
	changed := _changed(left_alone, new_inits, inits, remaining, conts, status_ops)
	fix := _ops(changed, ps, new_inits, remaining, status_ops)
	p := {
		"ps": ps,
		"inits": inits,
		"conts": conts,
		"init_entries": init_entries,
		"cont_entries": cont_entries,
		"init_groups": init_groups,
		"moved": moved,
		"needs_work": needs_work,
		"opted_out": opted_out,
		"malformed": malformed,
		"left_alone": left_alone,
		"changed": changed,
		"new_inits": _when(changed, new_inits, inits),
		"new_conts": _when(changed, remaining, conts),
		"fix": fix,
		"placements": [{"from": x.from, "index": x.index, "name": classify.name(x.container), "group": x.group} | some x in sorted],
		"edits": [e | some x in sorted; some e in x.edits],
		"kept": [i | some i, _ in conts; not i in moved_index],
		"status_ops": status_ops,
		"ops": [_prefixed(op, ps.item_path) | some op in fix],
	}
}

_either(true, _) := true

_either(false, b) := b

_when(true, a, _) := a

_when(false, _, b) := b

# _move_role is the role of a container of "containers" that moves, else undefined.
_move_role(c, e, listed) := e.role if {
	e.role in {"proxy", "sidecar"}
} else := "sidecar" if {
	c.name in listed
}

_move_group("proxy") := 2

_move_group("sidecar") := 3

# init_group is the R3 group of an init container.
init_group(c, e, before) := 0 if {
	e.role == "setup"
} else := 1 if {
	c.name in before
} else := 2 if {
	e.role == "proxy"
} else := 2 if {
	e.role == "companion"
} else := 4

_companion(e) if e.role == "companion"

default _companion(_) := false

_needs_work(moved, _) if count(moved) > 0

_needs_work(_, init_entries) if {
	some e in init_entries
	e.role == "proxy"
}

default _needs_work(_, _) := false

_left_alone(false, _, _, _) := true

_left_alone(true, true, _, _) := true

# A pod needs at least one regular container: moving every container would
# give a pod the API server rejects.
_left_alone(true, false, moved, remaining) if {
	count(moved) > 0
	count(remaining) == 0
}

default _left_alone(_, _, _, _) := false

# set returns object o with key k set to v (replacing, never merging).
set(o, k, v) := object.union(object.remove(o, [k]), {k: v})

# apply returns container c with its edits applied (each edit names another field).
apply(c, edits) := object.union(
	object.remove(c, {e.field | some e in edits}),
	{e.field: e.value | some e in edits; not e.delete},
)

_reasons := {
	"restartPolicy": "a native sidecar is an init container with restartPolicy Always",
	"istio": "Istio native mode drains the proxy on preStop instead of holding the app with pilot-agent wait",
	"linkerd": "Linkerd native mode drops linkerd-await and the preStop sleep",
	"probe": "later init containers start only once the proxy answers /ready",
}

_edit(c, field, value, reason) := {"container": classify.name(c), "field": field, "value": value, "reason": _reasons[reason]}

_delete(c, field, reason) := {"container": classify.name(c), "field": field, "delete": true, "reason": _reasons[reason]}

# edits returns the field edits of a container placed in initContainers:
# restartPolicy for every sidecar (moved, or an init container proxy), plus
# the mesh profile (R4) for the containers this conversion moves.
edits(c, moved, role, mesh, port, ps) := array.concat(_restart_edits(c, moved, role), _mesh_edits(c, moved, mesh, port, ps))

_restart_edits(c, moved, role) := [_edit(c, "restartPolicy", "Always", "restartPolicy")] if {
	_sidecar(moved, role)
	object.get(c, "restartPolicy", null) != "Always"
} else := []

_sidecar(true, _) := true

_sidecar(false, role) := role == "proxy"

_mesh_edits(c, true, mesh, port, ps) := _istio_edits(c, port, ps) if {
	mesh == "istio"
} else := _linkerd_edits(c, ps) if {
	mesh == "linkerd"
} else := kuma.kuma_edits(c, ps) if {
	mesh == "kuma"
} else := consul.edits(c, ps) if {
	mesh == "consul"
} else := []

_mesh_edits(_, false, _, _, _) := []

# Istio drains through pilot-agent instead of holding the app back with
# "pilot-agent wait": a native sidecar is started before the next container
# (istio.native_lifecycle).
_istio_edits(c, port, ps) := [_edit(c, "lifecycle", lc, "istio")] if {
	lc := istio.native_lifecycle(c, port, ps)
} else := []

# Linkerd's native proxy (charts/partials _proxy.tpl, proxy.nativeSidecar=true)
# has no lifecycle, and a startupProbe on /ready at the admin port when
# proxy-await is on, instead of the linkerd-await postStart hook.
_linkerd_edits(c, ps) := array.concat(_linkerd_lifecycle(c), _linkerd_probe(c, ps))

_linkerd_lifecycle(c) := [_lifecycle_edit(c, object.remove(c.lifecycle, drop))] if {
	is_object(c.lifecycle)
	drop := {k | some k in ["postStart", "preStop"]; _linkerd_drop(k, c.lifecycle[k])}
	count(drop) > 0
} else := []

_lifecycle_edit(c, lc) := _delete(c, "lifecycle", "linkerd") if {
	count(lc) == 0
} else := _edit(c, "lifecycle", lc, "linkerd")

_linkerd_drop("postStart", hook) if _linkerd_await_hook(hook)

# The preStop sleep of waitBeforeExitSeconds ([/bin/sleep, N] in Linkerd's
# template; [sleep, N] in older manifests): sleep by any path, or the sleep action.
_linkerd_drop("preStop", hook) if {
	object.keys(hook) == {"exec"}
	prog := hook.exec.command[0]
	is_string(prog)
	_sleep_program(prog)
}

_linkerd_drop("preStop", hook) if object.keys(hook) == {"sleep"}

_sleep_program("sleep")

_sleep_program(p) if endswith(p, "/sleep")

_linkerd_await_hook(hook) if {
	is_array(hook.exec.command)
	some s in hook.exec.command
	is_string(s)
	contains(s, "linkerd-await")
}

_linkerd_probe(c, ps) := [] if {
	"startupProbe" in object.keys(c)
} else := [] if {
	not _linkerd_await(c, ps)
} else := [_edit(
	c, "startupProbe", {
		"httpGet": {"path": "/ready", "port": linkerd_admin_port(ps, c)},
		"initialDelaySeconds": 0,
		"periodSeconds": 1,
		"failureThreshold": 120,
	},
	"probe",
)]

# proxy-await: on with the linkerd-await hook, off when
# config.linkerd.io/proxy-await is "disabled", else on (Linkerd's default).
_linkerd_await(c, _) if _linkerd_await_hook(object.get(c, ["lifecycle", "postStart"], null))

_linkerd_await(c, ps) if {
	not _linkerd_await_hook(object.get(c, ["lifecycle", "postStart"], null))
	annotations.value(ps, "config.linkerd.io/proxy-await") != "disabled"
}

_linkerd_await(c, ps) if {
	not _linkerd_await_hook(object.get(c, ["lifecycle", "postStart"], null))
	not annotations.value(ps, "config.linkerd.io/proxy-await")
}

# linkerd_admin_port is the admin port proxy c was injected with: its port named
# linkerd-admin, its readinessProbe then livenessProbe httpGet port, the port of
# env LINKERD2_PROXY_ADMIN_LISTEN_ADDR, linkerd-await's --port=, then annotation
# config.linkerd.io/admin-port, then 4191 (a startup probe on another port than
# the proxy listens on holds the pod in Init).
linkerd_admin_port(ps, c) := n if {
	some p in array_of(object.get(c, "ports", []))
	p.name == "linkerd-admin"
	n := _port_number(p.containerPort)
} else := n if {
	n := _port_number(c.readinessProbe.httpGet.port)
} else := n if {
	n := _port_number(c.livenessProbe.httpGet.port)
} else := n if {
	some e in array_of(object.get(c, "env", []))
	e.name == "LINKERD2_PROXY_ADMIN_LISTEN_ADDR"
	is_string(e.value)
	parts := split(e.value, ":")
	n := _port_string(parts[count(parts) - 1])
} else := n if {
	_linkerd_await_hook(c.lifecycle.postStart)
	some s in c.lifecycle.postStart.exec.command
	is_string(s)
	startswith(s, "--port=")
	n := _port_string(substring(s, 7, -1))
} else := n if {
	n := _port_string(annotations.value(ps, "config.linkerd.io/admin-port"))
} else := 4191

_port_number(v) := v if {
	is_number(v)
	v == floor(v)
	v >= 1
	v <= 65535
}

_port_string(s) := n if {
	regex.match(`^[0-9]{1,5}$`, s)
	n := to_number(s)
	n >= 1
	n <= 65535
}

_role(e) := e.role if is_string(e.role)

else := ""

_object(x) := x if is_object(x)

else := {}

# _status_ops rewrites Istio's bookkeeping when istio-proxy moves, in each
# metadata that carries sidecar.istio.io/status (pod template metadata, then a
# CronJob's jobTemplate metadata): the status, then proxy.istio.io/overrides
# (the user's istio-proxy moves with it, tests/istio FINDINGS F1).
_status_ops(ps, conts, moved) := [op |
	_moves_istio_proxy(conts, moved)
	some rel in array.concat([ps.meta_rel], ps.extra_rel)
	is_string(object.get(ps.workload, array.concat(rel, ["annotations", "sidecar.istio.io/status"]), null))
	some key in ["sidecar.istio.io/status", "proxy.istio.io/overrides"]
	old := object.get(ps.workload, array.concat(rel, ["annotations", key]), null)
	is_string(old)
	new := _rewrite(key, old)
	new != old
	op := {"op": "replace", "path": pointer(array.concat(rel, ["annotations", key])), "value": new, "meta_rel": rel, "key": key}
]

_rewrite("sidecar.istio.io/status", old) := status_string(st) if {
	json.is_valid(old)
	st := json.unmarshal(old)
	is_object(st)
}

_rewrite("proxy.istio.io/overrides", old) := istio.overrides_string(old)

_moves_istio_proxy(conts, moved) if {
	some m in moved
	conts[m.index].name == "istio-proxy"
}

_status_first := ["initContainers", "containers", "volumes", "imagePullSecrets", "revision"]

# status_string moves istio-proxy from containers to initContainers and writes
# compact JSON with Istio's key order.
status_string(st) := concat("", ["{", concat(",", parts), "}"]) if {
	rest := [x | some x in array_of(object.get(st, "containers", null)); x != "istio-proxy"]
	inits := array_of(object.get(st, "initContainers", null))
	st2 := object.union(object.remove(st, ["containers", "initContainers"]), {
		"containers": _null_if_empty(rest),
		"initContainers": _append_once(inits, "istio-proxy"),
	})
	keys := array.concat(
		[k | some k in _status_first; k in object.keys(st2)],
		sort([k | some k in object.keys(st2); not k in _status_first]),
	)
	parts := [concat(":", [json.marshal(k), json.marshal(st2[k])]) | some k in keys]
}

_null_if_empty(a) := null if {
	count(a) == 0
} else := a

_append_once(a, x) := a if {
	x in a
} else := array.concat(a, [x])

_changed(false, new_inits, inits, _, _, _) if new_inits != inits

_changed(false, _, _, remaining, conts, _) if remaining != conts

_changed(false, _, _, _, _, status_ops) if count(status_ops) > 0

default _changed(_, _, _, _, _, _) := false

# _ops are the RFC 6902 operations of one pod spec, relative to its object.
_ops(false, _, _, _, _) := []

_ops(true, ps, new_inits, remaining, status_ops) := array.concat(
	[
		{"op": _init_op(ps.spec), "path": pointer(array.concat(ps.rel, ["initContainers"])), "value": new_inits},
		{"op": "replace", "path": pointer(array.concat(ps.rel, ["containers"])), "value": remaining},
	],
	[{"op": op.op, "path": op.path, "value": op.value} | some op in status_ops],
)

_init_op(spec) := "replace" if {
	"initContainers" in object.keys(spec)
} else := "add"

_prefixed(op, prefix) := set(op, "path", concat("", [pointer(prefix), op.path]))

# pointer writes path segments as an RFC 6901 JSON pointer.
pointer(segs) := concat("", [concat("", ["/", _escape(s)]) | some s in segs])

_escape(s) := replace(replace(s, "~", "~0"), "/", "~1") if is_string(s)

else := format_int(s, 10)

# _mesh is the mesh of a catalog entry that moves its container ("" for a
# container listed only in nativize.dev/sidecars).
_mesh(e) := e.mesh if {
	e.role in {"proxy", "sidecar"}
	is_string(e.mesh)
} else := ""

# _malformed is true when a container list is neither absent, null nor a list of maps.
_malformed(spec) if {
	some field in ["initContainers", "containers"]
	not _list_ok(spec, field)
}

default _malformed(_) := false

_list_ok(spec, field) if not field in object.keys(spec)

_list_ok(spec, field) if spec[field] == null

_list_ok(spec, field) if {
	is_array(spec[field])
	every c in spec[field] {
		is_object(c)
	}
}
