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
]

# linkerd_native_keys switch Linkerd's proxy to a native sidecar, in Linkerd's
# precedence (pkg/inject ApplyAnnotationOverrides): the first one present
# decides, even when its value does not parse.
linkerd_native_keys := [
	"config.linkerd.io/proxy-enable-native-sidecar",
	"config.beta.linkerd.io/proxy-enable-native-sidecar",
	"config.alpha.linkerd.io/proxy-enable-native-sidecar",
]

# linkerd_native_value is the value of the deciding Linkerd key, if any.
linkerd_native_value(ps) := v if {
	v := value(ps, linkerd_native_keys[0])
} else := v if {
	v := value(ps, linkerd_native_keys[1])
} else := value(ps, linkerd_native_keys[2])

# is_linkerd_false is true for "false", "0" or "f", lower-cased and trimmed
# (is_false plus the other false spellings of Go's strconv.ParseBool, which
# Linkerd parses these annotations with).
is_linkerd_false(v) if lower(trim_space(v)) in {"false", "0", "f"}

# opted_out is true when the pod spec must be left alone.
default opted_out(_) := false

opted_out(ps) if {
	some key in _opt_out_keys
	is_false(value(ps, key))
}

# Istio's native mode keeps this pod's proxy in containers (lib/istio.rego).
opted_out(ps) if istio.keeps_classic(ps)

opted_out(ps) if is_linkerd_false(linkerd_native_value(ps))

# consul-k8s's per-pod switch (lifecycle EnableConsulDataplaneAsSidecar) read
# with strconv.ParseBool, untrimmed: these are its false values. consul-k8s
# keeps such a pod classic even where native mode is the install default.
opted_out(ps) if value(ps, "consul.hashicorp.com/enable-consul-dataplane-as-sidecar") in consul_false

# consul_false are the values Go's strconv.ParseBool reads as false.
consul_false := {"0", "f", "F", "false", "FALSE", "False"}

opted_out(ps) if {
	v := ps.meta.labels["sidecar.istio.io/inject"]
	is_string(v)
	is_false(v)
}
