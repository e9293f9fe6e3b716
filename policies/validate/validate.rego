# METADATA
# description: |
#   The checks NS001–NS008 (docs/CHECKS.md), the Rego twin of pkg/validate.
#   Input: the object (conftest, opa eval), or Gatekeeper's review form
#   {"review": {"object": ...}, "parameters": {"kubeVersion", "catalog"}}.
package nativize.validate

import data.nativize.lib.classify
import data.nativize.lib.params
import data.nativize.lib.plan
import data.nativize.lib.quantity

# findings is the set of findings (docs/CHECKS.md "Finding").
findings contains f if {
	some f in _findings
}

# violation is the Gatekeeper form of every error and warning finding.
violation contains {"msg": f.message, "details": object.remove(f, ["message", "fix"])} if {
	some f in findings
	f.severity in {"error", "warning"}
}

# _specs are the well-formed pod specs with what every check needs.
_specs contains s if {
	some p in plan.pod_plans
	not p.malformed
	s := object.union(p, {
		"object": _object_of(p.ps.workload),
		"completes": _completes(p),
		"proxy": _proxy(p),
		"before": data.nativize.lib.annotations.names(p.ps, "nativize.dev/before-sidecars"),
		"fix": _owner_fix(p),
	})
}

# _owner_fix is the patch of the whole owning object (every pod spec of it,
# in locate order), as `nativize mutate` would apply it: a kind with several
# pod specs (a FlinkDeployment) gets one fix for all of them.
_owner_fix(p) := [op |
	some q in plan.pod_plans
	q.ps.item_path == p.ps.item_path
	some op in q.fix
]

_object_of(w) := {
	"apiVersion": _str(object.get(w, "apiVersion", "")),
	"kind": _str(object.get(w, "kind", "")),
	"namespace": _str(object.get(w, ["metadata", "namespace"], "")),
	"name": _str(object.get(w, ["metadata", "name"], "")),
}

_str(x) := x if is_string(x)

else := ""

# _completes is true for a pod that runs to completion (Job, CronJob,
# restartPolicy other than Always): a classic sidecar keeps it from ending.
default _completes(_) := false

_completes(p) if {
	startswith(_str(object.get(p.ps.workload, "apiVersion", "")), "batch/")
	p.ps.workload.kind in {"Job", "CronJob"}
}

_completes(p) if {
	"restartPolicy" in object.keys(p.ps.spec)
	p.ps.spec.restartPolicy != "Always"
}

# _proxy is the first init container proxy, else the first classic proxy
# (which starts after every init container): {index, name, init}.
_proxy(p) := {"index": i, "name": classify.name(p.inits[i]), "init": true} if {
	[i, _] := [[j, 0] | some j, e in p.init_entries; e.role == "proxy"][0]
} else := {"index": count(p.inits), "name": classify.name(p.conts[m.index]), "init": false} if {
	m := [x | some x in p.moved; x.role == "proxy"][0]
} else := null

# _msg prefixes a message with the check id and <kind>/<name>.
_msg(check, s, format, args) := concat("", [check, ": ", s.object.kind, "/", s.object.name, ": ", sprintf(format, args)])

_finding(check, severity, s, container, message) := {
	"check": check,
	"severity": severity,
	"object": s.object,
	"container": container,
	"message": message,
}

# Findings NS001–NS003 carry the object's patch as their fix.
# Below Kubernetes 1.28 nothing converts, so there is no fix.
_fixed(f, s) := object.union(f, {"fix": s.fix}) if {
	count(s.fix) > 0
	not params.kube_below([1, 28])
} else := f

_findings contains _fixed(_finding("NS001", "error", s, classify.name(c), msg), s) if {
	some s in _specs
	not s.opted_out
	s.completes
	some m in s.moved
	c := s.conts[m.index]
	msg := _msg("NS001", s, `container "%s" is a classic sidecar; the %s will never complete — run "nativize mutate"`, [classify.name(c), s.object.kind])
}

_findings contains _fixed(_finding("NS001", "warning", s, classify.name(c), msg), s) if {
	some s in _specs
	not s.opted_out
	not s.completes
	some m in s.moved
	c := s.conts[m.index]
	msg := _msg("NS001", s, `container "%s" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run "nativize mutate"`, [classify.name(c)])
}

_findings contains _fixed(_finding("NS002", "error", s, classify.name(c), msg), s) if {
	some s in _specs
	not s.opted_out
	s.proxy != null
	some i, c in s.inits
	i < s.proxy.index
	s.init_groups[i] == 4
	msg := _msg("NS002", s, `init container "%s" runs before the mesh proxy "%s" and has no network — run "nativize mutate"`, [classify.name(c), s.proxy.name])
}

_findings contains _fixed(_finding("NS003", "error", s, classify.name(c), msg), s) if {
	some s in _specs
	not s.opted_out
	s.proxy.init
	some i, c in s.inits
	i > s.proxy.index
	s.init_entries[i].role == "setup"
	msg := _msg("NS003", s, `network setup init container "%s" runs after the mesh proxy "%s" — run "nativize mutate"`, [classify.name(c), s.proxy.name])
}

_valid_restart := {"Always", "OnFailure", "Never"}

