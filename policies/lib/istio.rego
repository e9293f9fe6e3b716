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

# port is the status port Istio injected the proxy with, 15020 by default:
# draining on another port would reach no agent.
port(ps) := v if {
	v := annotation(ps, "status.sidecar.istio.io/port")
	v != ""
} else := "15020"
