package mutate

import (
	"github.com/nativize/nativize/pkg/workload"
)

// AnnotationIstioTemplates lists the injection templates Istio renders
// (istio.io/istio pkg/kube/inject selectTemplates: split on ",", each trimmed).
const AnnotationIstioTemplates = "inject.istio.io/templates"

// istioMetas returns the metadata maps of ps that Istio reads, in lookup
// order: the pod template, then a CronJob's spec.jobTemplate.metadata.
func istioMetas(ps workload.PodSpec) []map[string]any {
	metas := []map[string]any{ps.Meta}
	for _, p := range ps.ExtraMetaPaths {
		m, _ := workload.Lookup(ps.Owner, p[len(ps.OwnerPath):]).(map[string]any)
		metas = append(metas, m)
	}
	return metas
}

// IstioAnnotation returns annotation key as Istio's injector saw it: from the
// metadata that carries sidecar.istio.io/status (kube-inject reads and writes
// only a CronJob's spec.jobTemplate.metadata), absent when that metadata lacks
// it; without a status annotation, the usual lookup (ps.Annotation).
func IstioAnnotation(ps workload.PodSpec, key string) (string, bool) {
	for _, m := range istioMetas(ps) {
		ann, _ := m["annotations"].(map[string]any)
		if _, ok := ann[AnnotationIstioStatus].(string); ok {
			v, ok := ann[key].(string)
			return v, ok
		}
	}
	return ps.Annotation(key)
}

// IstioKeepsClassic reports whether Istio's native mode keeps istio-proxy in
// containers: inject.istio.io/templates is set and does not name the
// "sidecar" template. Only that template moves the proxy to initContainers
// (istio-discovery files/injection-template.yaml); "gateway" renders the
// proxy as the workload itself and "grpc-agent" as an agent the app waits for
// with postStart "pilot-agent wait" (files/gateway-injection-template.yaml,
// files/grpc-agent.yaml), in both modes. Converting such a pod would give a
// pod Istio never produces.
func IstioKeepsClassic(ps workload.PodSpec) bool {
	v, ok := IstioAnnotation(ps, AnnotationIstioTemplates)
	return ok && !SplitList(v)["sidecar"]
}
