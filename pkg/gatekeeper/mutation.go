package gatekeeper

import (
	"fmt"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/mutate"
)

// mutationExcluded are the namespaces no mutator touches: the control planes.
var mutationExcluded = []string{"kube-system", "gatekeeper-system", "istio-system", "linkerd", "kuma-system", "nativize-system"}

// podMatch matches Pods in every namespace but the excluded ones.
func podMatch() omap {
	return omap{
		{"scope", "Namespaced"},
		{"kinds", []any{omap{{"apiGroups", []string{""}}, {"kinds", []string{"Pod"}}}}},
		{"excludedNamespaces", mutationExcluded},
	}
}

// nativeOptIns are the annotations that switch a mesh's own injector to
// native sidecars. AssignMetadata never overwrites an existing value, so a
// pod that says "false" keeps its opt-out. Linkerd's is its alpha key, the
// last of mutate.LinkerdNativeSidecarKeys: the stable or beta key, which win
// over it, would override a user's opt-out written in a lower generation
// (AssignMetadata cannot test for other keys), and Linkerd 2.15-2.18 read
// only the alpha key; every release since reads it too. consul-k8s (1.9+)
// reads its one key on the pod; "true" there overrides the install's
// default, which is classic.
var nativeOptIns = []struct{ mesh, key string }{
	{"istio", "sidecar.istio.io/nativeSidecar"},
	{"linkerd", mutate.LinkerdNativeSidecarKeys[len(mutate.LinkerdNativeSidecarKeys)-1]},
	{"consul", mutate.AnnotationConsulDataplaneAsSidecar},
}

// mutationFiles returns library/mutation/: one AssignMetadata per mesh opt-in
// and one Assign per catalog proxy that sets restartPolicy: Always on that
// proxy when it is already an init container (MustExist path test).
func mutationFiles() (map[string]any, error) {
	out := map[string]any{}
	for _, o := range nativeOptIns {
		out[fmt.Sprintf("mutation/assignmetadata-%s-native-sidecar.yaml", o.mesh)] = omap{
			{"apiVersion", "mutations.gatekeeper.sh/v1"},
			{"kind", "AssignMetadata"},
			{"metadata", omap{{"name", "nativize-" + o.mesh + "-native-sidecar"}}},
			{"spec", omap{
				{"match", podMatch()},
				{"location", fmt.Sprintf("metadata.annotations.%q", o.key)},
				{"parameters", omap{{"assign", omap{{"value", "true"}}}}},
			}},
		}
	}
	for _, e := range catalog.Default().Containers {
		// An entry that applies only next to certain setup containers
		// ("envoy") cannot be expressed as a path: skip it.
		if e.Role != catalog.RoleProxy || len(e.RequiresSetup) > 0 {
			continue
		}
		item := fmt.Sprintf("spec.initContainers[name: %s]", e.Name)
		out[fmt.Sprintf("mutation/assign-%s-restart-policy.yaml", e.Name)] = omap{
			{"apiVersion", "mutations.gatekeeper.sh/v1"},
			{"kind", "Assign"},
			{"metadata", omap{{"name", "nativize-" + e.Name + "-restart-policy"}}},
			{"spec", omap{
				{"applyTo", []any{omap{{"groups", []string{""}}, {"kinds", []string{"Pod"}}, {"versions", []string{"v1"}}}}},
				{"match", podMatch()},
				{"location", item + ".restartPolicy"},
				{"parameters", omap{
					{"pathTests", []any{omap{{"subPath", item}, {"condition", "MustExist"}}}},
					{"assign", omap{{"value", "Always"}}},
				}},
			}},
		}
	}
	return out, nil
}
