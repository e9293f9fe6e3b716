package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func kustomize(t *testing.T) string {
	return tool(t, "KUSTOMIZE", ".tools/bin/kustomize", "sigs.k8s.io/kustomize/kustomize/v5@v5.8.0")
}

// TestKustomizeExample builds the shipped example, whose transformer runs
// ../../bin/nativize krm, with the real kustomize.
func TestKustomizeExample(t *testing.T) {
	k := kustomize(t)
	nativize(t)
	r := run(t, root, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", "examples/kustomize")
	if r.code != 0 {
		t.Fatalf("kustomize build: exit %d\n%s", r.code, r.stderr)
	}
	objs := objects(t, r.stdout)
	if len(objs) != 2 {
		t.Fatalf("got %d objects, want 2:\n%s", len(objs), r.stdout)
	}
	for _, tt := range []struct {
		kind, name  string
		init, conts string
	}{
		// The proxy becomes native right after istio-init: the Job completes.
		{"Job", "migrate", "istio-init istio-proxy(Always)", "migrate"},
		// linkerd-proxy now starts before fetch-config, so the fetch has network.
		{"Deployment", "web", "linkerd-init linkerd-proxy(Always) fetch-config", "web"},
	} {
		spec := podSpec(find(t, objs, tt.kind, tt.name))
		if got := strings.Join(containers(spec, "initContainers"), " "); got != tt.init {
			t.Errorf("%s/%s initContainers = %s, want %s", tt.kind, tt.name, got, tt.init)
		}
		if got := strings.Join(containers(spec, "containers"), " "); got != tt.conts {
			t.Errorf("%s/%s containers = %s, want %s", tt.kind, tt.name, got, tt.conts)
		}
	}
	// kustomize's own transformers ran too (namespace), and ours kept their work.
	if meta := find(t, objs, "Job", "migrate")["metadata"].(map[string]any); meta["namespace"] != "shop" {
		t.Errorf("namespace = %v, want shop", meta["namespace"])
	}
	// The mesh profiles applied: Linkerd's startupProbe replaces its await hook.
	for _, c := range podSpec(find(t, objs, "Deployment", "web"))["initContainers"].([]any) {
		m := c.(map[string]any)
		if m["name"] == "linkerd-proxy" && (m["startupProbe"] == nil || m["lifecycle"] != nil) {
			t.Errorf("linkerd-proxy: startupProbe %v, lifecycle %v; want the Linkerd native profile", m["startupProbe"], m["lifecycle"])
		}
	}
}

// TestKustomizeFunctionConfig runs kustomize on generated kustomizations
// whose functionConfig changes the catalog, the target version and failOn.
func TestKustomizeFunctionConfig(t *testing.T) {
	k := kustomize(t)
	bin := nativize(t)
	job := `apiVersion: batch/v1
kind: Job
metadata:
  name: export
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: export, image: export:1}
      - {name: tunnel, image: example.com/tunnel:3}
`
	cases := []struct {
		name   string
		config string // functionConfig body after metadata
		code   int
		init   string
		stderr string
	}{
		{
			name:   "own catalog converts the tunnel",
			config: "containers:\n- {name: tunnel, role: sidecar}\n",
			init:   "tunnel(Always)",
			stderr: `nativize krm: [warning] batch/v1/Job/export spec.template.spec.initContainers[0]: NS005`,
		},
		{
			name:   "default catalog does not know it; nativize.dev/sidecars would",
			config: "kubeVersion: \"1.33\"\n",
			init:   "",
		},
		{
			name:   "kubeVersion 1.27 fails the build",
			config: "kubeVersion: \"1.27\"\ncontainers:\n- {name: tunnel, role: sidecar}\n",
			code:   1,
			stderr: "nativize krm: [error]: not converted: unsupported --kube-version: 1.27",
		},
		{
			name:   "failOn never lets it pass unconverted",
			config: "kubeVersion: \"1.27\"\nfailOn: never\ncontainers:\n- {name: tunnel, role: sidecar}\n",
			init:   "",
			stderr: "not converted",
		},
		{
			name:   "invalid functionConfig fails the build",
			config: "containers:\n- {name: tunnel, role: helper}\n",
			code:   1,
			stderr: `nativize krm: [error]: invalid functionConfig: invalid nativize config: containers[0] ("tunnel"): role "helper"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{
				"job.yaml":           job,
				"kustomization.yaml": "resources: [job.yaml]\ntransformers: [nativize.yaml]\n",
				"nativize.yaml": "apiVersion: nativize.dev/v1alpha1\nkind: Config\nmetadata:\n  name: nativize\n  annotations:\n" +
					"    config.kubernetes.io/function: |\n      exec:\n        path: " + bin + "\n        args: [krm]\n" + c.config,
			}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := run(t, dir, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", ".")
			if (r.code != 0) != (c.code != 0) {
				t.Fatalf("kustomize build: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, c.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, r.stderr)
			}
			if c.code != 0 {
				return
			}
			spec := podSpec(find(t, objects(t, r.stdout), "Job", "export"))
			if got := strings.Join(containers(spec, "initContainers"), " "); got != c.init {
				t.Errorf("initContainers = %q, want %q", got, c.init)
			}
		})
	}
}
