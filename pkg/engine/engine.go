// Package engine is the one interface every entry point (mutate, diff,
// check, krm, the webhook and external data) plans and checks objects
// through, and its Go implementation (pkg/mutate plans, pkg/validate
// checks). *regoengine.Engine is the other implementation; the CLI picks
// one by --engine.
package engine

import (
	"context"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

// Engine plans the conversion of one object and checks it. Implementations
// are safe for concurrent use and never modify obj.
type Engine interface {
	// Plan decides what converting obj changes. When the target version
	// cannot run native sidecars it fails with mutate.ErrKubeVersion.
	Plan(obj map[string]any) (*mutate.Plan, error)
	// Check returns obj's findings (File and Line unset), sorted with
	// validate.Sort.
	Check(ctx context.Context, obj map[string]any) ([]validate.Finding, error)
	// Catalog classifies containers and locates pod specs.
	Catalog() *catalog.Catalog
	// Warnings are about the configuration (Kubernetes 1.28).
	Warnings() []string
}

// Options configure the Go engine, as regoengine.Options do the Rego one.
type Options struct {
	// Catalog classifies containers; nil means catalog.Default().
	Catalog *catalog.Catalog
	// KubeVersion is the target cluster version ("1.29", "v1.30.2"); ""
	// means current.
	KubeVersion string
}

// New returns the Go engine. It fails for a kube version that does not
// parse; below 1.28 it still checks (NS006 is about exactly that) and Plan
// refuses with mutate.ErrKubeVersion, as *regoengine.Engine does: callers
// that only convert call mutate.TargetVersion first to refuse early.
func New(opts Options) (Engine, error) {
	if opts.Catalog == nil {
		opts.Catalog = catalog.Default()
	}
	return newGo(opts)
}

// goEngine is the Go rules: pkg/mutate plans, pkg/validate checks.
type goEngine struct {
	// m is nil when the version cannot convert; refused is then Plan's error.
	m       *mutate.Mutator
	refused error
	c       *validate.Checker
}

func newGo(opts Options) (*goEngine, error) {
	c, err := validate.New(validate.Options{Catalog: opts.Catalog, KubeVersion: opts.KubeVersion})
	if err != nil {
		return nil, err
	}
	// validate.New refused a version that does not parse, so mutate.New
	// fails only for one below 1.28.
	m, refused := mutate.New(mutate.Options{Catalog: opts.Catalog, KubeVersion: opts.KubeVersion})
	return &goEngine{m: m, refused: refused, c: c}, nil
}

func (e *goEngine) Plan(obj map[string]any) (*mutate.Plan, error) {
	if e.refused != nil {
		return nil, e.refused
	}
	return e.m.Plan(obj)
}

func (e *goEngine) Check(_ context.Context, obj map[string]any) ([]validate.Finding, error) {
	return e.c.Check(obj), nil
}

func (e *goEngine) Catalog() *catalog.Catalog { return e.c.Catalog() }

func (e *goEngine) Warnings() []string {
	if e.m == nil {
		return nil
	}
	return e.m.Warnings()
}

// WithChecks returns e with its checks replaced by check (the Gatekeeper
// library evaluated in process): plans still come from e.
func WithChecks(e Engine, check func(ctx context.Context, obj map[string]any) ([]validate.Finding, error)) Engine {
	return withChecks{Engine: e, check: check}
}

type withChecks struct {
	Engine
	check func(ctx context.Context, obj map[string]any) ([]validate.Finding, error)
}

func (w withChecks) Check(ctx context.Context, obj map[string]any) ([]validate.Finding, error) {
	return w.check(ctx, obj)
}
