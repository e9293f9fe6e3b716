# METADATA
# description: |
#   Where the object, the parameters (kube version, catalog) and the catalog
#   come from: the raw object as input (conftest, opa eval), or Gatekeeper's
#   review form {"review": {"object": ...}, "parameters": {...}}.
package nativize.lib.params

# review is true when input is Gatekeeper's (or nativize's) review form.
review if is_object(input.review)

# obj is the Kubernetes object under evaluation.
obj := input.review.object if review

else := input

# parameters holds kubeVersion and catalog, when given.
parameters := input.parameters if {
	review
	is_object(input.parameters)
} else := {}

# catalog replaces the default catalog when parameters carry one.
catalog := parameters.catalog if is_object(parameters.catalog)

else := data.nativize.lib.catalog.default_catalog

# kube_version is [major, minor] of parameters.kubeVersion (1.N, v1.N, 1.N.P);
# undefined when unset or unparsable (the current Kubernetes).
kube_version := [to_number(m[1]), to_number(m[2])] if {
	is_string(parameters.kubeVersion)
	[m] := regex.find_all_string_submatch_n(`^v?\+?([0-9]+)\.\+?([0-9]+)(\.[^.]*)?$`, trim_space(parameters.kubeVersion), 1)
}

# kube_below(v) is true when a target version is set and is below v ([major, minor]).
kube_below(v) if kube_version < v
