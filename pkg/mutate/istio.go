package mutate

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

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

// AnnotationIstioOverrides is where Istio records the user's own istio-proxy
// (customized injection) so a re-injection can apply it again.
const AnnotationIstioOverrides = "proxy.istio.io/overrides"

// RewriteIstioOverrides moves the element named istio-proxy from
// "containers" to the end of "initContainers" in a proxy.istio.io/overrides
// value, as Istio's native mode writes it (pkg/kube/inject
// reapplyOverwrittenContainers marshals ParsedContainers: keys containers then
// initContainers, each omitted when empty). Every element keeps its bytes:
// Istio wrote them as a corev1.Container, whose field order a re-encoding
// would lose. ok is false, and raw is to be kept, unless raw is a JSON object
// whose only keys are containers (a list of objects, one named istio-proxy)
// and initContainers (a list of objects), each at most once.
func RewriteIstioOverrides(raw string) (string, bool) {
	lists, ok := overrideLists(raw)
	if !ok {
		return "", false
	}
	var rest, inits []json.RawMessage
	var proxy json.RawMessage
	for _, e := range lists["containers"] {
		if proxy == nil && elementName(e) == "istio-proxy" {
			proxy = e
			continue
		}
		rest = append(rest, e)
	}
	if proxy == nil {
		return "", false
	}
	inits = append(inits, lists["initContainers"]...)
	has := false
	for _, e := range inits {
		has = has || elementName(e) == "istio-proxy"
	}
	if !has {
		inits = append(inits, proxy)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	if len(rest) > 0 {
		b.WriteString(`"containers":`)
		writeRawList(&b, rest)
	}
	if len(inits) > 0 {
		if len(rest) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"initContainers":`)
		writeRawList(&b, inits)
	}
	b.WriteByte('}')
	return b.String(), true
}

// overrideLists decodes the lists of an overrides value, element bytes kept.
func overrideLists(raw string) (map[string][]json.RawMessage, bool) {
	dec := json.NewDecoder(strings.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	lists := map[string][]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		key, _ := t.(string)
		if err != nil || (key != "containers" && key != "initContainers") {
			return nil, false
		}
		if _, dup := lists[key]; dup {
			return nil, false
		}
		var list []json.RawMessage
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil || !bytes.HasPrefix(v, []byte("[")) || json.Unmarshal(v, &list) != nil {
			return nil, false
		}
		for _, e := range list {
			if !bytes.HasPrefix(e, []byte("{")) {
				return nil, false
			}
		}
		lists[key] = append([]json.RawMessage{}, list...)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing bytes: not what Istio wrote
	}
	return lists, len(lists["containers"]) > 0
}

// elementName returns the "name" of a JSON object, or "".
func elementName(e json.RawMessage) string {
	var c struct {
		Name any `json:"name"`
	}
	_ = json.Unmarshal(e, &c)
	s, _ := c.Name.(string)
	return s
}

func writeRawList(b *bytes.Buffer, list []json.RawMessage) {
	b.WriteByte('[')
	for i, e := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(e)
	}
	b.WriteByte(']')
}
