package mutate

import (
	"strings"

	"github.com/nativize/nativize/pkg/workload"
)

// Linkerd annotation keys nativize reads (linkerd2 pkg/k8s/labels.go).
const (
	AnnotationLinkerdAdminPort = "config.linkerd.io/admin-port"
	AnnotationLinkerdAwait     = "config.linkerd.io/proxy-await"
)

// LinkerdNativeSidecarKeys are the annotations that switch Linkerd's proxy to
// a native sidecar, in Linkerd's precedence: the first one present decides,
// even when its value does not parse (linkerd2 pkg/inject/inject.go,
// ApplyAnnotationOverrides). Linkerd 2.15-2.18 read only the alpha key, 2.19
// beta then alpha, 2.20 all three.
var LinkerdNativeSidecarKeys = []string{
	"config.linkerd.io/proxy-enable-native-sidecar",
	"config.beta.linkerd.io/proxy-enable-native-sidecar",
	"config.alpha.linkerd.io/proxy-enable-native-sidecar",
}

// linkerdOptedOut reports whether the deciding Linkerd native-sidecar
// annotation says false: "is false", or one of the other false spellings of
// Go's strconv.ParseBool, which Linkerd uses ("0", "f", "F"). Looking at a
// lower-precedence key when a higher one is present would convert a pod
// Linkerd keeps classic, or the reverse.
func linkerdOptedOut(ps workload.PodSpec) bool {
	for _, k := range LinkerdNativeSidecarKeys {
		if v, ok := ps.Annotation(k); ok {
			return IsLinkerdFalse(v)
		}
	}
	return false
}

// IsLinkerdFalse reports whether a Linkerd boolean annotation value says
// false: lower-cased and trimmed, it is "false", "0" or "f".
func IsLinkerdFalse(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "false", "0", "f":
		return true
	}
	return false
}

// linkerdEdits reproduces the proxy of Linkerd's native mode (charts/partials
// _proxy.tpl with proxy.nativeSidecar=true): no lifecycle at all, and, when
// proxy-await is on, a startupProbe on /ready at the admin port instead of the
// linkerd-await postStart hook (the next init container starts once the
// proxy is ready). The preStop sleep of waitBeforeExitSeconds is not needed:
// a native sidecar stops after the app.
func linkerdEdits(ps workload.PodSpec, ct Container) []Edit {
	var edits []Edit
	if lc, ok := ct.Map["lifecycle"].(map[string]any); ok {
		next := map[string]any{}
		for k, v := range lc {
			next[k] = v
		}
		if isLinkerdAwaitHook(lc["postStart"]) {
			delete(next, "postStart")
		}
		if isSleepHook(lc["preStop"]) {
			delete(next, "preStop")
		}
		switch {
		case len(next) == len(lc):
		case len(next) == 0:
			edits = append(edits, Edit{Container: ct.Name, Field: "lifecycle", Delete: true,
				Reason: "Linkerd native mode drops linkerd-await and the preStop sleep"})
		default:
			edits = append(edits, Edit{Container: ct.Name, Field: "lifecycle", Value: next,
				Reason: "Linkerd native mode drops linkerd-await and the preStop sleep"})
		}
	}
	if _, ok := ct.Map["startupProbe"]; !ok && linkerdAwait(ps, ct) {
		probe := map[string]any{
			"httpGet":             map[string]any{"path": "/ready", "port": LinkerdAdminPort(ps, ct.Map)},
			"initialDelaySeconds": int64(0),
			"periodSeconds":       int64(1),
			"failureThreshold":    int64(120),
		}
		edits = append(edits, Edit{Container: ct.Name, Field: "startupProbe", Value: probe,
			Reason: "later init containers start only once the proxy answers /ready"})
	}
	return edits
}

