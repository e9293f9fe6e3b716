// Command corpus writes a realistic benchmark corpus of Kubernetes manifests:
// classic-injected Istio and Linkerd workloads (about 6 KB each), already
// native workloads and plain objects, in one multi-document YAML stream.
//
//	go run ./tests/bench/corpus -n 10000 -mix default > corpus.yaml
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"sigs.k8s.io/yaml"
)

func main() {
	n := flag.Int("n", 1000, "number of documents")
	mix := flag.String("mix", "default", "default (mostly workloads) or sparse (mostly plain objects)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 7))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	for i := 0; i < *n; i++ {
		var obj map[string]any
		p := r.IntN(100)
		if *mix == "sparse" {
			p = 100 - p // 1 in 20 a workload, the rest plain objects
			if p > 5 {
				p = 99
			}
		}
		switch {
		case p < 45:
			obj = istioWorkload(r, i, false)
		case p < 65:
			obj = linkerdWorkload(r, i)
		case p < 80:
			obj = istioWorkload(r, i, true)
		default:
			obj = plainObject(r, i)
		}
		b, err := yaml.Marshal(obj)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		w.WriteString("---\n")
		w.Write(b)
	}
}

func env(pairs ...string) []any {
	var out []any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"name": pairs[i], "value": pairs[i+1]})
	}
	return out
}

func fieldEnv(name, path string) map[string]any {
	return map[string]any{"name": name, "valueFrom": map[string]any{"fieldRef": map[string]any{"apiVersion": "v1", "fieldPath": path}}}
}

func istioProxy(native bool) map[string]any {
	e := env("PILOT_CERT_PROVIDER", "istiod", "CA_ADDR", "istiod.istio-system.svc:15012", "PROXY_CONFIG", `{"holdApplicationUntilProxyStarts":false}`,
		"ISTIO_META_POD_PORTS", `[{"name":"http","containerPort":8080,"protocol":"TCP"}]`, "ISTIO_META_APP_CONTAINERS", "app",
		"GOMEMLIMIT", "1073741824", "GOMAXPROCS", "2", "ISTIO_META_CLUSTER_ID", "Kubernetes", "ISTIO_META_INTERCEPTION_MODE", "REDIRECT",
		"ISTIO_META_WORKLOAD_NAME", "app", "ISTIO_META_OWNER", "kubernetes://apis/apps/v1/namespaces/default/deployments/app",
		"ISTIO_META_MESH_ID", "cluster.local", "TRUST_DOMAIN", "cluster.local")
	e = append(e, fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace"), fieldEnv("INSTANCE_IP", "status.podIP"),
		fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"), fieldEnv("HOST_IP", "status.hostIP"), fieldEnv("ISTIO_CPU_LIMIT", "limits.cpu"))
	c := map[string]any{
		"name":  "istio-proxy",
		"image": "docker.io/istio/proxyv2:1.28.0",
		"args":  []any{"proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local", "--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info"},
		"env":   e,
		"ports": []any{
			map[string]any{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"},
		},
		"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/healthz/ready", "port": 15021}, "initialDelaySeconds": 1, "periodSeconds": 2, "timeoutSeconds": 3, "failureThreshold": 4},
		"resources":      map[string]any{"limits": map[string]any{"cpu": "2", "memory": "1Gi"}, "requests": map[string]any{"cpu": "100m", "memory": "128Mi"}},
		"securityContext": map[string]any{"allowPrivilegeEscalation": false, "capabilities": map[string]any{"drop": []any{"ALL"}}, "privileged": false,
			"readOnlyRootFilesystem": true, "runAsGroup": 1337, "runAsNonRoot": true, "runAsUser": 1337},
		"volumeMounts": []any{
			map[string]any{"mountPath": "/var/run/secrets/workload-spiffe-uds", "name": "workload-socket"},
			map[string]any{"mountPath": "/var/run/secrets/credential-uds", "name": "credential-socket"},
			map[string]any{"mountPath": "/var/run/secrets/workload-spiffe-credentials", "name": "workload-certs"},
			map[string]any{"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"},
			map[string]any{"mountPath": "/var/lib/istio/data", "name": "istio-data"},
			map[string]any{"mountPath": "/etc/istio/proxy", "name": "istio-envoy"},
			map[string]any{"mountPath": "/var/run/secrets/tokens", "name": "istio-token"},
			map[string]any{"mountPath": "/etc/istio/pod", "name": "istio-podinfo"},
		},
	}
	if native {
		c["restartPolicy"] = "Always"
		c["lifecycle"] = map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"pilot-agent", "request", "--debug-port=15020", "POST", "drain"}}}}
	}
	return c
}

func istioInit() map[string]any {
	return map[string]any{
		"name": "istio-init", "image": "docker.io/istio/proxyv2:1.28.0",
		"args":      []any{"istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020", "--log_output_level=default:info"},
		"resources": map[string]any{"limits": map[string]any{"cpu": "2", "memory": "1Gi"}, "requests": map[string]any{"cpu": "100m", "memory": "128Mi"}},
		"securityContext": map[string]any{"allowPrivilegeEscalation": false, "capabilities": map[string]any{"add": []any{"NET_ADMIN", "NET_RAW"}, "drop": []any{"ALL"}},
			"privileged": false, "readOnlyRootFilesystem": false, "runAsGroup": 0, "runAsNonRoot": false, "runAsUser": 0},
	}
}

