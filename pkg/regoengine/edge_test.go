package regoengine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/workload"
)

// perturb adds the edge cases the shared generator does not produce: odd
// restartPolicy values, numeric and limit-only quantities, workaround
// commands, list annotations with blanks, native proxies out of place,
// malformed lists, unnamed containers, and v1 Lists (nested too).
func perturb(r *rand.Rand, obj map[string]any) map[string]any {
	for _, ps := range workload.Locate(obj, nil) {
		for _, field := range []string{"initContainers", "containers"} {
			list, _ := ps.Spec[field].([]any)
			for _, v := range list {
				c, _ := v.(map[string]any)
				if c == nil {
					continue
				}
				switch r.IntN(14) {
				case 0:
					c["restartPolicy"] = []any{"Always", "Never", "OnFailure", "always", int64(1)}[r.IntN(5)]
				case 1:
					c["resources"] = map[string]any{"limits": map[string]any{"cpu": int64(1 + r.IntN(3)), "memory": "1Gi"}}
				case 2:
					c["resources"] = map[string]any{"requests": map[string]any{"cpu": 0.25, "memory": "100M", "ephemeral-storage": "1.5Gi"}}
				case 3:
					c["command"] = []any{"sh", "-c"}
					c["args"] = []any{"run; curl -fsI -X POST http://localhost:15020/quitquitquit"}
				case 4:
					c["command"] = []any{"/linkerd-await", "--shutdown", "--", "/bin/app"}
				case 5:
					c["startupProbe"] = map[string]any{"tcpSocket": map[string]any{"port": int64(15021)}}
				case 6:
					c["lifecycle"] = map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"pilot-agent", "wait"}}}}
				case 7:
					c["restartPolicy"] = "Always"
				case 8:
					c["resources"] = map[string]any{"requests": map[string]any{"cpu": "bogus", "nvidia.com/gpu": int64(1)}}
				case 9:
					switch r.IntN(6) {
					case 0:
						c["name"] = int64(7)
					case 1:
						c["image"] = int64(3)
					case 2:
						c["lifecycle"] = map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"pilot-agent", "wait"}, "x": 1}}}
					case 3:
						c["lifecycle"] = map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": "linkerd-await"}}, "preStop": map[string]any{"sleep": map[string]any{"seconds": int64(2)}}}
					case 4:
						c["lifecycle"] = map[string]any{"preStop": nil}
					case 5:
						c["lifecycle"] = nil
					}
				}
			}
		}
		meta := ps.Meta
		if meta == nil {
			continue
		}
		ann, _ := meta["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
			meta["annotations"] = ann
		}
		switch r.IntN(10) {
		case 0:
			ann["nativize.dev/before-sidecars"] = " migrate , ,render-config,"
		case 1:
			ann["nativize.dev/sidecars"] = "worker,log-shipper"
		case 2:
			ann["sidecar.istio.io/nativeSidecar"] = " False "
		case 3:
			ann["config.linkerd.io/proxy-enable-native-sidecar"] = "true"
		case 4:
			ps.Spec["initContainers"] = "not a list"
		case 5:
			ps.Spec["restartPolicy"] = "Never"
		case 6:
			if list, ok := ps.Spec["containers"].([]any); ok && len(list) > 0 {
				delete(list[0].(map[string]any), "name")
			}
		case 7:
			ann["sidecar.istio.io/status"] = []string{
				`{"containers":["istio-proxy"],"zz":1,"initContainers":null,"a":"<x>"}`,
				`null`, `[]`, `{"initContainers":["istio-proxy"],"containers":["istio-proxy"],"n":1.50}`,
				// Not here: `{…} trailing` — the Go engine's json.Decoder
				// accepts trailing bytes, Rego's json.is_valid does not.
			}[r.IntN(4)]
		case 8:
			ann["status.sidecar.istio.io/port"] = int64(15021)
			ann["nativize.dev/sidecars"] = int64(1)
		case 9:
			ps.Spec["containers"] = nil
		}
	}
	switch r.IntN(8) {
	case 0:
		return map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{obj, "junk"}}
	case 1:
		inner := map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{obj}}
		return map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}, inner}}
	}
	return obj
}

// TestParityEdgeCases runs perturbed generated objects through both engines.
func TestParityEdgeCases(t *testing.T) {
	const n = 600
	for _, kube := range []string{"", "1.28", "1.34", "1.35"} {
		e := newEngines(t, kube, nil)
		g := podgen.New(99)
		r := rand.New(rand.NewPCG(99, 7))
		bad := 0
		for i := range n {
			obj := perturb(r, g.Object(i))
			if e.compare(t, fmt.Sprintf("edge #%d %s kube=%s", i, canon(t, obj), kube), obj) {
				bad++
				if bad > 5 {
					t.Fatalf("kube %q: too many mismatches", kube)
				}
			}
		}
		t.Logf("kube %q: %d perturbed objects compared, %d mismatches", kube, n, bad)
	}
}
