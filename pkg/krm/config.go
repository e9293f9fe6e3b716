package krm

import (
	"bytes"
	"fmt"
	"slices"

	yaml "go.yaml.in/yaml/v3"
	// sigsyaml: the functionConfig decodes into the catalog's json-tagged
	// structs, unknown fields refused, like --config.
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/validate"
)

// ConfigAPIVersion and ConfigKind name the functionConfig nativize reads.
const (
	ConfigAPIVersion = "nativize.dev/v1alpha1"
	ConfigKind       = "Config"
)

// functionConfig is the functionConfig schema: the catalog schema of
// --config (containers, kinds) plus the settings of the command line.
type functionConfig struct {
	APIVersion  string            `json:"apiVersion"`
	Kind        string            `json:"kind"`
	Metadata    map[string]any    `json:"metadata,omitempty"`
	Containers  []catalog.Entry   `json:"containers,omitempty"`
	Kinds       []catalog.Kind    `json:"kinds,omitempty"`
	KubeVersion string            `json:"kubeVersion,omitempty"`
	FailOn      string            `json:"failOn,omitempty"`
	Data        map[string]string `json:"data,omitempty"` // ConfigMap form
}

// failOnSeverity maps a failOn setting to the least severity that fails ("" never).
func failOnSeverity(s string) (validate.Severity, error) {
	if sev, ok := validate.FailThreshold(s); ok {
		return sev, nil
	}
	return "", fmt.Errorf("%w: failOn %q, want one of %v", ErrConfig, s, validate.FailOnValues)
}

// applyConfig reads the functionConfig node into opts. A Config of
// nativize.dev/v1alpha1 that sets containers or kinds replaces the catalog,
// exactly as --config FILE does; kubeVersion and failOn override the
// options. A ConfigMap may set data.kubeVersion and data.failOn.
func applyConfig(n *yaml.Node, opts Options) (Options, error) {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return opts, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return opts, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	var fc functionConfig
	if err := sigsyaml.UnmarshalStrict(buf.Bytes(), &fc); err != nil {
		return opts, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	switch {
	case fc.APIVersion == "v1" && fc.Kind == "ConfigMap":
		for k := range fc.Data {
			if !slices.Contains([]string{"kubeVersion", "failOn"}, k) {
				return opts, fmt.Errorf("%w: ConfigMap data key %q, want kubeVersion or failOn", ErrConfig, k)
			}
		}
		fc.KubeVersion, fc.FailOn = fc.Data["kubeVersion"], fc.Data["failOn"]
	case fc.APIVersion == ConfigAPIVersion && fc.Kind == ConfigKind:
		if fc.Data != nil {
			return opts, fmt.Errorf("%w: %s has no data field", ErrConfig, ConfigKind)
		}
		if fc.Containers != nil || fc.Kinds != nil {
			cat, err := catalog.New(catalog.Config{APIVersion: fc.APIVersion, Kind: fc.Kind, Containers: fc.Containers, Kinds: fc.Kinds})
			if err != nil {
				return opts, fmt.Errorf("%w: %v", ErrConfig, err)
			}
			opts.Catalog = cat
		}
	default:
		return opts, fmt.Errorf("%w: functionConfig %s %s, want %s %s or v1 ConfigMap", ErrConfig, fc.APIVersion, fc.Kind, ConfigAPIVersion, ConfigKind)
	}
	if fc.KubeVersion != "" {
		opts.KubeVersion = fc.KubeVersion
	}
	if fc.FailOn != "" {
		if _, err := failOnSeverity(fc.FailOn); err != nil {
			return opts, err
		}
		opts.FailOn = fc.FailOn
	}
	return opts, nil
}
