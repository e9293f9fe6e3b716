package istio

import (
	"fmt"
	"math/rand/v2"
)

// genCase is one generated workload and the install it is injected with.
type genCase struct {
	Seed    uint64
	Install string
	Object  map[string]any
	// Items are the workloads of a v1 List (Object is then the List).
	Items []genCase
	// Annotations are the pod template annotations the generator chose.
	Annotations map[string]any
	// AnnotationsOn says where a CronJob's annotations went: "jobTemplate"
	// (spec.jobTemplate.metadata, which kube-inject reads) or "podTemplate".
	AnnotationsOn string
	// Override is the user's istio-proxy container (customized injection), or nil.
	Override map[string]any
	// PodLabels are the pod template labels.
	PodLabels map[string]any
	// InitNames are the user's init containers, in order.
	InitNames []string
	// IstioInvalid says why Istio's native output for this workload is a pod the API
	// server rejects ("" when it is valid); set by TestOracle.
	IstioInvalid string
}

// installs are the rendered injector settings under testdata/ (see gen/main.go).
var installs = []string{"default", "cni", "hold", "lifecycle", "statusport"}

// generator builds random workloads a user would hand to `istioctl kube-inject`.
type generator struct{ r *rand.Rand }

func newGenerator(seed uint64) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, 0x6e617469766973))}
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *generator) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// generate returns case number seed: a Pod, Deployment, StatefulSet, DaemonSet,
// ReplicaSet, ReplicationController, OpenShift DeploymentConfig, Job, CronJob, or
// now and then a v1 List of two.
func generate(seed uint64) genCase {
	g := newGenerator(seed)
	c := genCase{Seed: seed, Install: installs[g.r.IntN(len(installs))]}
	if g.chance(0.04) {
		// A v1 List of two workloads: both engines convert each item.
		for i := uint64(1); i <= 2; i++ {
			item := generate(seed*1000 + i)
			for item.Items != nil {
				item = generate(item.Seed*1000 + 1)
			}
			c.Items = append(c.Items, item)
		}
		c.Install = c.Items[0].Install
		c.Items[1].Install = c.Install // one install injects the whole List
		c.Object = map[string]any{"apiVersion": "v1", "kind": "List",
			"items": []any{c.Items[0].Object, c.Items[1].Object}}
		return c
	}
	kind := g.pick("Pod", "Pod", "Deployment", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
		"ReplicationController", "Job", "CronJob", "CronJob")
	if kind == "ReplicationController" && seed%2 == 0 {
		// OpenShift's DeploymentConfig (kube-inject knows it: pkg/kube/inject
		// initializer.go), chosen from the seed so that no other case changes.
		kind = "DeploymentConfig"
	}
	name := fmt.Sprintf("%s-%d", g.pick("web", "api", "batch", "report", "sync"), seed)
	labels := map[string]any{"app": name}
	if g.chance(0.03) {
		labels["sidecar.istio.io/inject"] = "false"
	}
	ann := g.annotations()
	restart := "Always"
	if kind == "Job" || kind == "CronJob" || (kind == "Pod" && g.chance(0.3)) {
		restart = g.pick("Never", "OnFailure")
	}
	spec := g.podSpec(restart)
	c.Annotations = ann
	c.PodLabels = labels
	for _, ic := range asList(spec["initContainers"]) {
		c.InitNames = append(c.InitNames, ic.(map[string]any)["name"].(string))
	}
	for _, ct := range asList(spec["containers"]) {
		if m := ct.(map[string]any); m["name"] == "istio-proxy" {
			c.Override = m
		}
	}
	meta := map[string]any{"labels": labels}
	if len(ann) > 0 {
		meta["annotations"] = ann
	}
	top := map[string]any{"name": name, "namespace": g.pick("default", "shop", "batch")}
	switch kind {
	case "Pod":
		for k, v := range meta {
			top[k] = v
		}
		c.Object = map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": top, "spec": spec}
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "DeploymentConfig":
		ws := map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{"metadata": meta, "spec": spec},
		}
		if kind != "DaemonSet" {
			ws["replicas"] = int64(1 + g.r.IntN(3))
		}
		if kind == "StatefulSet" {
			ws["serviceName"] = name
		}
		api := "apps/v1"
		switch kind {
		case "ReplicationController":
			api = "v1"
			ws["selector"] = map[string]any{"app": name}
		case "DeploymentConfig":
			api = "apps.openshift.io/v1"
			ws["selector"] = map[string]any{"app": name}
		}
		c.Object = map[string]any{"apiVersion": api, "kind": kind, "metadata": top, "spec": ws}
	case "Job":
		c.Object = map[string]any{"apiVersion": "batch/v1", "kind": "Job", "metadata": top,
			"spec": map[string]any{"backoffLimit": int64(2), "template": map[string]any{"metadata": meta, "spec": spec}}}
	case "CronJob":
		// kube-inject reads and writes a CronJob's annotations on
		// spec.jobTemplate.metadata; users put them there or on the pod template.
		jt := map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": labels}, "spec": spec}}}
		if len(ann) > 0 {
			if g.chance(0.5) {
				c.AnnotationsOn = "jobTemplate"
				jt["metadata"] = map[string]any{"annotations": ann}
			} else {
				c.AnnotationsOn = "podTemplate"
				jt["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["annotations"] = ann
			}
		}
		c.Object = map[string]any{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": top,
			"spec": map[string]any{"schedule": "*/5 * * * *", "jobTemplate": jt}}
	}
	return c
}

