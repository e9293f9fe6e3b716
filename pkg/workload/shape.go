package workload

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
)

// ErrShape is wrapped by every ShapeError.
var ErrShape = errors.New("workload has the wrong shape")

// ShapeError is a field of a workload that the API server would refuse
// (a wrong JSON type, a container without a valid or unique name) and that
// the engines would otherwise skip without a word. Such an object is an
// input error, not a check finding: no conversion of it could be applied,
// so both engines leave the document as it was and report this instead.
type ShapeError struct {
	// Path leads from the document root to the field.
	Path []string
	Msg  string
}

func (e *ShapeError) Error() string { return document.FieldPath(e.Path) + ": " + e.Msg }

// Unwrap lets errors.Is match ErrShape.
func (e *ShapeError) Unwrap() error { return ErrShape }

// Shape checks the fields of obj that the engines read: the items of a v1
// List; apiVersion, kind and the metadata annotations and labels of each
// workload and pod template; and in every pod spec, the container lists
// (initContainers, containers, ephemeralContainers), each container's
// name (a DNS-1123 label, unique across the three lists, as the API
// server requires) and the types of the container fields the rules read.
// A null value counts as absent, as in the API server. It returns nil when
// all is well.
func Shape(obj map[string]any, cat *catalog.Catalog) []*ShapeError {
	var s shaper
	s.object(obj, nil, cat)
	return s.errs
}

type shaper struct{ errs []*ShapeError }

func (s *shaper) add(path []string, format string, args ...any) {
	s.errs = append(s.errs, &ShapeError{Path: append([]string(nil), path...), Msg: fmt.Sprintf(format, args...)})
}

// want reports whether v is null or has the JSON type kind, recording an
// error at path+field otherwise (the path is only built for errors).
func (s *shaper) want(v any, kind string, path []string, field ...string) bool {
	if v == nil || typeName(v) == kind {
		return true
	}
	s.add(join(path, field...), "expected %s, got %s", kind, typeName(v))
	return false
}

func (s *shaper) object(obj map[string]any, prefix []string, cat *catalog.Catalog) {
	s.want(obj["apiVersion"], "a string", prefix, "apiVersion")
	s.want(obj["kind"], "a string", prefix, "kind")
	s.metadata(obj["metadata"], prefix, "metadata")
	if IsList(obj) {
		items, ok := obj["items"].([]any)
		if !s.want(obj["items"], "a list", prefix, "items") || !ok {
			return
		}
		for i, it := range items {
			p := join(prefix, "items", strconv.Itoa(i))
			if m, ok := it.(map[string]any); ok {
				s.object(m, p, cat)
			} else {
				s.add(p, "expected an object, got %s", typeName(it))
			}
		}
		return
	}
	if kind, _ := obj["kind"].(string); !coreKinds[kind] {
		// A kind from the catalog (built in or --config): the same on the
		// way to each of its pod specs, which Locate would otherwise skip
		// without a word (a list where the pod spec or a level above it
		// is expected). Levels shared by several paths are reported once.
		apiVersion, _ := obj["apiVersion"].(string)
		paths, _ := SpecPaths(apiVersion, kind, cat)
		seen := map[string]bool{}
		for _, path := range paths {
			var v any = obj
			for i, step := range path {
				m, _ := v.(map[string]any)
				if v = m[step]; v == nil {
					break
				}
				if key := document.FieldPath(path[:i+1]); !seen[key] {
					seen[key] = true
					if !s.want(v, "an object", prefix, path[:i+1]...) {
						break
					}
				} else if typeName(v) != "an object" {
					break
				}
			}
		}
	} else {
		// A wrong type on the way to the pod spec would make Locate skip
		// it; the API schema of these kinds is known.
		var v any = obj
		for i, step := range podTemplatePath {
			m, _ := v.(map[string]any)
			if v = m[step]; v == nil || !s.want(v, "an object", prefix, podTemplatePath[:i+1]...) {
				break
			}
		}
		if spec, ok := obj["spec"].(map[string]any); ok {
			s.want(spec["jobTemplate"], "an object", prefix, "spec", "jobTemplate")
		}
	}
	for _, ps := range Locate(obj, cat) {
		for _, mp := range append([][]string{ps.MetaPath}, ps.ExtraMetaPaths...) {
			if len(mp) > 1 { // the object's own metadata is checked above
				s.metadataAt(Lookup(obj, mp), join(prefix, mp...))
			}
		}
		s.podSpec(ps.Spec, join(prefix, ps.Path...))
	}
}

// coreKinds are the Kubernetes kinds whose pod template levels
// (podTemplatePath, spec.jobTemplate) are checked for type.
var coreKinds = map[string]bool{
	"Pod": true, "PodTemplate": true, "ReplicationController": true, "Deployment": true, "ReplicaSet": true,
	"StatefulSet": true, "DaemonSet": true, "Job": true, "CronJob": true,
}