func app(r *rand.Rand, i int) map[string]any {
	return map[string]any{
		"name": "app", "image": fmt.Sprintf("registry.example.com/team-%d/app:%d.%d", i%40, r.IntN(9), r.IntN(20)),
		"ports":     []any{map[string]any{"containerPort": 8080, "name": "http"}},
		"resources": map[string]any{"requests": map[string]any{"cpu": "250m", "memory": "256Mi"}},
		"env":       env("LOG_LEVEL", "info", "PORT", "8080"),
	}
}

func volumes() []any {
	return []any{
		map[string]any{"name": "workload-socket", "emptyDir": map[string]any{}},
		map[string]any{"name": "credential-socket", "emptyDir": map[string]any{}},
		map[string]any{"name": "workload-certs", "emptyDir": map[string]any{}},
		map[string]any{"name": "istio-envoy", "emptyDir": map[string]any{"medium": "Memory"}},
		map[string]any{"name": "istio-data", "emptyDir": map[string]any{}},
		map[string]any{"name": "istio-podinfo", "downwardAPI": map[string]any{"items": []any{
			map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.labels"}, "path": "labels"},
			map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.annotations"}, "path": "annotations"}}}},
		map[string]any{"name": "istio-token", "projected": map[string]any{"sources": []any{map[string]any{"serviceAccountToken": map[string]any{"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}}}},
		map[string]any{"name": "istiod-ca-cert", "configMap": map[string]any{"name": "istio-ca-root-cert"}},
	}
}

func wrap(r *rand.Rand, i int, spec, annotations map[string]any) map[string]any {
	name := fmt.Sprintf("svc-%d", i)
	meta := map[string]any{"name": name, "namespace": fmt.Sprintf("team-%d", i%40), "labels": map[string]any{"app": name}}
	tmpl := map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name, "security.istio.io/tlsMode": "istio"}, "annotations": annotations}, "spec": spec}
	switch r.IntN(4) {
	case 0:
		spec["restartPolicy"] = "Never"
		return map[string]any{"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": map[string]any{"backoffLimit": 2, "template": tmpl}}
	case 1:
		spec["restartPolicy"] = "OnFailure"
		return map[string]any{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta, "spec": map[string]any{"schedule": "0 3 * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": tmpl}}}}
	default:
		return map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": map[string]any{
			"replicas": 2, "selector": map[string]any{"matchLabels": map[string]any{"app": name}}, "template": tmpl}}
	}
}

func istioWorkload(r *rand.Rand, i int, native bool) map[string]any {
	status := `{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}`
	spec := map[string]any{"volumes": volumes()}
	if native {
		status = `{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}`
		spec["initContainers"] = []any{istioInit(), istioProxy(true)}
		spec["containers"] = []any{app(r, i)}
	} else {
		spec["initContainers"] = []any{istioInit()}
		spec["containers"] = []any{app(r, i), istioProxy(false)}
	}
	ann := map[string]any{"sidecar.istio.io/status": status, "kubectl.kubernetes.io/default-container": "app",
		"prometheus.io/path": "/stats/prometheus", "prometheus.io/port": "15020", "prometheus.io/scrape": "true"}
	return wrap(r, i, spec, ann)
}

func linkerdWorkload(r *rand.Rand, i int) map[string]any {
	proxy := map[string]any{
		"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:stable-2.14.10",
		"env": env("LINKERD2_PROXY_LOG", "warn,linkerd=info", "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "linkerd-dst-headless.linkerd.svc.cluster.local.:8086",
			"LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "0.0.0.0:4191", "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:4140", "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "0.0.0.0:4143"),
		"ports":           []any{map[string]any{"containerPort": 4143, "name": "linkerd-proxy"}, map[string]any{"containerPort": 4191, "name": "linkerd-admin"}},
		"lifecycle":       map[string]any{"postStart": map[string]any{"exec": map[string]any{"command": []any{"/usr/lib/linkerd/linkerd-await", "--timeout=2m", "--port=4191"}}}},
		"livenessProbe":   map[string]any{"httpGet": map[string]any{"path": "/live", "port": 4191}, "initialDelaySeconds": 10},
		"readinessProbe":  map[string]any{"httpGet": map[string]any{"path": "/ready", "port": 4191}, "initialDelaySeconds": 2},
		"securityContext": map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 2102},
	}
	init := map[string]any{"name": "linkerd-init", "image": "cr.l5d.io/linkerd/proxy-init:v2.2.3", "args": []any{"--incoming-proxy-port", "4143", "--outgoing-proxy-port", "4140", "--proxy-uid", "2102"}}
	spec := map[string]any{"initContainers": []any{init}, "containers": []any{proxy, app(r, i)}}
	return wrap(r, i, spec, map[string]any{"linkerd.io/inject": "enabled", "linkerd.io/proxy-version": "stable-2.14.10"})
}

func plainObject(r *rand.Rand, i int) map[string]any {
	name := fmt.Sprintf("obj-%d", i)
	meta := map[string]any{"name": name, "namespace": fmt.Sprintf("team-%d", i%40), "labels": map[string]any{"app": name}}
	switch r.IntN(3) {
	case 0:
		return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": map[string]any{"selector": map[string]any{"app": name}, "ports": []any{map[string]any{"name": "http", "port": 80, "targetPort": 8080}}}}
	case 1:
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": map[string]any{"settings.yaml": "log: info\nfeatures: [a, b, c]\n", "owner": "team"}}
	default:
		return map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": map[string]any{"rules": []any{map[string]any{"host": name + ".example.com",
			"http": map[string]any{"paths": []any{map[string]any{"path": "/", "pathType": "Prefix", "backend": map[string]any{"service": map[string]any{"name": name, "port": map[string]any{"number": 80}}}}}}}}}}
	}
}
