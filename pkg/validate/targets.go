package validate

import (
	"strconv"
	"strings"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

// Target is one workload a document holds: what the checks report findings
// against, with paths a caller turns into file lines.
type Target struct {
	// Object identifies the workload.
	Object Object
	// Path leads from the document root to the workload (empty unless it is
	// a List item).
	Path []string
	// Containers maps each container name of its pod spec(s) to the path of
	// that container within the document.
	Containers map[string][]string
}

// Targets returns the workloads of obj (List items one by one) in document
// order. Engines report findings against these objects.
func Targets(obj map[string]any, cat *catalog.Catalog) []Target {
	if cat == nil {
		cat = catalog.Default()
	}
	var out []Target
	index := map[string]int{}
	for _, ps := range workload.Locate(obj, cat) {
		key := strings.Join(ps.OwnerPath, "/")
		i, ok := index[key]
		if !ok {
			id := ps.Identify()
			i = len(out)
			index[key] = i
			out = append(out, Target{
				Object:     Object{APIVersion: id.APIVersion, Kind: id.Kind, Namespace: id.Namespace, Name: id.Name},
				Path:       append([]string(nil), ps.OwnerPath...),
				Containers: map[string][]string{},
			})
		}
		for _, field := range []string{"initContainers", "containers"} {
			list, _ := ps.Spec[field].([]any)
			for j, v := range list {
				m, _ := v.(map[string]any)
				name, _ := m["name"].(string)
				if _, seen := out[i].Containers[name]; name != "" && !seen {
					out[i].Containers[name] = append(append([]string(nil), ps.Path...), field, strconv.Itoa(j))
				}
			}
		}
	}
	return out
}
