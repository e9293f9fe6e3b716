// Package mutate decides how a Kubernetes object's classic sidecars become
// native sidecars (a Plan) and applies that plan to an unstructured object,
// to an RFC 6902 JSON patch, or to a YAML node tree. docs/RULES.md is the
// contract; policies/mutate is its Rego twin.
package mutate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

// Annotation keys nativize reads.
const (
	AnnotationConvert        = "nativize.dev/convert"
	AnnotationSidecars       = "nativize.dev/sidecars"
	AnnotationBeforeSidecars = "nativize.dev/before-sidecars"
	AnnotationIstioStatus    = "sidecar.istio.io/status"
	AnnotationIstioPort      = "status.sidecar.istio.io/port"
)

// optOuts are the annotations (and, for Istio's inject key, labels) whose
// "false" value leaves a pod spec alone. Linkerd's keys have their own
// precedence: see LinkerdNativeSidecarKeys; Consul's its own false values:
// see AnnotationConsulDataplaneAsSidecar.
var optOuts = []string{
	AnnotationConvert,
	"sidecar.istio.io/nativeSidecar",
	"sidecar.istio.io/inject",
}

// Groups of the final init container order (R3).
const (
	GroupSetup          = 0 // network setup: must run before anything that sends traffic
	GroupBeforeSidecars = 1 // init containers the user wants ahead of the sidecars
	GroupProxy          = 2 // mesh proxies: every later init container gets traffic
	GroupSidecar        = 3 // other sidecars this conversion moves
	GroupRest           = 4 // everything else, original order kept
)

// Placement is one container of the new initContainers list.
type Placement struct {
	// From is the list the container comes from: "initContainers" or "containers".
	From string `json:"from"`
	// Index is its position in that list.
	Index int `json:"index"`
	// Name is the container name.
	Name string `json:"name"`
	// Group is its R3 group.
	Group int `json:"group"`
}

// Edit changes one top-level field of a container.
type Edit struct {
	Container string `json:"container"`
	Field     string `json:"field"`
	// Value is the new value; nil with Delete set removes the field.
	Value  any    `json:"value,omitempty"`
	Delete bool   `json:"delete,omitempty"`
	Reason string `json:"reason"`
}

// AnnotationEdit sets one annotation at MetaPath (a metadata map).
type AnnotationEdit struct {
	MetaPath []string `json:"metaPath"`
	Key      string   `json:"key"`
	Value    string   `json:"value"`
}

// SpecPlan is the plan for one pod spec.
type SpecPlan struct {
	Object workload.Object `json:"object"`
	// Path leads to the pod spec.
	Path []string `json:"path"`
	// HadInit reports whether the spec had an initContainers field.
	HadInit bool `json:"-"`
	// Init is the new initContainers order.
	Init []Placement `json:"init"`
	// Kept are the indexes of containers that stay in containers.
	Kept []int `json:"kept"`
	// Edits change fields of moved or promoted containers.
	Edits []Edit `json:"edits,omitempty"`
	// Annotations are the bookkeeping annotations to rewrite.
	Annotations []AnnotationEdit `json:"annotations,omitempty"`
	// InitContainers and Containers are the resulting lists, edits applied.
	InitContainers []any `json:"-"`
	Containers     []any `json:"-"`
}

