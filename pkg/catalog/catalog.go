// Package catalog holds the sidecar catalog: which container names and images
// are network setup, mesh proxies or helper sidecars, and which custom kinds
// carry a pod spec where.
package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	// sigs.k8s.io/yaml: the config structs carry json tags (they feed the Rego
	// catalog as JSON too) and UnmarshalStrict refuses unknown fields through them.
	"sigs.k8s.io/yaml"
)

// Role is what a catalog entry's container does in the pod.
type Role string

// The roles of catalog entries.
const (
	RoleSetup   Role = "setup"   // network setup init container (iptables, CNI check)
	RoleProxy   Role = "proxy"   // mesh proxy
	RoleSidecar Role = "sidecar" // helper sidecar
	// RoleCompanion is an init container a mesh runs right after its proxy
	// (Istio's enable-core-dump); it is never moved, only ordered.
	RoleCompanion Role = "companion"
)

// Entry is one catalog entry.
type Entry struct {
	Name          string   `json:"name"`
	Role          Role     `json:"role"`
	Mesh          string   `json:"mesh,omitempty"`
	Images        []string `json:"images,omitempty"`
	RequiresSetup []string `json:"requiresSetup,omitempty"`

	images []*regexp.Regexp
}

// Kind maps a custom workload kind (group/Kind, any version) to where its
// pod specs live: podSpecPath for one, or podSpecPaths for a kind that
// holds several (a FlinkDeployment's job and task manager templates). Paths
// are dot-separated map keys; the pod template metadata is the spec's
// sibling "metadata" (docs/KINDS.md).
type Kind struct {
	Group        string   `json:"group"`
	Kind         string   `json:"kind"`
	PodSpecPath  string   `json:"podSpecPath,omitempty"`
	PodSpecPaths []string `json:"podSpecPaths,omitempty"`
}

// Paths returns the pod spec paths split into fields, in the order they are
// searched: podSpecPaths when set, else podSpecPath.
func (k Kind) Paths() [][]string {
	src := k.PodSpecPaths
	if len(src) == 0 {
		src = []string{k.PodSpecPath}
	}
	out := make([][]string, len(src))
	for i, p := range src {
		out[i] = strings.Split(p, ".")
	}
	return out
}

// validate rejects a kind entry that both engines could not locate alike.
func (k Kind) validate() error {
	switch {
	case k.Kind == "":
		return errors.New("kind is required")
	case k.PodSpecPath == "" && len(k.PodSpecPaths) == 0:
		return errors.New("podSpecPath or podSpecPaths is required")
	case k.PodSpecPath != "" && len(k.PodSpecPaths) > 0:
		return errors.New("set podSpecPath or podSpecPaths, not both")
	}
	seen := map[string]bool{}
	for _, p := range k.Paths() {
		joined := strings.Join(p, ".")
		if slices.Contains(p, "") {
			// "spec..spec" or a leading/trailing dot: no map key is empty
			return fmt.Errorf("path %q has an empty field", joined)
		}
		if seen[joined] {
			// the same spec twice would be converted twice
			return fmt.Errorf("path %q is listed twice", joined)
		}
		seen[joined] = true
	}
	return nil
}

// Config is the on-disk schema (apiVersion nativize.dev/v1alpha1, kind Config).
type Config struct {
	APIVersion string  `json:"apiVersion,omitempty"`
	Kind       string  `json:"kind,omitempty"`
	Containers []Entry `json:"containers"`
	Kinds      []Kind  `json:"kinds,omitempty"`
}

// Catalog is a validated, ready-to-query Config. It is immutable and safe for
// concurrent use.
type Catalog struct {
	Config
	byName map[string][]int

	prefilterOnce sync.Once
	prefilter     *Prefilter
}

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("invalid nativize config")

//go:embed catalog.yaml
var defaultYAML []byte

var defaultCatalog = func() *Catalog {
	c, err := Parse(defaultYAML)
	if err != nil {
		panic("embedded catalog: " + err.Error())
	}
	return c
}()

// Default returns the embedded default catalog.
func Default() *Catalog { return defaultCatalog }

// Load reads a catalog from a YAML or JSON file.
func Load(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse builds a catalog from YAML or JSON bytes, rejecting unknown fields.
func Parse(data []byte) (*Catalog, error) {
	var cfg Config
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return New(cfg)
}

// New validates cfg and indexes it.
func New(cfg Config) (*Catalog, error) {
	if cfg.APIVersion != "" && cfg.APIVersion != "nativize.dev/v1alpha1" {
		return nil, fmt.Errorf("%w: apiVersion %q, want nativize.dev/v1alpha1", ErrInvalid, cfg.APIVersion)
	}
	if cfg.Kind != "" && cfg.Kind != "Config" {
		return nil, fmt.Errorf("%w: kind %q, want Config", ErrInvalid, cfg.Kind)
	}
	c := &Catalog{Config: cfg, byName: map[string][]int{}}
	c.Containers = append([]Entry(nil), cfg.Containers...)
	for i := range c.Containers {
		e := &c.Containers[i]
		switch e.Role {
		case RoleSetup, RoleProxy, RoleSidecar, RoleCompanion:
		default:
			return nil, fmt.Errorf("%w: containers[%d] (%q): role %q, want setup, proxy, sidecar or companion", ErrInvalid, i, e.Name, e.Role)
		}
		if e.Name == "" {
			return nil, fmt.Errorf("%w: containers[%d]: name is required", ErrInvalid, i)
		}
		e.images = nil
		for _, g := range e.Images {
			e.images = append(e.images, GlobRegexp(g))
		}
		c.byName[e.Name] = append(c.byName[e.Name], i)
	}
	for i, k := range cfg.Kinds {
		if err := k.validate(); err != nil {
			return nil, fmt.Errorf("%w: kinds[%d] (%s/%s): %v", ErrInvalid, i, k.Group, k.Kind, err)
		}
	}
	return c, nil
}

// GlobRegexp compiles an image glob: `*` matches any run of characters
// (slashes included), `?` one character, everything else is literal, and the
// whole image must match.
func GlobRegexp(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// applies reports whether e applies to a pod whose init containers are initNames.
func (e *Entry) applies(initNames []string) bool {
	if len(e.RequiresSetup) == 0 {
		return true
	}
	for _, want := range e.RequiresSetup {
		for _, n := range initNames {
			if n == want {
				return true
			}
		}
	}
	return false
}

// Classify returns the entry for a container by exact name, else by image
// glob, considering only entries that apply to a pod with init containers
// initNames (see docs/RULES.md).
func (c *Catalog) Classify(name, image string, initNames []string) (Entry, bool) {
	for _, i := range c.byName[name] {
		if e := &c.Containers[i]; e.applies(initNames) {
			return *e, true
		}
	}
	if image == "" {
		return Entry{}, false
	}
	for i := range c.Containers {
		e := &c.Containers[i]
		for _, re := range e.images {
			if re.MatchString(image) && e.applies(initNames) {
				return *e, true
			}
		}
	}
	return Entry{}, false
}

// KindPaths returns the pod spec paths configured for a custom kind: those
// of the first entry with that group and kind.
func (c *Catalog) KindPaths(group, kind string) ([][]string, bool) {
	for _, k := range c.Kinds {
		if k.Group == group && k.Kind == kind {
			return k.Paths(), true
		}
	}
	return nil, false
}