// linkerdAwait reports whether Linkerd would give the native proxy a startup
// probe (proxy.await): yes when the classic proxy has the linkerd-await hook,
// no when config.linkerd.io/proxy-await is "disabled" (the only other value
// Linkerd accepts is "enabled"), else yes, Linkerd's default.
func linkerdAwait(ps workload.PodSpec, ct Container) bool {
	lc, _ := ct.Map["lifecycle"].(map[string]any)
	if isLinkerdAwaitHook(lc["postStart"]) {
		return true
	}
	v, ok := ps.Annotation(AnnotationLinkerdAwait)
	return !ok || v != "disabled"
}

// isLinkerdAwaitHook reports whether hook is an exec hook running linkerd-await.
func isLinkerdAwaitHook(hook any) bool {
	return execHas(hook, func(s string) bool { return strings.Contains(s, "linkerd-await") })
}

// LinkerdAdminPort returns the admin port the proxy container proxy was
// injected with, read from the proxy itself first, in this order: its port
// named linkerd-admin, its readinessProbe then livenessProbe httpGet port,
// the port of env LINKERD2_PROXY_ADMIN_LISTEN_ADDR, linkerd-await's
// --port=; then annotation config.linkerd.io/admin-port; then 4191. Only a
// whole number in 1..65535 counts. Probing another port than the proxy
// listens on would fail the startup probe and hold the pod in Init.
func LinkerdAdminPort(ps workload.PodSpec, proxy map[string]any) int64 {
	ports, _ := proxy["ports"].([]any)
	for _, p := range ports {
		if m, ok := p.(map[string]any); ok && m["name"] == "linkerd-admin" {
			if n, ok := portNumber(m["containerPort"]); ok {
				return n
			}
		}
	}
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		pm, _ := proxy[probe].(map[string]any)
		hg, _ := pm["httpGet"].(map[string]any)
		if n, ok := portNumber(hg["port"]); ok {
			return n
		}
	}
	env, _ := proxy["env"].([]any)
	for _, e := range env {
		if m, ok := e.(map[string]any); ok && m["name"] == "LINKERD2_PROXY_ADMIN_LISTEN_ADDR" {
			if v, ok := m["value"].(string); ok {
				if n, ok := portString(v[strings.LastIndex(v, ":")+1:]); ok {
					return n
				}
			}
		}
	}
	lc, _ := proxy["lifecycle"].(map[string]any)
	if isLinkerdAwaitHook(lc["postStart"]) {
		h, _ := lc["postStart"].(map[string]any)
		exec, _ := h["exec"].(map[string]any)
		cmd, _ := exec["command"].([]any)
		for _, c := range cmd {
			if s, ok := c.(string); ok && strings.HasPrefix(s, "--port=") {
				if n, ok := portString(strings.TrimPrefix(s, "--port=")); ok {
					return n
				}
			}
		}
	}
	if v, ok := ps.Annotation(AnnotationLinkerdAdminPort); ok {
		if n, ok := portString(v); ok {
			return n
		}
	}
	return 4191
}

// execHas reports whether hook is an exec hook with a command element matching.
func execHas(hook any, match func(string) bool) bool {
	h, _ := hook.(map[string]any)
	exec, _ := h["exec"].(map[string]any)
	cmd, _ := exec["command"].([]any)
	for _, c := range cmd {
		if s, ok := c.(string); ok && match(s) {
			return true
		}
	}
	return false
}

// isSleepHook reports whether hook is `{sleep: …}` or an exec-only hook whose
// program is sleep by any path: Linkerd's waitBeforeExitSeconds renders
// `[/bin/sleep, N]`, older manifests and hand edits `[sleep, N]`.
func isSleepHook(hook any) bool {
	if _, ok := onlyKey(hook, "sleep"); ok {
		return true
	}
	exec, ok := onlyKey(hook, "exec")
	if !ok {
		return false
	}
	em, _ := exec.(map[string]any)
	cmd, _ := em["command"].([]any)
	if len(cmd) == 0 {
		return false
	}
	prog, _ := cmd[0].(string)
	return prog == "sleep" || strings.HasSuffix(prog, "/sleep")
}
