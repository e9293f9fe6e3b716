package mutate

import "github.com/nativize/nativize/pkg/workload"

// AnnotationKumaAdminPort is where Kuma's injector records the Envoy admin
// port of the pod (kuma pkg/plugins/runtime/k8s/metadata/annotations.go).
const AnnotationKumaAdminPort = "kuma.io/envoy-admin-port"

// kumaEdits reproduces the kuma-sidecar of Kuma's native mode (kuma v2.14.3
// pkg/plugins/runtime/k8s/webhooks/injector/injector.go and
// containers/factory.go with sidecarContainersEnabled): lifecycle is only
// the preStop `killall -USR2 kuma-dp` drain (the postStart `kuma-dp wait`
// hook of waitForDataplaneReady is dropped), and a startupProbe on /ready at
// the port the readiness probe uses holds later init containers and the app
// until Envoy is ready. A lifecycle hook of the user's own (not kuma-dp
// wait) is kept; Kuma would overwrite it.
func kumaEdits(ps workload.PodSpec, ct Container) []Edit {
	var edits []Edit
	lc, present := ct.Map["lifecycle"]
	if m, isMap := lc.(map[string]any); !present || isMap {
		next := map[string]any{}
		for k, v := range m {
			next[k] = v
		}
		changed := false
		if isKumaWaitHook(m["postStart"]) {
			delete(next, "postStart")
			changed = true
		}
		if _, ok := next["preStop"]; !ok {
			next["preStop"] = map[string]any{"exec": map[string]any{"command": []any{"killall", "-USR2", "kuma-dp"}}}
			changed = true
		}
		if changed {
			edits = append(edits, Edit{Container: ct.Name, Field: "lifecycle", Value: next,
				Reason: "Kuma native mode drains kuma-dp with SIGUSR2 on preStop; its startupProbe replaces kuma-dp wait"})
		}
	}
	if _, ok := ct.Map["startupProbe"]; !ok {
		probe := map[string]any{
			"httpGet":             map[string]any{"path": "/ready", "port": KumaProbePort(ps, ct.Map)},
			"initialDelaySeconds": int64(1),
			"timeoutSeconds":      int64(3),
			"periodSeconds":       int64(5),
			"successThreshold":    int64(1),
			"failureThreshold":    int64(12),
		}
		edits = append(edits, Edit{Container: ct.Name, Field: "startupProbe", Value: probe,
			Reason: "later containers start only once kuma-dp answers /ready"})
	}
	return edits
}

// KumaProbePort returns the port kuma-sidecar's probes use (the Envoy admin
// port, or the readiness port when admin is a Unix socket): its
// readinessProbe then livenessProbe httpGet port, then annotation
// kuma.io/envoy-admin-port, then 9901. A startup probe on a port kuma-dp does
// not serve would hold the pod in Init.
func KumaProbePort(ps workload.PodSpec, proxy map[string]any) int64 {
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		pm, _ := proxy[probe].(map[string]any)
		hg, _ := pm["httpGet"].(map[string]any)
		if n, ok := portNumber(hg["port"]); ok {
			return n
		}
	}
	if v, ok := ps.Annotation(AnnotationKumaAdminPort); ok {
		if n, ok := portString(v); ok {
			return n
		}
	}
	return 9901
}

// isKumaWaitHook reports whether hook is an exec hook whose command starts
// with `kuma-dp wait` (waitForDataplaneReady in classic mode).
func isKumaWaitHook(hook any) bool {
	h, _ := hook.(map[string]any)
	exec, _ := h["exec"].(map[string]any)
	cmd, _ := exec["command"].([]any)
	return len(cmd) >= 2 && cmd[0] == "kuma-dp" && cmd[1] == "wait"
}
