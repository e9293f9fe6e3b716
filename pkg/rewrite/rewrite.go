// Package rewrite turns read documents into converted bytes: it runs the
// mutate plan on each document and writes the result losslessly (unchanged
// documents byte for byte, changed YAML through its node tree).
package rewrite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/workload"
	// sigs.k8s.io/yaml: a JSON document is written as YAML through its JSON
	// form, as kubectl writes objects (node-tree documents use yaml/v3).
	"sigs.k8s.io/yaml"
)

// Result is the outcome for one document.
type Result struct {
	// Out is the document to write: its original bytes when unchanged.
	Out []byte
	// Object is the converted object (the original when unchanged); nil for
	// empty or broken documents.
	Object map[string]any
	// Plan is what changed (empty when nothing did).
	Plan *mutate.Plan
	// Changed reports whether Out differs from the original.
	Changed bool
	// Err is a parse or conversion error carrying FILE:LINE.
	Err error
}

// Doc converts one document. A broken document keeps its raw bytes in Out
// (so in-place rewriting never loses it) and reports Err.
func Doc(e engine.Engine, d *document.Doc) Result {
	r := Result{Out: d.Raw, Object: d.Object, Plan: &mutate.Plan{}}
	if d.Err != nil {
		r.Object, r.Err = nil, d.Err
		return r
	}
	if d.Object == nil {
		return r
	}
	if err := Shape(e.Catalog(), d); err != nil {
		r.Err = err
		return r
	}
	plan, err := e.Plan(d.Object)
	if err != nil {
		r.Err = fmt.Errorf("%s: %w", d.Where(), err)
		return r
	}
	r.Plan = plan
	if plan.Empty() {
		return r
	}
	r.Object = mutate.ApplyObject(d.Object, plan)
	if d.JSON || d.Node == nil {
		out, err := json.MarshalIndent(r.Object, "", "  ")
		if err != nil {
			r.Err = fmt.Errorf("%s: %w", d.Where(), err)
			return r
		}
		r.Out, r.Changed = append(out, '\n'), true
		return r
	}
	if err := mutate.ApplyNode(d.Node, plan); err != nil {
		r.Err = fmt.Errorf("%s: %w", d.Where(), err)
		return r
	}
	out, err := document.EncodeNode(d, d.Node)
	if err != nil {
		r.Err = fmt.Errorf("%s: %w", d.Where(), err)
		return r
	}
	r.Out, r.Changed = out, !bytes.Equal(out, d.Raw)
	return r
}

// Shape checks the workloads of a decoded document (workload.Shape) and
// returns their problems located in the file, one a line, or nil. Both
// engines' paths (mutate, diff, --in-place, krm through Doc, and check)
// refuse such a document before planning; errors.Is matches
// workload.ErrShape.
func Shape(cat *catalog.Catalog, d *document.Doc) error {
	var errs []error
	for _, se := range workload.Shape(d.Object, cat) {
		errs = append(errs, d.At(se.Path, se))
	}
	return errors.Join(errs...)
}

// AsYAML returns the document as YAML for a stream: JSON documents are
// converted to YAML, YAML ones are kept as they are.
func AsYAML(d *document.Doc, r Result) ([]byte, error) {
	if !d.JSON || r.Object == nil {
		return r.Out, nil
	}
	return yaml.Marshal(r.Object)
}