_findings contains _finding("NS004", "error", s, classify.name(c), msg) if {
	some s in _specs
	some i, c in s.inits
	s.init_entries[i].role == "proxy"
	object.get(c, "restartPolicy", null) != "Always"
	msg := _msg("NS004", s, `mesh proxy "%s" is an init container without restartPolicy: Always; it never exits and the pod stays in Init`, [classify.name(c)])
}

_findings contains _finding("NS004", "error", s, classify.name(c), msg) if {
	some s in _specs
	some i, c in s.inits
	not s.init_entries[i].role == "proxy"
	is_string(c.restartPolicy)
	not c.restartPolicy in _valid_restart
	msg := _msg("NS004", s, `init container "%s" has invalid restartPolicy "%s"`, [classify.name(c), c.restartPolicy])
}

_findings contains _finding("NS004", "error", s, classify.name(c), msg) if {
	some s in _specs
	some i, c in s.inits
	not s.init_entries[i].role == "proxy"
	c.restartPolicy in (_valid_restart - {"Always"})
	params.kube_below([1, 35])
	msg := _msg("NS004", s, `init container "%s" has restartPolicy "%s"; only Always is valid on an init container before Kubernetes 1.35`, [classify.name(c), c.restartPolicy])
}

_findings contains _finding("NS004", "error", s, classify.name(c), msg) if {
	some s in _specs
	some c in s.conts
	is_string(c.restartPolicy)
	not c.restartPolicy in _valid_restart
	msg := _msg("NS004", s, `container "%s" has invalid restartPolicy "%s"`, [classify.name(c), c.restartPolicy])
}

_findings contains _finding("NS004", "error", s, classify.name(c), msg) if {
	some s in _specs
	some c in s.conts
	c.restartPolicy in _valid_restart
	params.kube_below([1, 35])
	msg := _msg("NS004", s, `container "%s" has restartPolicy "%s"; regular containers accept restartPolicy only from Kubernetes 1.35`, [classify.name(c), c.restartPolicy])
}

_findings contains _finding("NS005", "warning", s, classify.name(c), msg) if {
	some s in _specs
	some c in s.inits
	c.restartPolicy == "Always"
	not "startupProbe" in object.keys(c)
	msg := _msg("NS005", s, `native sidecar "%s" has no startupProbe; the next container starts before it is ready`, [classify.name(c)])
}

_findings contains _finding("NS006", "error", s, classify.name(c), msg) if {
	params.kube_below([1, 28])
	some s in _specs
	some c in s.inits
	c.restartPolicy == "Always"
	msg := _msg("NS006", s, `native sidecar "%s" needs Kubernetes 1.28 or later; an older API server drops restartPolicy and the pod hangs in Init`, [classify.name(c)])
}

_findings contains _finding("NS006", "warning", s, classify.name(c), msg) if {
	params.kube_version == [1, 28]
	some s in _specs
	some c in s.inits
	c.restartPolicy == "Always"
	msg := _msg("NS006", s, `native sidecar "%s" needs the SidecarContainers feature gate on Kubernetes 1.28 (on by default from 1.29)`, [classify.name(c)])
}

_findings contains _finding("NS007", "warning", s, classify.name(c), msg) if {
	some s in _specs
	some c in s.inits
	c.restartPolicy == "Always"
	is_array(c.lifecycle.postStart.exec.command)
	array.slice(c.lifecycle.postStart.exec.command, 0, 2) == ["pilot-agent", "wait"]
	msg := _msg("NS007", s, `native sidecar "%s" keeps the obsolete postStart "pilot-agent wait" hook`, [classify.name(c)])
}

_findings contains _finding("NS007", "warning", s, classify.name(c), msg) if {
	some s in _specs
	s.completes
	some c in s.conts
	contains(_command_line(c), "/quitquitquit")
	msg := _msg("NS007", s, `container "%s" calls /quitquitquit to stop the proxy; obsolete once the proxy is a native sidecar`, [classify.name(c)])
}

_findings contains _finding("NS007", "warning", s, classify.name(c), msg) if {
	some s in _specs
	s.completes
	some c in s.conts
	line := _command_line(c)
	contains(line, "linkerd-await")
	contains(line, "--shutdown")
	msg := _msg("NS007", s, `container "%s" wraps its command in linkerd-await --shutdown; obsolete once the proxy is a native sidecar`, [classify.name(c)])
}

# _command_line joins the string elements of command then args with spaces.
_command_line(c) := concat(" ", [x |
	some field in ["command", "args"]
	is_array(c[field])
	some x in c[field]
	is_string(x)
])

_findings contains f if {
	not params.kube_below([1, 28])
	some s in _specs
	not s.opted_out
	s.changed
	resources := quantity.names(array.concat(array.concat(s.inits, s.conts), array.concat(s.new_inits, s.new_conts)))
	changes := [change |
		some r in sort(resources)
		b := quantity.effective(s.inits, s.conts, r)
		a := quantity.effective(s.new_inits, s.new_conts, r)
		a != b
		change := sprintf("%s %s → %s", [r, quantity.format(r, b), quantity.format(r, a)])
	]
	count(changes) > 0
	msg := _msg("NS008", s, "effective pod requests change: %s", [concat(", ", changes)])
	f := object.remove(_finding("NS008", "info", s, "", msg), ["container"])
}
