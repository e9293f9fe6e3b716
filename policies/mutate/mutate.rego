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
