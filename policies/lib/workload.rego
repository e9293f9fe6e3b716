# METADATA
# description: Locating pod specs in workloads (docs/RULES.md "Locating pod specs").
package nativize.lib.workload

# Built-in kinds by "group/kind": pod spec path, pod template metadata path,
# and further metadata that mesh injectors annotate.
_builtin := {
	"/Pod": {"spec": ["spec"], "meta": ["metadata"], "extra": []},
	"/PodTemplate": {"spec": ["template", "spec"], "meta": ["template", "metadata"], "extra": []},
	"/ReplicationController": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"apps/Deployment": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"apps/ReplicaSet": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"apps/StatefulSet": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"apps/DaemonSet": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"batch/Job": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"batch/CronJob": {
		"spec": ["spec", "jobTemplate", "spec", "template", "spec"],
		"meta": ["spec", "jobTemplate", "spec", "template", "metadata"],
		"extra": [["spec", "jobTemplate", "metadata"]],
	},
	"extensions/Deployment": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"extensions/ReplicaSet": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	"extensions/DaemonSet": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
	# OpenShift: istioctl kube-inject injects it like a Deployment.
	"apps.openshift.io/DeploymentConfig": {"spec": ["spec", "template", "spec"], "meta": ["spec", "template", "metadata"], "extra": []},
}

# group returns the API group of an apiVersion ("" for the core group).
group(api_version) := split(api_version, "/")[0] if contains(api_version, "/")

else := "" if is_string(api_version)

# locations returns where the pod specs of object w live, in locate order:
# the built-in kind's one, else those of the first catalog entry with the
# object's group and kind (podSpecPaths, else podSpecPath); undefined when
# the kind is neither (docs/RULES.md "Locating pod specs").
locations(w, cat) := [loc] if {
	is_string(w.kind)
	loc := _builtin[concat("/", [group(w.apiVersion), w.kind])]
} else := [_location(p) | some p in _kind_paths(entries[0])] if {
	entries := [k |
		some k in object.get(cat, "kinds", [])
		k.kind == w.kind
		k.group == group(w.apiVersion)
	]
	count(entries) > 0
}

_kind_paths(k) := k.podSpecPaths if count(object.get(k, "podSpecPaths", [])) > 0

else := [k.podSpecPath]

# The pod template metadata is the spec's sibling "metadata".
_location(p) := {"spec": spec, "meta": array.concat(array.slice(spec, 0, count(spec) - 1), ["metadata"]), "extra": []} if {
	spec := split(p, ".")
}

# is_list is true for a v1 List.
is_list(doc) if {
	doc.apiVersion == "v1"
	doc.kind == "List"
}

# workloads returns the objects of a document with their paths: the document
# itself, or every item of a v1 List (recursively), in document order.
workloads(doc) := [{"obj": doc, "path": []}] if not is_list(doc)

else := [{"obj": v, "path": p} | walk(doc, [p, v]); _item_path(doc, p)]

_item_path(doc, p) if {
	n := count(p)
	n > 0
	n % 2 == 0
	every k in numbers.range(0, (n / 2) - 1) {
		p[2 * k] == "items"
		is_number(p[(2 * k) + 1])
		is_list(object.get(doc, array.slice(p, 0, 2 * k), null))
	}
}

# pod_specs returns a descriptor for every pod spec of the document, in
# locate order: path (from the document root), item_path (to the owning
# object), rel (to the spec, from the owning object), spec, meta (pod template
# metadata), meta_rel and extra_rel (metadata paths from the owning object),
# and workload (the owning object).
pod_specs(doc, cat) := [ps |
	some w in workloads(doc)
	some loc in locations(w.obj, cat)
	spec := object.get(w.obj, loc.spec, null)
	is_object(spec)
	ps := {
		"path": array.concat(w.path, loc.spec),
		"item_path": w.path,
		"rel": loc.spec,
		"spec": spec,
		"meta": _object(object.get(w.obj, loc.meta, {})),
		"meta_rel": loc.meta,
		"extra_rel": loc.extra,
		"workload": w.obj,
	}
]

_object(x) := x if is_object(x)

else := {}
