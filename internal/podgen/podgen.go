// Package podgen generates random but realistic workload objects from a seed,
// for property tests, fuzz seeds, the engine parity test and benchmarks.
package podgen

import (
	"fmt"
	"math/rand/v2"
)

// Generator produces objects deterministically from its seed.
type Generator struct{ r *rand.Rand }

// New returns a generator seeded with seed.
func New(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

var (
	setups    = []string{"istio-init", "istio-validation", "linkerd-init", "kuma-init", "osm-init", "consul-connect-inject-init"}
	proxies   = []string{"istio-proxy", "linkerd-proxy", "kuma-sidecar", "consul-dataplane", "envoy", "envoy-sidecar"}
	helpers   = []string{"cloud-sql-proxy", "daprd", "vault-agent", "otc-container", "oauth2-proxy", "log-shipper"}
	inits     = []string{"migrate", "fetch-config", "wait-for-db", "render-config", "check-traffic", "enable-core-dump"}
	apps      = []string{"app", "web", "worker", "report"}
	kinds     = [][2]string{{"v1", "Pod"}, {"apps/v1", "Deployment"}, {"apps/v1", "StatefulSet"}, {"apps/v1", "DaemonSet"}, {"apps/v1", "ReplicaSet"}, {"batch/v1", "Job"}, {"batch/v1", "CronJob"}, {"v1", "ReplicationController"}, {"v1", "PodTemplate"}, {"argoproj.io/v1alpha1", "Rollout"}, {"v1", "ConfigMap"}}
	lifecycle = []any{
		nil,
		map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"pilot-agent", "wait"}}}},
		map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"/usr/lib/linkerd/linkerd-await", "--timeout=2m"}}}, "preStop": map[string]any{"exec": map[string]any{"command": []any{"sleep", "5"}}}},
		map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"/bin/sh", "-c", "sleep 10"}}}},
	}
)

func (g *Generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *Generator) container(name string) map[string]any {
	c := map[string]any{"name": name, "image": "registry.example.com/" + name + ":1"}
	if g.r.IntN(3) == 0 {
		c["resources"] = map[string]any{"requests": map[string]any{"cpu": fmt.Sprintf("%dm", 50*(1+g.r.IntN(8))), "memory": fmt.Sprintf("%dMi", 64*(1+g.r.IntN(8)))}}
	}
	if g.r.IntN(4) == 0 {
		c["ports"] = []any{map[string]any{"containerPort": int64(8000 + g.r.IntN(1000)), "name": "http"}}
	}
	if g.r.IntN(8) == 0 {
		c["x-unknown-field"] = map[string]any{"kept": true}
	}
	return c
}

// PodSpec returns a random pod spec and the pod template annotations and labels it goes with.
func (g *Generator) PodSpec() (spec, annotations, labels map[string]any) {
	spec = map[string]any{}
	annotations, labels = map[string]any{}, map[string]any{"app": g.pick(apps)}
	seen := map[string]bool{}
	unique := func(n string) string {
		for i := 2; seen[n]; i++ {
			n = fmt.Sprintf("%s-%d", n, i)
		}
		seen[n] = true
		return n
	}
	var initList, ctrs []any
	if g.r.IntN(4) != 0 {
		initList = append(initList, g.container(unique(g.pick(setups))))
	}
	for i := g.r.IntN(3); i > 0; i-- {
		initList = append(initList, g.container(unique(g.pick(inits))))
	}
	g.r.Shuffle(len(initList), func(i, j int) { initList[i], initList[j] = initList[j], initList[i] })
	for i := 1 + g.r.IntN(2); i > 0; i-- {
		ctrs = append(ctrs, g.container(unique(g.pick(apps))))
	}
	for i := g.r.IntN(3); i > 0; i-- {
		name := g.pick(proxies)
		if g.r.IntN(2) == 0 {
			name = g.pick(helpers)
		}
		if seen[name] {
			continue
		}
		c := g.container(unique(name))
		if lc := lifecycle[g.r.IntN(len(lifecycle))]; lc != nil {
			c["lifecycle"] = lc
		}
		if g.r.IntN(5) == 0 { // already native
			c["restartPolicy"] = "Always"
			initList = append(initList, c)
		} else {
			ctrs = append(ctrs, c)
		}
	}
	g.r.Shuffle(len(ctrs), func(i, j int) { ctrs[i], ctrs[j] = ctrs[j], ctrs[i] })
	if len(initList) > 0 {
		spec["initContainers"] = initList
	}
	spec["containers"] = ctrs
	if seen["istio-proxy"] && g.r.IntN(2) == 0 {
		annotations["sidecar.istio.io/status"] = `{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy"],"imagePullSecrets":null,"revision":"default"}`
	}
	switch g.r.IntN(12) {
	case 0:
		annotations["nativize.dev/convert"] = "false"
	case 1:
		annotations["nativize.dev/sidecars"] = "log-shipper, " + g.pick(apps)
	case 2:
		annotations["nativize.dev/before-sidecars"] = g.pick(inits)
	case 3:
		labels["sidecar.istio.io/inject"] = "false"
	case 4:
		annotations["status.sidecar.istio.io/port"] = "15099"
	}
	if g.r.IntN(3) == 0 {
		spec["restartPolicy"] = []string{"Always", "OnFailure", "Never"}[g.r.IntN(3)]
	}
	return spec, annotations, labels
}

// Object returns a random object: mostly workloads of every kind, some
// plain objects.
func (g *Generator) Object(i int) map[string]any {
	k := kinds[g.r.IntN(len(kinds))]
	obj := map[string]any{"apiVersion": k[0], "kind": k[1], "metadata": map[string]any{"name": fmt.Sprintf("obj-%d", i), "namespace": "ns"}}
	if k[1] == "ConfigMap" {
		obj["data"] = map[string]any{"key": "istio-proxy"}
		return obj
	}
	spec, ann, labels := g.PodSpec()
	meta := map[string]any{"labels": labels}
	if len(ann) > 0 {
		meta["annotations"] = ann
	}
	tmpl := map[string]any{"metadata": meta, "spec": spec}
	switch k[1] {
	case "Pod":
		m := obj["metadata"].(map[string]any)
		m["labels"] = labels
		if len(ann) > 0 {
			m["annotations"] = ann
		}
		obj["spec"] = spec
	case "PodTemplate":
		obj["template"] = tmpl
	case "CronJob":
		jt := map[string]any{"spec": map[string]any{"template": tmpl}}
		if len(ann) > 0 && g.r.IntN(3) == 0 {
			// kube-inject annotates spec.jobTemplate.metadata instead
			delete(meta, "annotations")
			jt["metadata"] = map[string]any{"annotations": ann}
		}
		obj["spec"] = map[string]any{"schedule": "0 * * * *", "jobTemplate": jt}
	default:
		obj["spec"] = map[string]any{"template": tmpl}
	}
	return obj
}
