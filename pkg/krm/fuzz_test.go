package krm

import (
	"runtime/metrics"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// workBudget is the most one fuzz input may allocate (bytes): a constant
// for the engines and the reader's bounded expansions plus a factor of the
// input size; past it the work is unbounded (wall time is not used).
func workBudget(input []byte) uint64 { return 256<<20 + 2048*uint64(len(input)) }

// itemCount is the number of items of a ResourceList, or -1.
func itemCount(b []byte) int {
	var d struct {
		Items []yaml.Node `yaml:"items"`
	}
	if yaml.Unmarshal(b, &d) != nil {
		return -1
	}
	return len(d.Items)
}

// FuzzProcess drives the KRM function with any input. Properties: no panic;
// the work stays within workBudget; a ResourceList it accepts comes back as
// a ResourceList it accepts again, with every item kept (none dropped).
func FuzzProcess(f *testing.F) {
	f.Add([]byte(list("", pod, configMap)))
	f.Add([]byte(list("", job, badInit)))
	f.Add([]byte(list("  apiVersion: nativize.dev/v1alpha1\n  kind: Config\n  failOn: never\n", "- 7\n", "- null\n", pod)))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- &a {apiVersion: v1, kind: Pod, spec: {containers: [*a, *a]}}\n"))
	f.Add([]byte(`{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app"},{"name":"linkerd-proxy"}]}}]}`))
	f.Fuzz(func(t *testing.T, input []byte) {
		var out *Output
		var err error
		// runtime/metrics reads the allocation count without stopping the
		// world (runtime.ReadMemStats does, and slowed fuzzing tenfold).
		s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
		metrics.Read(s)
		before := s[0].Value.Uint64()
		out, err = Process(input, Options{})
		metrics.Read(s)
		if n := s[0].Value.Uint64() - before; n > workBudget(input) {
			t.Fatalf("%d bytes of input allocated %d bytes, over the budget of %d", len(input), n, workBudget(input))
		}
		if err != nil {
			return
		}
		in, got := itemCount(input), itemCount(out.ResourceList)
		if in >= 0 && got != in {
			t.Fatalf("%d items in, %d out:\n%s", in, got, out.ResourceList)
		}
		if _, err := Process(out.ResourceList, Options{}); err != nil {
			t.Fatalf("output is not a ResourceList the function accepts: %v\n%s", err, out.ResourceList)
		}
	})
}