// annotations returns pod template annotations that change what Istio injects.
func (g *generator) annotations() map[string]any {
	ann := map[string]any{}
	if g.chance(0.3) {
		ann["proxy.istio.io/config"] = g.pick("holdApplicationUntilProxyStarts: true",
			"holdApplicationUntilProxyStarts: false", `{"holdApplicationUntilProxyStarts": true}`)
	}
	if g.chance(0.25) {
		ann["status.sidecar.istio.io/port"] = g.pick("15020", "15030", "16020")
	}
	if g.chance(0.2) {
		ann["sidecar.istio.io/enableCoreDump"] = "true"
	}
	if g.chance(0.1) {
		ann["sidecar.istio.io/interceptionMode"] = g.pick("NONE", "TPROXY")
	}
	if g.chance(0.08) {
		ann["sidecar.istio.io/nativeSidecar"] = g.pick("true", "false")
	}
	if g.chance(0.03) {
		ann["sidecar.istio.io/inject"] = "false"
	}
	if g.chance(0.1) {
		ann["traffic.sidecar.istio.io/excludeOutboundPorts"] = "5432"
	}
	if g.chance(0.1) {
		ann["sidecar.istio.io/proxyCPU"] = "50m"
		ann["sidecar.istio.io/proxyMemory"] = "64Mi"
	}
	if g.chance(0.05) {
		ann["sidecar.istio.io/rewriteAppHTTPProbers"] = "false"
	}
	if g.chance(0.2) {
		// Injection templates: Istio's own (sidecar, gateway, grpc-agent, grpc-simple)
		// and the custom ones of testdata/templates.yaml, alone or in a list.
		ann["inject.istio.io/templates"] = g.pick("sidecar", "gateway", "grpc-agent", "grpc-simple",
			"sidecar,spire", "spire,sidecar", "custom", "sidecar,custom", " custom , sidecar ", "gateway,spire")
	}
	return ann
}

func asList(v any) []any { l, _ := v.([]any); return l }

// enableCoreDump is the init container Istio used to inject for
// sidecar.istio.io/enableCoreDump (older classic manifests still carry it).
func enableCoreDump() map[string]any {
	return map[string]any{"name": "enable-core-dump", "image": "docker.io/istio/proxyv2:1.22.0",
		"command": []any{"/bin/sh"}, "args": []any{"-c", "sysctl -w kernel.core_pattern=/var/lib/istio/data/core.proxy && ulimit -c unlimited"},
		"securityContext": map[string]any{"privileged": true, "runAsUser": int64(0), "runAsNonRoot": false}}
}

