//go:build ignore

// Command gen renders Istio's injection settings from the charts embedded in the
// istio.io/istio module (what `istioctl manifest generate` prints) and writes the
// ConfigMap payloads the oracle test reads: the injector config and values from
// ConfigMap istio-sidecar-injector and the mesh config from ConfigMap istio.
//
//	cd tests/istio && go run gen/main.go
//
// It writes testdata/<profile>/{config.yaml,values.json,mesh.yaml} for the
// default install and for the Istio CNI install (istio-validation init container).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"istio.io/istio/operator/pkg/render"
)

// profiles maps a testdata directory to the --set flags of `istioctl manifest generate`.
var profiles = map[string][]string{
	"default": {"profile=default"},
	"cni":     {"profile=default", "components.cni.enabled=true"},
}

func main() {
	for dir, flags := range profiles {
		if err := generate(filepath.Join("testdata", dir), flags); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", dir, err)
			os.Exit(1)
		}
	}
}

func generate(dir string, flags []string) error {
	sets, _, err := render.GenerateManifest(nil, flags, false, nil, nil)
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
