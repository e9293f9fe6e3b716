package mutate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

// ErrKubeVersion is wrapped when the target Kubernetes version cannot run
// native sidecars or cannot be parsed.
var ErrKubeVersion = errors.New("unsupported --kube-version")

// Options configure a Mutator.
type Options struct {
	// Catalog classifies containers; nil means catalog.Default().
	Catalog *catalog.Catalog
	// KubeVersion is the target cluster version ("1.29", "v1.30.2"); empty means current.
	KubeVersion string
}

// Mutator plans and applies conversions. It is safe for concurrent use.
type Mutator struct {
	cat      *catalog.Catalog
	warnings []string
}

// Version is a parsed major.minor Kubernetes version.
type Version struct{ Major, Minor int }

// Less reports whether v is older than major.minor.
func (v Version) Less(major, minor int) bool {
	return v.Major < major || (v.Major == major && v.Minor < minor)
}

// ParseKubeVersion parses "1.29", "v1.29" or "v1.29.3".
func ParseKubeVersion(s string) (Version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("%w: %q is not MAJOR.MINOR[.PATCH]", ErrKubeVersion, s)
	}
	var nums [2]int
	for i := 0; i < 2; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("%w: %q is not MAJOR.MINOR[.PATCH]", ErrKubeVersion, s)
		}
		nums[i] = n
	}
	return Version{nums[0], nums[1]}, nil
}

// TargetVersion vets a target Kubernetes version ("" is the current one)
// for conversion: it fails, wrapping ErrKubeVersion, when the version does
// not parse or is below 1.28 (an older API server drops restartPolicy from
// init containers and the pod hangs in Init forever), and warns at 1.28.
// Every engine refuses and warns with these words.
func TargetVersion(kubeVersion string) (warnings []string, err error) {
	if kubeVersion == "" {
		return nil, nil
	}
	v, err := ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, err
	}
	if v.Less(1, 28) {
		return nil, fmt.Errorf("%w: %s has no native sidecars (they need 1.28 with the SidecarContainers feature gate, or 1.29+); an older API server drops restartPolicy from init containers and the pod never leaves Init", ErrKubeVersion, kubeVersion)
	}
	if v == (Version{1, 28}) {
		return []string{"Kubernetes 1.28: native sidecars are alpha; the SidecarContainers feature gate must be enabled on the API server and every kubelet"}, nil
	}
	return nil, nil
}

// New returns a Mutator; it fails when TargetVersion refuses the kube
// version.
func New(opts Options) (*Mutator, error) {
	m := &Mutator{cat: opts.Catalog}
	if m.cat == nil {
		m.cat = catalog.Default()
	}
	w, err := TargetVersion(opts.KubeVersion)
	if err != nil {
		return nil, err
	}
	m.warnings = w
	return m, nil
}

// Catalog returns the catalog in use.
func (m *Mutator) Catalog() *catalog.Catalog { return m.cat }

// Warnings returns warnings about the configuration (e.g. Kubernetes 1.28).
func (m *Mutator) Warnings() []string { return m.warnings }

// Plan decides what converting obj changes. It never modifies obj.
func (m *Mutator) Plan(obj map[string]any) (*Plan, error) {
	p := &Plan{}
	for _, ps := range workload.Locate(obj, m.cat) {
		sp, note, ok := planSpec(ps, m.cat)
		if note != "" {
			p.Notes = append(p.Notes, note)
		}
		if ok {
			p.Specs = append(p.Specs, sp)
		}
	}
	return p, nil
}

// Object returns a converted deep copy of obj and the plan; obj is untouched.
// When the plan is empty, out is obj itself.
func (m *Mutator) Object(obj map[string]any) (out map[string]any, plan *Plan, err error) {
	plan, err = m.Plan(obj)
	if err != nil || plan.Empty() {
		return obj, plan, err
	}
	return ApplyObject(obj, plan), plan, nil
}

// ApplyObject returns a deep copy of obj with the plan applied.
func ApplyObject(obj map[string]any, p *Plan) map[string]any {
	out := DeepCopy(obj).(map[string]any)
	for _, sp := range p.Specs {
		spec, ok := workload.Lookup(out, sp.Path).(map[string]any)
		if !ok {
			continue
		}
		spec["initContainers"] = DeepCopy(sp.InitContainers)
		spec["containers"] = DeepCopy(sp.Containers)
		for _, a := range sp.Annotations {
			meta, _ := workload.Lookup(out, a.MetaPath).(map[string]any)
			if ann, ok := meta["annotations"].(map[string]any); ok {
				ann[a.Key] = a.Value
			}
		}
	}
	return out
}

// DeepCopy copies a JSON-like value (maps, lists, scalars).
func DeepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = DeepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = DeepCopy(e)
		}
		return l
	default:
		return v
	}
}
