# METADATA
# description: |
#   The conversion of classic sidecars into native sidecars (docs/RULES.md),
#   the Rego twin of pkg/mutate. Input: the object, or the review form
#   {"review": {"object": ...}, "parameters": {"kubeVersion", "catalog"}}.
package nativize.mutate

import data.nativize.lib.params
import data.nativize.lib.plan

# refused is true when the target version has no native sidecars (R7).
refused if params.kube_below([1, 28])

# errors explain why nothing is converted.
errors contains msg if {
	refused
	msg := sprintf("unsupported kube version %s: native sidecars need 1.28 with the SidecarContainers feature gate, or 1.29+", [params.parameters.kubeVersion])
}

# warnings are notes about the target version.
warnings contains "Kubernetes 1.28: native sidecars are alpha; the SidecarContainers feature gate must be enabled on the API server and every kubelet" if {
	params.kube_version == [1, 28]
}

# patch is the RFC 6902 patch that converts the object (empty when nothing changes).
patch := [] if refused

else := plan.ops

# result is the converted object (the object itself when nothing changes).
result := params.obj if count(patch) == 0

else := json.patch(params.obj, patch)

# conversion is the plan in pkg/mutate's Plan shape: the changed pod specs
# (placements, kept containers, edits, annotation rewrites, resulting lists)
# and notes on pod specs left alone. The CLI's in-place rewrite reads it.
conversion := {"specs": [], "notes": []} if refused

else := {
	"specs": [_spec_plan(p) | some p in plan.pod_plans; p.changed],
	"notes": [sprintf("%s: every container is a sidecar; left as is", [_describe(p.ps.workload)]) |
		some p in plan.pod_plans
		not p.opted_out
		not p.malformed
		count(p.moved) > 0
		count(p.moved) == count(p.conts)
	],
}

_spec_plan(p) := {
	"object": _identify(p.ps.workload),
	"path": p.ps.path,
	"hadInit": "initContainers" in object.keys(p.ps.spec),
	"init": p.placements,
	"kept": p.kept,
	"edits": p.edits,
	"annotations": [{"metaPath": array.concat(p.ps.item_path, op.meta_rel), "key": op.key, "value": op.value} |
		some op in p.status_ops
	],
	"initContainers": p.new_inits,
	"containers": p.new_conts,
}

_identify(w) := {
	"apiVersion": _str(object.get(w, "apiVersion", "")),
	"kind": _str(object.get(w, "kind", "")),
	"namespace": _str(object.get(w, ["metadata", "namespace"], "")),
	"name": _str(object.get(w, ["metadata", "name"], "")),
}

_str(x) := x if is_string(x)

else := ""

_describe(w) := concat("/", [o.kind, o.namespace, o.name]) if {
	o := _identify(w)
	o.namespace != ""
} else := concat("/", [o.kind, o.name]) if {
	o := _identify(w)
}
