package validate

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/workload"
)

// Options configure a Checker.
type Options struct {
	// Catalog classifies containers; nil means catalog.Default().
	Catalog *catalog.Catalog
	// KubeVersion is the target cluster version ("1.29", "v1.30.2"); empty
	// means the current Kubernetes.
	KubeVersion string
}

// Checker runs the checks NS001–NS008 (docs/CHECKS.md). It is safe for
// concurrent use.
type Checker struct {
	cat *catalog.Catalog
	// kube is the target version; nil means current.
	kube *mutate.Version
	// mut plans the conversion for fixes and NS008; nil when the target
	// version refuses to convert (below 1.28).
	mut *mutate.Mutator
}

// New returns a Checker; it fails only for a kube version that does not parse.
func New(opts Options) (*Checker, error) {
	c := &Checker{cat: opts.Catalog}
	if c.cat == nil {
		c.cat = catalog.Default()
	}
	mopts := mutate.Options{Catalog: c.cat}
	if opts.KubeVersion != "" {
		v, err := mutate.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, err
		}
		c.kube = &v
		mopts.KubeVersion = opts.KubeVersion
	}
	if c.kube == nil || !c.kube.Less(1, 28) {
		m, err := mutate.New(mopts)
		if err != nil {
			return nil, err
		}
		c.mut = m
	}
	return c, nil
}

// Catalog returns the catalog in use.
func (c *Checker) Catalog() *catalog.Catalog { return c.cat }

// kubeBelow reports whether a target version is set and older than 1.minor.
func (c *Checker) kubeBelow(minor int) bool { return c.kube != nil && c.kube.Less(1, minor) }

// owner is one workload object with its conversion plan, computed once.
type owner struct {
	plan *mutate.Plan
	fix  []mutate.PatchOp
}

// Check returns the findings for obj (a workload, a v1 List or any other
// object), sorted with Compare; File, Line and ContainerLine are left for the
// caller. obj is not modified.
func (c *Checker) Check(obj map[string]any) []Finding {
	owners := map[string]*owner{}
	var out []Finding
	for _, ps := range workload.Locate(obj, c.cat) {
		key := strings.Join(ps.OwnerPath, "/")
		o, ok := owners[key]
		if !ok {
			o = c.planOwner(ps.Owner)
			owners[key] = o
		}
		out = append(out, c.checkSpec(ps, o)...)
	}
	return dedupe(out)
}

// planOwner plans the conversion of one workload as its own document, so
// fixes of List items have paths relative to the item.
func (c *Checker) planOwner(obj map[string]any) *owner {
	o := &owner{}
	if c.mut == nil {
		return o
	}
	p, err := c.mut.Plan(obj)
	if err != nil || p.Empty() {
		return o
	}
	o.plan = p
	o.fix = p.Patch()
	return o
}

// specPlan returns the plan of the pod spec at rel (relative to its owner).
func (o *owner) specPlan(rel []string) (mutate.SpecPlan, bool) {
	if o.plan == nil {
		return mutate.SpecPlan{}, false
	}
	for _, sp := range o.plan.Specs {
		if strings.Join(sp.Path, "/") == strings.Join(rel, "/") {
			return sp, true
		}
	}
	return mutate.SpecPlan{}, false
}

// dedupe drops repeated findings (findings are a set) and sorts the rest.
func dedupe(fs []Finding) []Finding {
	type key struct {
		check, container, message string
		severity                  Severity
		object                    Object
	}
	seen := map[key][]int{}
	out := fs[:0]
	for _, f := range fs {
		k := key{f.Check, f.Container, f.Message, f.Severity, f.Object}
		dup := false
		for _, i := range seen[k] {
			if reflect.DeepEqual(out[i].Fix, f.Fix) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		seen[k] = append(seen[k], len(out))
		out = append(out, f)
	}
	Sort(out)
	return out
}

// finding builds a finding whose message starts with "<check>: <Kind>/<name>: ".
func finding(check string, sev Severity, obj Object, container, format string, args ...any) Finding {
	return Finding{
		Check:     check,
		Severity:  sev,
		Object:    obj,
		Container: container,
		Message:   fmt.Sprintf("%s: %s/%s: ", check, obj.Kind, obj.Name) + fmt.Sprintf(format, args...),
	}
}
