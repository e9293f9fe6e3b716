package mutate

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"

	"github.com/nativize/nativize/pkg/document"
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

// istioWait is the lifecycle Istio's classic template gives istio-proxy when
// holdApplicationUntilProxyStarts is on (files/injection-template.yaml).
func istioWait() map[string]any {
	return map[string]any{"postStart": map[string]any{"exec": map[string]any{
		"command": []any{"pilot-agent", "wait"}}}}
}

// istioDrain is the lifecycle Istio's native template gives istio-proxy: a
// preStop drain through the agent listening on the status port.
func istioDrain(port string) map[string]any {
	return map[string]any{"preStop": map[string]any{"exec": map[string]any{
		"command": []any{"pilot-agent", "request", "--debug-port=" + port, "POST", "drain"}}}}
}

// istioLifecycle returns the lifecycle Istio's native mode gives istio-proxy
// ct, or ok false when ct's own is to be kept (or is that one already). Istio strategic-merges the
// user's istio-proxy (the element of proxy.istio.io/overrides) onto its
// template (pkg/kube/inject reapplyOverwrittenContainers, applyContainer /
// applyInitContainer): maps merge key by key, lists such as exec.command are
// replaced. So when the override has a lifecycle O and the classic lifecycle
// is merge(wait, O) or O, the native one is O plus the drain for a preStop O
// lacks (tests/istio F2: keeping only the drain dropped the user's postStart;
// keeping the classic one kept a stray pilot-agent wait). Otherwise: no
// lifecycle or exactly the wait hook becomes the drain, anything else (an
// install-wide values.global.proxy.lifecycle, a hand-written hook) is kept.
func istioLifecycle(ps workload.PodSpec, ct Container) (map[string]any, bool) {
	drain := istioDrain(istioPort(ps))
	lc, present := ct.Map["lifecycle"]
	if o, ok := istioOverrideLifecycle(ps); ok && (reflect.DeepEqual(lc, mergeMaps(istioWait(), o)) || reflect.DeepEqual(lc, o)) {
		// A preStop of O replaces the drain as a whole: Istio's merge of an
		// httpGet or sleep preStop into the drain's exec one gives a handler
		// with two actions, which the API server refuses.
		out := map[string]any{}
		for k, v := range drain {
			out[k] = v
		}
		for k, v := range o {
			out[k] = v
		}
		return out, !reflect.DeepEqual(out, lc) // unchanged: no edit, the text stays
	}
	if present && !isPilotAgentWait(lc) {
		return nil, false
	}
	return drain, true
}

// istioOverrideLifecycle returns the lifecycle of the istio-proxy element of
// proxy.istio.io/overrides (containers, then initContainers), read where
// sidecar.istio.io/status is, numbers as the document reader gives them.
func istioOverrideLifecycle(ps workload.PodSpec) (map[string]any, bool) {
	raw, ok := IstioAnnotation(ps, AnnotationIstioOverrides)
	if !ok {
		return nil, false
	}
	v, ok := decodeAnnotationObject(raw)
	if !ok {
		return nil, false
	}
	for _, key := range []string{"containers", "initContainers"} {
		list, _ := v[key].([]any)
		for _, e := range list {
			c, _ := e.(map[string]any)
			if c["name"] != "istio-proxy" {
				continue
			}
			lc, ok := document.Normalize(c["lifecycle"]).(map[string]any)
			return lc, ok
		}
	}
	return nil, false
}

// decodeAnnotationObject decodes a JSON object an injector wrote into an
// annotation, numbers as json.Number; ok is false for anything else,
// trailing bytes included (not what the injector wrote).
func decodeAnnotationObject(raw string) (map[string]any, bool) {
	var v map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || v == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// mergeMaps returns a copy of a with b merged in: maps merge key by key,
// anything else in b replaces a's value (a strategic merge of types without
// merge keys).
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		am, aok := out[k].(map[string]any)
		bm, bok := v.(map[string]any)
		if aok && bok {
			out[k] = mergeMaps(am, bm)
		} else {
			out[k] = v
		}
	}
	return out
}

// istioExcludedPort returns the status port Istio wrote into the -d
// (excluded inbound ports) argument of istio-init, or istio-validation with
// CNI, when no status.sidecar.istio.io/port annotation names it: an install
// can change values.global.proxy.statusPort, which shows nowhere else in the
// classic pod, and a drain on another port reaches no agent (tests/istio F6).
// The template writes "15090,15021," + excludeInboundPort(P, U), where U is
// the traffic.sidecar.istio.io/excludeInboundPorts annotation (or the
// install's list) and excludeInboundPort (pkg/kube/inject template.go)
// appends P to U's trimmed ports unless U already has it. So P is one of the
// ports after 15090,15021: the one appended to the user's U when U is on the
// pod and the list is U plus one port; else 15020 when listed (the default,
// and the likely one when a list names it); else the last one.
func istioExcludedPort(ps workload.PodSpec) (string, bool) {
	rest, ok := istioInitExcluded(ps)
	if !ok || len(rest) == 0 {
		return "", false
	}
	if u, ok := IstioAnnotation(ps, "traffic.sidecar.istio.io/excludeInboundPorts"); ok {
		user := splitPorts(u)
		if len(rest) == len(user)+1 && reflect.DeepEqual(rest[:len(user)], user) {
			return rest[len(user)], true
		}
	}
	for _, p := range rest {
		if p == "15020" {
			return p, true
		}
	}
	return rest[len(rest)-1], true
}

// istioInitExcluded returns the ports after "15090,15021" in the -d
// argument of the first istio-init or istio-validation init container; ok
// is false when there is none or the argument has another form, or a port
// is not a number.
func istioInitExcluded(ps workload.PodSpec) ([]string, bool) {
	inits, _ := ps.Spec["initContainers"].([]any)
	for _, e := range inits {
		c, _ := e.(map[string]any)
		if c["name"] != "istio-init" && c["name"] != "istio-validation" {
			continue
		}
		args, _ := c["args"].([]any)
		for i := 0; i+1 < len(args); i++ {
			d, _ := args[i+1].(string)
			if args[i] != "-d" {
				continue
			}
			ports := splitPorts(d)
			if len(ports) < 2 || ports[0] != "15090" || ports[1] != "15021" {
				return nil, false
			}
			for _, p := range ports {
				if strings.Trim(p, "0123456789") != "" {
					return nil, false
				}
			}
			return ports[2:], true
		}
		return nil, false
	}
	return nil, false
}

// splitPorts splits a comma-separated port list, each trimmed, empty ones dropped.
func splitPorts(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
