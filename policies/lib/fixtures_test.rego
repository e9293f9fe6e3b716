# METADATA
# description: Objects shared by the policy tests.
package nativize.fixtures_test

container(name) := {"name": name, "image": concat("", ["registry.example.com/", name, ":1"])}

# job is a Job with istio-init, a migration and a classic istio-proxy.
job := {
	"apiVersion": "batch/v1",
	"kind": "Job",
	"metadata": {"name": "nightly-report", "namespace": "reports"},
	"spec": {"template": {
		"metadata": {"annotations": {"sidecar.istio.io/status": `{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy"],"imagePullSecrets":null,"revision":"default"}`}},
		"spec": {
			"restartPolicy": "Never",
			"initContainers": [container("migrate"), container("istio-init")],
			"containers": [
				container("report"),
				object.union(container("istio-proxy"), {"lifecycle": {"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}}}),
			],
		},
	}},
}

# pod returns a Pod with the given annotations and container lists.
pod(annotations, inits, conts) := {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "p", "annotations": annotations},
	"spec": {"initContainers": inits, "containers": conts},
}

# deployment returns a Deployment with the given pod template metadata and spec.
deployment(meta, spec) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web"},
	"spec": {"template": {"metadata": meta, "spec": spec}},
}

# review wraps an object and parameters in Gatekeeper's input form.
review(obj, parameters) := {"review": {"object": obj}, "parameters": parameters}
