//go:build ignore

// Command gen renders Istio's injection settings from the charts embedded in the
// istio.io/istio module (what `istioctl manifest generate` prints) and writes the
// ConfigMap payloads the oracle test reads: the injector config and values from
// ConfigMap istio-sidecar-injector and the mesh config from ConfigMap istio.
//
//	cd tests/istio
//	go get istio.io/istio/operator/pkg/render@$(go list -m -f '{{.Version}}' istio.io/istio)
//	go run gen/main.go
//	go mod tidy
//	go test -run TestExample -update .          # refresh the example and its native twin
//
// (the first step adds Helm and the operator to go.sum; the test does not need them).
// It writes testdata/<install>/{config.yaml,values.json,mesh.yaml} for each install
// below; the output is deterministic for a given istio.io/istio version.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"istio.io/istio/operator/pkg/render"
)

// install is one `istioctl manifest generate` invocation: --set flags and an
// optional IstioOperator overlay (-f).
type install struct {
	set     []string
	overlay string
}

// installs maps a testdata directory to its install.
var installs = map[string]install{
	// The default profile: istio-init sets up iptables.
	"default": {set: []string{"profile=default"}},
	// Istio CNI: istio-validation checks the CNI plugin's rules instead.
	"cni": {set: []string{"profile=default", "components.cni.enabled=true"}},
	// Mesh-wide holdApplicationUntilProxyStarts.
	"hold": {set: []string{"profile=default", "meshConfig.defaultConfig.holdApplicationUntilProxyStarts=true"}},
	// A non-default status port for every injected pod (values.global.proxy.statusPort).
	"statusport": {set: []string{"profile=default", "values.global.proxy.statusPort=15025"}},
	// A custom proxy lifecycle for every injected pod (values.global.proxy.lifecycle).
	"lifecycle": {set: []string{"profile=default"}, overlay: `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  values:
    global:
      proxy:
        lifecycle:
          preStop:
            exec:
              command: ["sh", "-c", "sleep 5"]
`},
}

func main() {
	for dir, in := range installs {
		if err := generate(filepath.Join("testdata", dir), in); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", dir, err)
			os.Exit(1)
		}
	}
}

func generate(dir string, in install) error {
	var overlays []string
	if in.overlay != "" {
		f, err := os.CreateTemp("", "iop-*.yaml")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		if _, err := f.WriteString(in.overlay); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		overlays = []string{f.Name()}
	}
	sets, _, err := render.GenerateManifest(overlays, in.set, false, nil, nil)
	if err != nil {
		return err
	}
	files := map[string]string{}
	for _, set := range sets {
		for _, m := range set.Manifests {
			if m.GetKind() != "ConfigMap" {
				continue
			}
			data, _ := m.Object["data"].(map[string]any)
			switch m.GetName() {
			case "istio-sidecar-injector":
				files["config.yaml"], _ = data["config"].(string)
				files["values.json"], _ = data["values"].(string)
			case "istio":
				files["mesh.yaml"], _ = data["mesh"].(string)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"config.yaml", "values.json", "mesh.yaml"} {
		if files[name] == "" {
			return fmt.Errorf("rendered manifests have no %s", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644); err != nil {
			return err
		}
	}
	return nil
}