// initPool are init containers users write: some need the mesh, two are
// already native sidecars.
var initPool = []func(*generator) map[string]any{
	func(*generator) map[string]any {
		return map[string]any{"name": "check-traffic", "image": "curlimages/curl",
			"command": []any{"curl", "-sf", "http://httpbin.default:8000/get"}}
	},
	func(*generator) map[string]any {
		return map[string]any{"name": "migrate", "image": "flyway/flyway:10",
			"args": []any{"migrate"}, "env": []any{map[string]any{"name": "FLYWAY_URL", "value": "jdbc:postgresql://db:5432/app"}}}
	},
	func(*generator) map[string]any {
		return map[string]any{"name": "render-config", "image": "busybox:1.36",
			"command":      []any{"sh", "-c", "echo ok > /work/config"},
			"volumeMounts": []any{map[string]any{"name": "work", "mountPath": "/work"}}}
	},
	func(g *generator) map[string]any {
		c := map[string]any{"name": "log-shipper", "image": "fluent/fluent-bit:3.0", "restartPolicy": "Always"}
		if g.chance(0.5) {
			c["startupProbe"] = map[string]any{"tcpSocket": map[string]any{"port": int64(2020)}, "periodSeconds": int64(2)}
		}
		return c
	},
	func(*generator) map[string]any {
		// A catalog sidecar that is already native: it keeps its place.
		return map[string]any{"name": "vault-agent", "image": "hashicorp/vault:1.17", "restartPolicy": "Always",
			"args": []any{"agent", "-config=/vault/config/agent.hcl"}}
	},
	func(*generator) map[string]any {
		return map[string]any{"name": "fetch-secrets", "image": "alpine:3.20",
			"command":   []any{"wget", "-q", "http://vault.vault:8200/v1/sys/health"},
			"resources": map[string]any{"requests": map[string]any{"cpu": "20m"}}}
	},
}

// podSpec returns a pod spec with 0–3 init containers and 1–3 containers.
func (g *generator) podSpec(restart string) map[string]any {
	spec := map[string]any{"restartPolicy": restart}
	var inits []any
	for _, i := range g.r.Perm(len(initPool))[:g.r.IntN(4)] {
		inits = append(inits, initPool[i](g))
	}
	if g.chance(0.1) {
		at := g.r.IntN(len(inits) + 1)
		inits = append(inits[:at], append([]any{enableCoreDump()}, inits[at:]...)...)
	}
	if len(inits) > 0 || g.chance(0.1) {
		spec["initContainers"] = inits
	}
	var containers []any
	for i, n := 0, 1+g.r.IntN(3); i < n; i++ {
		containers = append(containers, g.container(i))
	}
	if g.chance(0.1) {
		// Customizing injection: a container named istio-proxy merges over
		// the template's (https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#customizing-injection).
		custom := map[string]any{"name": "istio-proxy", "image": "auto"}
		switch g.r.IntN(5) {
		case 0:
			custom["lifecycle"] = map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"sleep", "10"}}}}
		case 1:
			custom["resources"] = map[string]any{"requests": map[string]any{"cpu": "200m"}}
		case 2:
			custom["lifecycle"] = map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"pilot-agent", "wait", "--timeoutSeconds=60"}}}}
		case 3:
			// Istio also moves the iptables user of istio-init/istio-validation to it.
			custom["securityContext"] = map[string]any{"runAsUser": int64(1234), "runAsGroup": int64(1234)}
		case 4:
			custom["args"] = []any{"proxy", "sidecar", "--concurrency", "4"}
			custom["env"] = []any{map[string]any{"name": "ISTIO_META_DNS_CAPTURE", "value": "true"}}
		}
		containers = append(containers, custom)
	}
	spec["containers"] = containers
	if g.chance(0.3) {
		spec["volumes"] = []any{map[string]any{"name": "work", "emptyDir": map[string]any{}}}
	}
	if g.chance(0.2) {
		spec["serviceAccountName"] = "app"
	}
	return spec
}

// container returns app container number i.
func (g *generator) container(i int) map[string]any {
	names := []string{"app", "worker", "exporter"}
	c := map[string]any{"name": names[i], "image": g.pick("nginx:1.27", "ghcr.io/acme/app:v3", "python:3.12-slim")}
	if g.chance(0.5) {
		port := int64(8080 + i)
		c["ports"] = []any{map[string]any{"containerPort": port, "name": fmt.Sprintf("http-%d", i)}}
		if g.chance(0.6) {
			c["readinessProbe"] = map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": port}, "periodSeconds": int64(5)}
		}
		if g.chance(0.3) {
			c["livenessProbe"] = map[string]any{"tcpSocket": map[string]any{"port": port}}
		}
	}
	if g.chance(0.4) {
		c["resources"] = map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"},
			"limits": map[string]any{"memory": "256Mi"}}
	}
	if g.chance(0.2) {
		c["command"] = []any{"sh", "-c", "run"}
	}
	return c
}
