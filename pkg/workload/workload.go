// Package workload finds the pod specs inside Kubernetes objects of any
// workload kind, working on unstructured data.
package workload

import (
	"strconv"
	"strings"

	"github.com/nativize/nativize/pkg/catalog"
)

// PodSpec is one pod spec found in an object.
type PodSpec struct {
	// Path leads from the document root to the pod spec map.
	Path []string
	// MetaPath leads to the pod template's metadata (it may not exist).
	MetaPath []string
	// ExtraMetaPaths lead to other metadata that mesh injectors annotate,
	// such as a CronJob's spec.jobTemplate.metadata.
	ExtraMetaPaths [][]string
	// Spec is the pod spec map itself (shared with the object, not a copy).
	Spec map[string]any
	// Meta is the pod template metadata, or nil.
	Meta map[string]any
	// Owner is the workload object holding the spec (a List item for Lists).
	Owner map[string]any
	// OwnerPath leads to Owner (empty for top-level objects).
	OwnerPath []string
}

// builtin maps group/Kind to the pod spec path; the template metadata is the
// spec's sibling "metadata". Kinds that Kubernetes serves, plus OpenShift's
// DeploymentConfig: istioctl kube-inject injects it like a Deployment, and a
// user's own --config (which replaces the default catalog) must not lose it.
var builtin = map[string][]string{
	"/Pod":                   {"spec"},
	"/PodTemplate":           {"template", "spec"},
	"/ReplicationController": {"spec", "template", "spec"},
	"apps/Deployment":        {"spec", "template", "spec"},
	"apps/ReplicaSet":        {"spec", "template", "spec"},
	"apps/StatefulSet":       {"spec", "template", "spec"},
	"apps/DaemonSet":         {"spec", "template", "spec"},
	"batch/Job":              {"spec", "template", "spec"},
	"batch/CronJob":          {"spec", "jobTemplate", "spec", "template", "spec"},
	"extensions/Deployment":  {"spec", "template", "spec"},
	"extensions/ReplicaSet":  {"spec", "template", "spec"},
	"extensions/DaemonSet":   {"spec", "template", "spec"},
	// apps.openshift.io/v1 DeploymentConfig (deprecated in OpenShift 4.14,
	// still served and widely run).
	"apps.openshift.io/DeploymentConfig": {"spec", "template", "spec"},
}

// Builtin returns the built-in kinds as "group/Kind" keys with their pod
// spec path (a copy).
func Builtin() map[string][]string {
	out := make(map[string][]string, len(builtin))
	for k, v := range builtin {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// Group returns the API group of an apiVersion ("" for the core group).
func Group(apiVersion string) string {
	if i := strings.IndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}

// SpecPaths returns the pod spec paths for a kind, in locate order: the
// built-in table's one, else the catalog's custom kind entry's. The key is
// group/Kind, so apps.kruise.io's StatefulSet is not apps' StatefulSet.
func SpecPaths(apiVersion, kind string, cat *catalog.Catalog) ([][]string, bool) {
	group := Group(apiVersion)
	if p, ok := builtin[group+"/"+kind]; ok {
		return [][]string{p}, true
	}
	if cat != nil {
		return cat.KindPaths(group, kind)
	}
	return nil, false
}

// IsList reports whether obj is a v1 List.
func IsList(obj map[string]any) bool {
	return obj["apiVersion"] == "v1" && obj["kind"] == "List"
}

// Locate returns every pod spec in obj, in document order. List items are
// searched recursively.
func Locate(obj map[string]any, cat *catalog.Catalog) []PodSpec {
	return locate(obj, nil, cat, nil)
}

func locate(obj map[string]any, prefix []string, cat *catalog.Catalog, out []PodSpec) []PodSpec {
	if IsList(obj) {
		items, _ := obj["items"].([]any)
		for i, it := range items {
			if m, ok := it.(map[string]any); ok {
				out = locate(m, join(prefix, "items", strconv.Itoa(i)), cat, out)
			}
		}
		return out
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	paths, _ := SpecPaths(apiVersion, kind, cat)
	for _, path := range paths {
		spec, ok := lookupMap(obj, path).(map[string]any)
		if !ok {
			// a kind with several templates rarely sets them all
			continue
		}
		metaRel := append(append([]string(nil), path[:len(path)-1]...), "metadata")
		ps := PodSpec{
			Path:      join(prefix, path...),
			MetaPath:  join(prefix, metaRel...),
			Spec:      spec,
			Owner:     obj,
			OwnerPath: append([]string(nil), prefix...),
		}
		ps.Meta, _ = lookupMap(obj, metaRel).(map[string]any)
		if Group(apiVersion) == "batch" && kind == "CronJob" {
			ps.ExtraMetaPaths = [][]string{join(prefix, "spec", "jobTemplate", "metadata")}
		}
		out = append(out, ps)
	}
	return out
}

func join(prefix []string, rest ...string) []string {
	out := make([]string, 0, len(prefix)+len(rest))
	return append(append(out, prefix...), rest...)
}

// lookupMap follows path through nested maps only: a kind's path fields are
// map keys, never list indexes (the Rego engine reads them the same way).
func lookupMap(v any, path []string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// Lookup follows path through nested maps and lists (list indexes as
// decimal strings); it returns nil when any step is missing.
func Lookup(v any, path []string) any {
	for _, p := range path {
		switch t := v.(type) {
		case map[string]any:
			v = t[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// Annotation returns the pod template annotation key, else the one on a
// CronJob's spec.jobTemplate.metadata, else the owning workload's own
// annotation (docs/RULES.md).
func (p PodSpec) Annotation(key string) (string, bool) {
	if v, ok := stringAt(p.Meta, "annotations", key); ok {
		return v, true
	}
	for _, path := range p.ExtraMetaPaths {
		// a CronJob's spec.jobTemplate.metadata, where kube-inject writes
		meta, _ := Lookup(p.Owner, path[len(p.OwnerPath):]).(map[string]any)
		if v, ok := stringAt(meta, "annotations", key); ok {
			return v, true
		}
	}
	meta, _ := p.Owner["metadata"].(map[string]any)
	return stringAt(meta, "annotations", key)
}

// Label returns the pod template label key.
func (p PodSpec) Label(key string) (string, bool) { return stringAt(p.Meta, "labels", key) }

func stringAt(m map[string]any, field, key string) (string, bool) {
	if m == nil {
		return "", false
	}
	inner, _ := m[field].(map[string]any)
	v, ok := inner[key].(string)
	return v, ok
}

// Object identifies an object for messages.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// Identify returns the identity of the owning workload.
func (p PodSpec) Identify() Object { return Identify(p.Owner) }

// Identify returns the identity of obj.
func Identify(obj map[string]any) Object {
	o := Object{}
	o.APIVersion, _ = obj["apiVersion"].(string)
	o.Kind, _ = obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	o.Namespace, _ = meta["namespace"].(string)
	o.Name, _ = meta["name"].(string)
	return o
}
