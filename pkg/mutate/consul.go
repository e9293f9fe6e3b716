package mutate

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/nativize/nativize/pkg/workload"
)

// consulProbeFields are the startupProbe fields of consul-dataplane in
// Consul's native mode, the pod annotation that overrides each and the
// default of the connect-inject flags and Helm chart
// (connectInject.dataplaneAsSidecarInitContainer), consul-k8s v1.9.11 and
// v2.0.3 control-plane/connect-inject/webhook/consul_dataplane_sidecar.go.
var consulProbeFields = []struct {
	field, key string
	def        int64
}{
	{"initialDelaySeconds", "consul.hashicorp.com/sidecar-initial-probe-check-delay-seconds", 1},
	{"periodSeconds", "consul.hashicorp.com/sidecar-probe-period-seconds", 1},
	{"failureThreshold", "consul.hashicorp.com/sidecar-probe-failure-threshold", 10},
	{"timeoutSeconds", "consul.hashicorp.com/sidecar-probe-check-timeout-seconds", 5},
}

// consulEdits reproduces consul-dataplane in Consul's native mode
// (enable-consul-dataplane-as-sidecar): a startupProbe running
// `consul-dataplane -check-proxy-health`, which holds the application until
// Envoy is ready. It replaces the classic startupProbe that
// sidecar-proxy-startup-failure-seconds gives (the readiness handler with a
// failure budget), as Consul does; any other startupProbe is the user's and
// kept. Only consul-dataplane: the legacy envoy-sidecar image has no
// consul-dataplane binary.
func consulEdits(ps workload.PodSpec, ct Container) []Edit {
	if ct.Name != "consul-dataplane" {
		return nil
	}
	if sp, ok := ct.Map["startupProbe"]; ok && !consulClassicStartup(sp, ct.Map["readinessProbe"]) {
		return nil
	}
	probe := map[string]any{"exec": map[string]any{
		"command": []any{"/usr/local/bin/consul-dataplane", "-check-proxy-health"}}}
	for _, f := range consulProbeFields {
		n := f.def
		if v, ok := ps.Annotation(f.key); ok {
			n = ConsulSeconds(v)
		}
		if n > 0 {
			probe[f.field] = n
		}
	}
	return []Edit{{Container: ct.Name, Field: "startupProbe", Value: probe,
		Reason: "Consul native mode holds later containers until consul-dataplane -check-proxy-health passes"}}
}

// ConsulSeconds parses a Consul probe annotation as consul-k8s does
// (strconv.Atoi; 0 when it fails): an optional sign and decimal digits.
// Values outside 1..2147483647 give 0, which leaves the field out (Consul
// omits zero; it would wrap larger values into int32).
func ConsulSeconds(v string) int64 {
	digits := strings.TrimPrefix(v, "+")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 1 || n > 2147483647 {
		return 0
	}
	return n
}

// consulClassicStartup reports whether startupProbe sp is the one Consul's
// classic mode derives from the readiness probe rp: the same handler, with
// only periodSeconds and failureThreshold added.
func consulClassicStartup(sp, rp any) bool {
	s, ok1 := sp.(map[string]any)
	r, ok2 := rp.(map[string]any)
	if !ok1 || !ok2 {
		return false
	}
	trim := func(m map[string]any, drop ...string) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for _, k := range drop {
			delete(out, k)
		}
		return out
	}
	ts := trim(s, "periodSeconds", "failureThreshold")
	return len(ts) > 0 && reflect.DeepEqual(ts, trim(r, "initialDelaySeconds"))
}

// AnnotationConsulDataplaneAsSidecar is consul-k8s's per-pod switch between
// consul-dataplane as a native sidecar (init container) and as a classic one.
const AnnotationConsulDataplaneAsSidecar = "consul.hashicorp.com/enable-consul-dataplane-as-sidecar"

// consulOptedOut reports whether the pod spec turns consul-k8s's native mode
// off: a value strconv.ParseBool reads as false ("0", "f", "F", "false",
// "FALSE", "False", untrimmed), as consul-k8s reads it (lifecycle
// EnableConsulDataplaneAsSidecar). consul-k8s keeps such a pod classic even
// where native mode is the install default, so converting it would undo the
// user's choice; a value ParseBool refuses makes consul-k8s refuse the pod,
// and is no opt-out here.
func consulOptedOut(ps workload.PodSpec) bool {
	v, ok := ps.Annotation(AnnotationConsulDataplaneAsSidecar)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err == nil && !b
}