// Plan is what converting one object changes. A zero Plan changes nothing.
type Plan struct {
	Specs []SpecPlan `json:"specs,omitempty"`
	// Notes explain pod specs that needed work but were left alone.
	Notes []string `json:"notes,omitempty"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return p == nil || len(p.Specs) == 0 }

// isFalse reports whether an opt-out value says "false".
func isFalse(v string) bool { return strings.EqualFold(strings.TrimSpace(v), "false") }

// SplitList parses a comma-separated annotation value into a set of names.
func SplitList(v string) map[string]bool {
	out := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out[part] = true
		}
	}
	return out
}

// OptedOut reports whether the pod spec carries an opt-out.
func OptedOut(ps workload.PodSpec) bool {
	for _, k := range optOuts {
		if v, ok := ps.Annotation(k); ok && isFalse(v) {
			return true
		}
	}
	if linkerdOptedOut(ps) || consulOptedOut(ps) {
		return true
	}
	if IstioKeepsClassic(ps) {
		return true // Istio's native mode keeps this proxy in containers
	}
	v, ok := ps.Label("sidecar.istio.io/inject")
	return ok && isFalse(v)
}

// Container is a container of a pod spec with its classification.
type Container struct {
	Map   map[string]any
	Name  string
	From  string
	Index int
	Entry catalog.Entry
	// Known reports whether the catalog matched the container.
	Known bool
}

// Role returns the catalog role, or "".
func (c Container) Role() catalog.Role {
	if !c.Known {
		return ""
	}
	return c.Entry.Role
}

// Classified is a pod spec's containers, classified.
type Classified struct {
	Init       []Container
	Containers []Container
	// Move are the containers (in containers order) that are sidecars to move.
	Move []Container
	// Malformed is set when a container list is not a list of maps.
	Malformed bool
}

// Classify classifies every container of ps (R1).
func Classify(ps workload.PodSpec, cat *catalog.Catalog) Classified {
	var c Classified
	initList, ok1 := listOf(ps.Spec, "initContainers")
	ctrList, ok2 := listOf(ps.Spec, "containers")
	if !ok1 || !ok2 {
		c.Malformed = true
		return c
	}
	initNames := make([]string, 0, len(initList))
	for _, m := range initList {
		n, _ := m["name"].(string)
		initNames = append(initNames, n)
	}
	extra := map[string]bool{}
	if v, ok := ps.Annotation(AnnotationSidecars); ok {
		extra = SplitList(v)
	}
	for i, m := range initList {
		ct := container(m, "initContainers", i)
		ct.Entry, ct.Known = cat.Classify(ct.Name, str(m["image"]), initNames)
		c.Init = append(c.Init, ct)
	}
	for i, m := range ctrList {
		ct := container(m, "containers", i)
		ct.Entry, ct.Known = cat.Classify(ct.Name, str(m["image"]), initNames)
		c.Containers = append(c.Containers, ct)
		switch {
		case ct.Known && (ct.Entry.Role == catalog.RoleProxy || ct.Entry.Role == catalog.RoleSidecar):
			c.Move = append(c.Move, ct)
		case extra[ct.Name]:
			ct.Known = true
			ct.Entry = catalog.Entry{Name: ct.Name, Role: catalog.RoleSidecar}
			c.Move = append(c.Move, ct)
		}
	}
	return c
}

func container(m map[string]any, from string, i int) Container {
	n, _ := m["name"].(string)
	return Container{Map: m, Name: n, From: from, Index: i}
}

func str(v any) string { s, _ := v.(string); return s }

// listOf returns a container list; a missing or null field is an empty list,
// anything but a list of maps is malformed.
func listOf(spec map[string]any, field string) ([]map[string]any, bool) {
	raw, present := spec[field]
	if !present || raw == nil {
		return nil, true
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, false
	}
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		out = append(out, m)
	}
	return out, true
}

// planSpec plans one pod spec; ok is false when nothing changes.
func planSpec(ps workload.PodSpec, cat *catalog.Catalog) (sp SpecPlan, note string, ok bool) {
	if OptedOut(ps) {
		return sp, "", false
	}
	cl := Classify(ps, cat)
	if cl.Malformed {
		return sp, "", false
	}
	hasInitProxy := false
	for _, ct := range cl.Init {
		if ct.Role() == catalog.RoleProxy {
			hasInitProxy = true
		}
	}
	if len(cl.Move) == 0 && !hasInitProxy {
		return sp, "", false
	}
	if len(cl.Move) > 0 && len(cl.Move) == len(cl.Containers) {
		// A pod needs at least one regular container; converting every
		// container would produce a pod the API server rejects.
		return sp, fmt.Sprintf("%s: every container is a sidecar; left as is", describe(ps)), false
	}
	before := map[string]bool{}
	if v, ok := ps.Annotation(AnnotationBeforeSidecars); ok {
		before = SplitList(v)
	}

	type cand struct {
		ct        Container
		group     int
		companion bool
		moved     bool
	}
	var cands []cand
	for _, ct := range cl.Init {
		g, companion := GroupRest, false
		switch {
		case ct.Role() == catalog.RoleSetup:
			g = GroupSetup // iptables must exist before any proxy or app traffic
		case before[ct.Name]:
			g = GroupBeforeSidecars // e.g. renders a config the sidecar reads
		case ct.Role() == catalog.RoleProxy:
			g = GroupProxy
		case ct.Role() == catalog.RoleCompanion:
			// right after the proxies, where the mesh's own native injection puts it
			g, companion = GroupProxy, true
		}
		cands = append(cands, cand{ct, g, companion, false})
	}
	moving := map[int]bool{}
	for _, ct := range cl.Move {
		g := GroupSidecar
		if ct.Entry.Role == catalog.RoleProxy {
			g = GroupProxy // so init containers after it have the mesh's network
		}
		cands = append(cands, cand{ct, g, false, true})
		moving[ct.Index] = true
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].group != cands[j].group {
			return cands[i].group < cands[j].group
		}
		return !cands[i].companion && cands[j].companion
	})

	sp = SpecPlan{Object: ps.Identify(), Path: ps.Path}
	_, sp.HadInit = ps.Spec["initContainers"]
	changed := false
	for i, c := range cands {
		sp.Init = append(sp.Init, Placement{From: c.ct.From, Index: c.ct.Index, Name: c.ct.Name, Group: c.group})
		if c.moved || i >= len(cl.Init) || cl.Init[i].Index != c.ct.Index || c.ct.From != "initContainers" {
			changed = true
		}
		edits := containerEdits(ps, c.ct, c.moved)
		sp.Edits = append(sp.Edits, edits...)
		sp.InitContainers = append(sp.InitContainers, applyEdits(c.ct.Map, edits))
	}
	for i, ct := range cl.Containers {
		if !moving[i] {
			sp.Kept = append(sp.Kept, i)
			sp.Containers = append(sp.Containers, ct.Map)
		}
	}
	if sp.Containers == nil {
		sp.Containers = []any{}
	}
	if len(sp.Edits) > 0 {
		changed = true
	}
	if !changed {
		return SpecPlan{}, "", false
	}
	for _, ct := range cl.Move {
		if ct.Name == "istio-proxy" {
			sp.Annotations = istioStatusEdits(ps)
		}
	}
	return sp, "", true
}

func describe(ps workload.PodSpec) string {
	o := ps.Identify()
	if o.Namespace != "" {
		return fmt.Sprintf("%s/%s/%s", o.Kind, o.Namespace, o.Name)
	}
	return fmt.Sprintf("%s/%s", o.Kind, o.Name)
}
