// Package istio holds Istio's own sidecar injector, run offline as a library, as the
// oracle for nativize's Istio profile (rule R4): converting a classic injection must
// give what Istio itself injects in native-sidecar mode.
package istio

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/kube/inject"
	"sigs.k8s.io/yaml"
)

// Injector injects the Istio sidecar with the settings of one rendered install
// (ConfigMaps istio-sidecar-injector and istio, as written by gen/main.go).
type Injector struct {
	templates inject.Templates
	values    inject.ValuesConfig
	mesh      *meshconfig.MeshConfig
}

// mode guards features.EnableNativeSidecars, the process-wide switch Istio reads.
var mode sync.Mutex

// Load reads config.yaml, values.json and mesh.yaml from dir, and adds the custom
// templates of templates.yaml next to dir to the injector's templates.
func Load(dir string) (*Injector, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		return nil, err
	}
	cfg, err := inject.UnmarshalConfig(raw)
	if err != nil {
		return nil, err
	}
	custom, err := os.ReadFile(filepath.Join(filepath.Dir(dir), "templates.yaml"))
	if err != nil {
		return nil, err
	}
	extra := map[string]string{}
	if err := yaml.Unmarshal(custom, &extra); err != nil {
		return nil, fmt.Errorf("templates.yaml: %w", err)
	}
	for name, tmpl := range extra {
		if _, ok := cfg.RawTemplates[name]; ok {
			return nil, fmt.Errorf("templates.yaml: %s: Istio defines it already", name)
		}
		cfg.RawTemplates[name] = tmpl
	}
	templates, err := inject.ParseTemplates(cfg.RawTemplates)
	if err != nil {
		return nil, fmt.Errorf("%s: parse templates: %w", dir, err)
	}
	values, err := os.ReadFile(filepath.Join(dir, "values.json"))
	if err != nil {
		return nil, err
	}
	vc, err := inject.NewValuesConfig(string(values))
	if err != nil {
		return nil, err
	}
	mc, err := mesh.ReadMeshConfig(filepath.Join(dir, "mesh.yaml"))
	if err != nil {
		return nil, err
	}
	return &Injector{templates: templates, values: vc, mesh: mc}, nil
}

// Inject runs `istioctl kube-inject` on a YAML stream: classic sidecars when native is
// false (ENABLE_NATIVE_SIDECARS=false), native sidecars when it is true
// (ENABLE_NATIVE_SIDECARS=true). Warnings Istio prints are returned alongside.
func (i *Injector) Inject(in []byte, native bool) (out []byte, warnings []string, err error) {
	mode.Lock()
	defer mode.Unlock()
	saved := features.EnableNativeSidecars
	defer func() { features.EnableNativeSidecars = saved }()
	features.EnableNativeSidecars = features.NativeSidecarModeDisabled
	if native {
		features.EnableNativeSidecars = features.NativeSidecarModeEnabled
	}
	var buf bytes.Buffer
	warn := func(s string) { warnings = append(warnings, s) }
	if err := inject.IntoResourceFile(nil, i.templates, i.values, "", i.mesh, bytes.NewReader(in), &buf, warn); err != nil {
		return nil, warnings, err
	}
	return buf.Bytes(), warnings, nil
}
