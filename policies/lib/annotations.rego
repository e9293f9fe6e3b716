# METADATA
# description: Annotations, list annotations and opt-outs (docs/RULES.md "Annotations").
package nativize.lib.annotations

import data.nativize.lib.istio

# value returns the pod template annotation key, else the one on a CronJob's
# spec.jobTemplate.metadata (where kube-inject writes), else the workload's own.
value(ps, key) := v if {
	v := ps.meta.annotations[key]
	is_string(v)
} else := v if {
	count(ps.extra_rel) > 0
	v := object.get(ps.workload, array.concat(ps.extra_rel[0], ["annotations", key]), null)
	is_string(v)
} else := v if {
	v := ps.workload.metadata.annotations[key]
	is_string(v)
}

# names splits a list annotation on ",", trimming parts and dropping empty ones.
names(ps, key) := [t |
	some part in split(value(ps, key), ",")
	t := trim_space(part)
	t != ""
] if is_string(value(ps, key))

else := []

# is_false is true for a string that, lower-cased and trimmed, is "false".
is_false(v) if lower(trim_space(v)) == "false"

_opt_out_keys := [
	"nativize.dev/convert",
	"sidecar.istio.io/nativeSidecar",
	"sidecar.istio.io/inject",
	"config.linkerd.io/proxy-enable-native-sidecar",
]

# opted_out is true when the pod spec must be left alone.
default opted_out(_) := false

opted_out(ps) if {
	some key in _opt_out_keys
	is_false(value(ps, key))
}

# Istio's native mode keeps this pod's proxy in containers (lib/istio.rego).
opted_out(ps) if istio.keeps_classic(ps)

opted_out(ps) if {
	v := ps.meta.labels["sidecar.istio.io/inject"]
	is_string(v)
	is_false(v)
}
