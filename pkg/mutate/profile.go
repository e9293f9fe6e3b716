package mutate

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/nativize/nativize/pkg/workload"
)

// containerEdits returns the field edits for a container placed in
// initContainers: restartPolicy for every sidecar, plus the mesh profile (R4)
// for containers this conversion moves.
func containerEdits(ps workload.PodSpec, ct Container, moved bool) []Edit {
	var edits []Edit
	isSidecar := moved || ct.Role() == "proxy"
	if !isSidecar {
		return nil
	}
	if ct.Map["restartPolicy"] != "Always" {
		edits = append(edits, Edit{Container: ct.Name, Field: "restartPolicy", Value: "Always",
			Reason: "a native sidecar is an init container with restartPolicy Always"})
	}
	if !moved {
		return edits
	}
	switch ct.Entry.Mesh {
	case "istio":
		edits = append(edits, istioEdits(ps, ct)...)
	case "linkerd":
		edits = append(edits, linkerdEdits(ps, ct)...)
	case "kuma":
		edits = append(edits, kumaEdits(ps, ct)...)
	case "consul":
		edits = append(edits, consulEdits(ps, ct)...)
	}
	return edits
}

// istioEdits reproduces Istio's native mode: the pilot-agent wait hook is not
// needed (the next init container waits for the sidecar's startup anyway) and
// a drain on preStop lets connections finish (istioLifecycle).
func istioEdits(ps workload.PodSpec, ct Container) []Edit {
	lc, ok := istioLifecycle(ps, ct)
	if !ok {
		return nil // a custom lifecycle is the user's; keep it
	}
	return []Edit{{Container: ct.Name, Field: "lifecycle", Value: lc,
		Reason: "Istio native mode drains the proxy on preStop instead of holding the app with pilot-agent wait"}}
}

// istioPort returns the status port Istio injected the proxy with: read from
// the metadata that carries sidecar.istio.io/status (kube-inject reads only a
// CronJob's spec.jobTemplate.metadata), else the usual annotation lookup;
// then the one in istio-init's excluded ports (istioExcludedPort); 15020 by
// default. Draining on another port would reach no agent.
func istioPort(ps workload.PodSpec) string {
	if v, ok := IstioAnnotation(ps, AnnotationIstioPort); ok && v != "" {
		return v
	}
	if v, ok := istioExcludedPort(ps); ok {
		return v
	}
	return "15020"
}

// isPilotAgentWait reports whether lc is exactly the postStart `pilot-agent wait` hook.
func isPilotAgentWait(lc any) bool {
	m, ok := onlyKey(lc, "postStart")
	if !ok {
		return false
	}
	exec, ok := onlyKey(m, "exec")
	if !ok {
		return false
	}
	cmd, ok := onlyKey(exec, "command")
	if !ok {
		return false
	}
	list, _ := cmd.([]any)
	return len(list) >= 2 && list[0] == "pilot-agent" && list[1] == "wait"
}

// onlyKey returns m[key] when m is a map whose only key is key.
func onlyKey(v any, key string) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, false
	}
	inner, ok := m[key]
	return inner, ok
}

// applyEdits returns a shallow copy of m with edits for it applied.
func applyEdits(m map[string]any, edits []Edit) map[string]any {
	if len(edits) == 0 {
		return m
	}
	out := make(map[string]any, len(m)+len(edits))
	for k, v := range m {
		out[k] = v
	}
	for _, e := range edits {
		if e.Delete {
			delete(out, e.Field)
		} else {
			out[e.Field] = e.Value
		}
	}
	return out
}

// istioStatusKeys is the field order of Istio's SidecarInjectionStatus.
var istioStatusKeys = []string{"initContainers", "containers", "volumes", "imagePullSecrets", "revision"}

// istioStatusEdits rewrites sidecar.istio.io/status wherever Istio wrote it,
// so Istio's own tooling (uninject, upgrade) sees the proxy where it now is.
func istioStatusEdits(ps workload.PodSpec) []AnnotationEdit {
	var out []AnnotationEdit
	paths := append([][]string{ps.MetaPath}, ps.ExtraMetaPaths...)
	for _, p := range paths {
		meta, _ := workload.Lookup(ps.Owner, p[len(ps.OwnerPath):]).(map[string]any)
		ann, _ := meta["annotations"].(map[string]any)
		raw, ok := ann[AnnotationIstioStatus].(string)
		if !ok {
			continue
		}
		if v, ok := RewriteIstioStatus(raw); ok && v != raw {
			out = append(out, AnnotationEdit{MetaPath: p, Key: AnnotationIstioStatus, Value: v})
		}
		// The user's istio-proxy moves with it (tests/istio FINDINGS F1).
		if o, ok := ann[AnnotationIstioOverrides].(string); ok {
			if v, ok := RewriteIstioOverrides(o); ok && v != o {
				out = append(out, AnnotationEdit{MetaPath: p, Key: AnnotationIstioOverrides, Value: v})
			}
		}
	}
	return out
}

// RewriteIstioStatus moves istio-proxy from containers to initContainers in
// a sidecar.istio.io/status value; ok is false when raw is not a JSON object.
func RewriteIstioStatus(raw string) (string, bool) {
	st, ok := decodeAnnotationObject(raw)
	if !ok {
		return "", false
	}
	var containers []any
	if list, ok := st["containers"].([]any); ok {
		for _, c := range list {
			if c != "istio-proxy" {
				containers = append(containers, c)
			}
		}
	}
	if containers == nil {
		st["containers"] = nil
	} else {
		st["containers"] = containers
	}
	inits, _ := st["initContainers"].([]any)
	has := false
	for _, c := range inits {
		if c == "istio-proxy" {
			has = true
		}
	}
	if !has {
		st["initContainers"] = append(append([]any(nil), inits...), "istio-proxy")
	}
	return marshalIstioStatus(st), true
}

// marshalIstioStatus writes st compactly: Istio's keys first in its order,
// then any others sorted.
func marshalIstioStatus(st map[string]any) string {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	write := func(k string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(st[k])
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	known := map[string]bool{}
	for _, k := range istioStatusKeys {
		known[k] = true
		if _, ok := st[k]; ok {
			write(k)
		}
	}
	var rest []string
	for k := range st {
		if !known[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		write(k)
	}
	b.WriteByte('}')
	return b.String()
}
