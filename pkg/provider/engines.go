package provider

import (
	"github.com/nativize/nativize/pkg/mutate"
)

// mutateEngine adapts a mutate.Mutator to Mutator.
type mutateEngine struct{ m *mutate.Mutator }

// MutatorFrom adapts the conversion engine: the patch of its plan, its
// configuration warnings (Kubernetes 1.28) and the plan's notes (pod specs
// that needed work but were left alone) as warnings.
func MutatorFrom(m *mutate.Mutator) Mutator { return mutateEngine{m} }

// Patch implements Mutator.
func (e mutateEngine) Patch(obj map[string]any) ([]any, []string, error) {
	plan, err := e.m.Plan(obj)
	if err != nil {
		return nil, nil, err
	}
	warnings := append(append([]string(nil), e.m.Warnings()...), plan.Notes...)
	if plan.Empty() {
		return nil, warnings, nil
	}
	patch := plan.Patch()
	ops := make([]any, len(patch))
	for i, op := range patch {
		ops[i] = op
	}
	return ops, warnings, nil
}