var podTemplatePath = []string{"spec", "template", "spec"}

// metadata checks an object's or a template's metadata at parent.field.
func (s *shaper) metadata(v any, parent []string, field string) {
	if v != nil {
		s.metadataAt(v, join(parent, field))
	}
}

// metadataAt checks the metadata v at path.
func (s *shaper) metadataAt(v any, path []string) {
	m, ok := v.(map[string]any)
	if !s.want(v, "an object", path) || !ok {
		return
	}
	s.want(m["name"], "a string", path, "name")
	s.want(m["namespace"], "a string", path, "namespace")
	for _, f := range []string{"annotations", "labels"} {
		mm, ok := m[f].(map[string]any)
		if !s.want(m[f], "an object", path, f) || !ok {
			continue
		}
		var bad []string
		for k, v := range mm {
			if _, ok := v.(string); !ok && v != nil {
				bad = append(bad, k)
			}
		}
		slices.Sort(bad)
		for _, k := range bad {
			s.add(join(path, f, k), "expected a string, got %s (annotation and label values are strings: quote it)", typeName(mm[k]))
		}
	}
}

// containerLists are the pod spec fields holding containers; their names
// must be unique across all three.
var containerLists = []string{"initContainers", "containers", "ephemeralContainers"}

func (s *shaper) podSpec(spec map[string]any, path []string) {
	var seen map[string][]string
	for _, f := range containerLists {
		list, ok := spec[f].([]any)
		if !s.want(spec[f], "a list", path, f) || !ok {
			continue
		}
		if seen == nil {
			seen = make(map[string][]string, 8)
		}
		for i, it := range list {
			c, ok := it.(map[string]any)
			if !ok {
				s.add(join(path, f, strconv.Itoa(i)), "expected a container (an object), got %s", typeName(it))
				continue
			}
			s.container(c, path, f, i, seen)
		}
	}
	s.listOf(spec["volumes"], "an object", path, "volumes")
}

// containerFields are the container fields the rules read and their JSON
// types, in a fixed order for messages.
var containerFields = [][2]string{
	{"image", "a string"}, {"imagePullPolicy", "a string"}, {"restartPolicy", "a string"}, {"workingDir", "a string"},
	{"lifecycle", "an object"}, {"startupProbe", "an object"}, {"readinessProbe", "an object"}, {"livenessProbe", "an object"},
	{"resources", "an object"}, {"securityContext", "an object"},
}

// containerListFields are the list fields of a container and their items'
// JSON type.
var containerListFields = [][2]string{
	{"command", "a string"}, {"args", "a string"},
	{"ports", "an object"}, {"env", "an object"}, {"envFrom", "an object"}, {"volumeMounts", "an object"},
}

// container checks item i of the container list spec.list.
func (s *shaper) container(c map[string]any, spec []string, list string, i int, seen map[string][]string) {
	path := join(spec, list, strconv.Itoa(i))
	switch name, ok := c["name"].(string); {
	case c["name"] == nil:
		s.add(join(path, "name"), "a container needs a name")
	case !ok:
		s.add(join(path, "name"), "expected a string, got %s", typeName(c["name"]))
	case !isDNSLabel(name):
		s.add(join(path, "name"), "invalid container name %q: must be a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)", name)
	case seen[name] != nil:
		s.add(join(path, "name"), "duplicate container name %q (also at %s); the API server refuses the pod", name, document.FieldPath(seen[name]))
	default:
		seen[name] = path
	}
	for _, f := range containerFields {
		s.want(c[f[0]], f[1], path, f[0])
	}
	for _, f := range containerListFields {
		s.listOf(c[f[0]], f[1], path, f[0])
	}
	if lc, ok := c["lifecycle"].(map[string]any); ok {
		s.want(lc["postStart"], "an object", path, "lifecycle", "postStart")
		s.want(lc["preStop"], "an object", path, "lifecycle", "preStop")
	}
	if ports, ok := c["ports"].([]any); ok {
		for i, p := range ports {
			if m, ok := p.(map[string]any); ok {
				s.want(m["containerPort"], "a number", path, "ports", strconv.Itoa(i), "containerPort")
			}
		}
	}
}

// listOf checks that v (at path+field) is null or a list whose items have
// the JSON type item (a null item is refused: the API server would decode
// it to an empty value and refuse that).
func (s *shaper) listOf(v any, item string, path []string, field string) {
	l, ok := v.([]any)
	if !s.want(v, "a list", path, field) || !ok {
		return
	}
	for i, it := range l {
		if typeName(it) != item {
			s.add(join(path, field, strconv.Itoa(i)), "expected %s, got %s", item, typeName(it))
		}
	}
}

// typeName names v's JSON type for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// isDNSLabel reports whether s is an RFC 1123 label, as Kubernetes requires
// of container names.
func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == len(s)-1) {
			return false
		}
	}
	return true
}
