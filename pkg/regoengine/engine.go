// Package regoengine runs the embedded Rego policies (policies/) with the OPA
// Go SDK: the Rego twin of pkg/mutate and pkg/validate, held to them by a
// parity test. The policies are compiled once per Engine.
package regoengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
	"github.com/nativize/nativize/pkg/workload"
	"github.com/nativize/nativize/policies"
)

// ErrResult is wrapped when a query result does not have the expected shape.
var ErrResult = errors.New("unexpected Rego result")

// Options configure an Engine, as mutate.Options and validate.Options do.
type Options struct {
	// Catalog classifies containers; nil means the default catalog.
	Catalog *catalog.Catalog
	// KubeVersion is the target cluster version ("1.29", "v1.30.2"); empty means current.
	KubeVersion string
}

// Engine evaluates the embedded policies. It is safe for concurrent use.
type Engine struct {
	mutateQuery rego.PreparedEvalQuery
	planQuery   rego.PreparedEvalQuery
	checkQuery  rego.PreparedEvalQuery
	parameters  ast.Value
	// refused is the error every Mutate returns when the target version
	// cannot run native sidecars.
	refused error
	// warnings are mutate.TargetVersion's (Kubernetes 1.28).
	warnings []string
	cat      *catalog.Catalog
}

// Warnings returns warnings about the configuration (Kubernetes 1.28).
func (e *Engine) Warnings() []string { return e.warnings }

// Catalog returns the catalog the engine was built with, for callers that
// locate pod specs themselves (workload.Shape).
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

// New prepares the mutate, plan and check queries (the policies are compiled
// once per process).
func New(opts Options) (*Engine, error) {
	e := &Engine{cat: opts.Catalog}
	if e.cat == nil {
		e.cat = catalog.Default()
	}
	params := map[string]any{}
	if opts.KubeVersion != "" {
		v, err := mutate.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, err
		}
		params["kubeVersion"] = fmt.Sprintf("%d.%d", v.Major, v.Minor)
		e.warnings, e.refused = mutate.TargetVersion(opts.KubeVersion)
	}
	if opts.Catalog != nil && opts.Catalog != catalog.Default() {
		cat, err := toValue(opts.Catalog.Config)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		params["catalog"] = cat
	}
	pv, err := ast.InterfaceToValue(params)
	if err != nil {
		return nil, err
	}
	e.parameters = pv

	compiler, err := compiled()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	e.mutateQuery, err = rego.New(rego.Query("patch := data.nativize.mutate.patch"), rego.Compiler(compiler)).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare mutate: %w", err)
	}
	e.planQuery, err = rego.New(rego.Query("conversion := data.nativize.mutate.conversion"), rego.Compiler(compiler)).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare plan: %w", err)
	}
	e.checkQuery, err = rego.New(rego.Query("findings := data.nativize.validate.findings"), rego.Compiler(compiler)).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare check: %w", err)
	}
	return e, nil
}

// compiled compiles the embedded policies once per process; the compiler is
// read-only afterwards and shared by every Engine's prepared queries.
var compiled = sync.OnceValues(func() (*ast.Compiler, error) {
	modules, err := Modules()
	if err != nil {
		return nil, err
	}
	c, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV1}})
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	return c, nil
})

// Modules returns the embedded policy sources (tests excluded), keyed by file name.
func Modules() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") || strings.HasSuffix(path, "_test.rego") {
			return err
		}
		b, err := policies.FS.ReadFile(path)
		out["policies/"+path] = string(b)
		return err
	})
	return out, err
}

// input wraps obj in the review form the policies read parameters from.
func (e *Engine) input(obj map[string]any) (ast.Value, error) {
	o, err := ast.InterfaceToValue(obj)
	if err != nil {
		return nil, err
	}
	return ast.NewObject(
		ast.Item(ast.StringTerm("review"), ast.NewTerm(ast.NewObject(ast.Item(ast.StringTerm("object"), ast.NewTerm(o))))),
		ast.Item(ast.StringTerm("parameters"), ast.NewTerm(e.parameters)),
	), nil
}

// Mutate returns the converted object and the RFC 6902 patch; out is obj
// itself when nothing changes. obj is not modified.
func (e *Engine) Mutate(ctx context.Context, obj map[string]any) (out map[string]any, patch []mutate.PatchOp, err error) {
	if e.refused != nil {
		return nil, nil, e.refused
	}
	in, err := e.input(obj)
	if err != nil {
		return nil, nil, err
	}
	rs, err := e.mutateQuery.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil {
		return nil, nil, err
	}
	if len(rs) != 1 {
		return nil, nil, fmt.Errorf("%w: %d mutate results", ErrResult, len(rs))
	}
	ops, _ := rs[0].Bindings["patch"].([]any)
	if len(ops) == 0 {
		return obj, nil, nil
	}
	for _, raw := range ops {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("%w: patch operation %T", ErrResult, raw)
		}
		op, _ := m["op"].(string)
		path, _ := m["path"].(string)
		patch = append(patch, mutate.PatchOp{Op: op, Path: path, Value: Normalize(m["value"])})
	}
	out, err = Apply(obj, patch)
	if err != nil {
		return nil, nil, err
	}
	return out, patch, nil
}

// regoSpec is a SpecPlan as the policies write it (data.nativize.mutate.conversion).
type regoSpec struct {
	Object         workload.Object    `json:"object"`
	Path           []any              `json:"path"`
	HadInit        bool               `json:"hadInit"`
	Init           []mutate.Placement `json:"init"`
	Kept           []int              `json:"kept"`
	Edits          []mutate.Edit      `json:"edits"`
	Annotations    []regoAnnotation   `json:"annotations"`
	InitContainers []any              `json:"initContainers"`
	Containers     []any              `json:"containers"`
}

type regoAnnotation struct {
	MetaPath []any  `json:"metaPath"`
	Key      string `json:"key"`
	Value    string `json:"value"`
}

// Plan returns the conversion plan the policies compute, in pkg/mutate's
// shape, so the appliers (object, JSON patch, YAML node rewrite) can use it;
// *Engine satisfies rewrite.Engine.
func (e *Engine) Plan(obj map[string]any) (*mutate.Plan, error) {
	if e.refused != nil {
		return nil, e.refused
	}
	in, err := e.input(obj)
	if err != nil {
		return nil, err
	}
	rs, err := e.planQuery.Eval(context.Background(), rego.EvalParsedInput(in))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("%w: %d plan results", ErrResult, len(rs))
	}
	raw, err := json.Marshal(rs[0].Bindings["conversion"])
	if err != nil {
		return nil, err
	}
	var conv struct {
		Specs []regoSpec `json:"specs"`
		Notes []string   `json:"notes"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&conv); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrResult, err)
	}
	p := &mutate.Plan{}
	if len(conv.Notes) > 0 {
		p.Notes = conv.Notes
	}
	for _, rs := range conv.Specs {
		sp := mutate.SpecPlan{
			Object:         rs.Object,
			Path:           segments(rs.Path),
			HadInit:        rs.HadInit,
			Init:           rs.Init,
			InitContainers: Normalize(rs.InitContainers).([]any),
			Containers:     Normalize(rs.Containers).([]any),
		}
		if len(rs.Kept) > 0 {
			sp.Kept = rs.Kept
		}
		for _, ed := range rs.Edits {
			ed.Value = Normalize(ed.Value)
			sp.Edits = append(sp.Edits, ed)
		}
		for _, a := range rs.Annotations {
			sp.Annotations = append(sp.Annotations, mutate.AnnotationEdit{MetaPath: segments(a.MetaPath), Key: a.Key, Value: a.Value})
		}
		if sp.InitContainers == nil {
			sp.InitContainers = []any{}
		}
		if sp.Containers == nil {
			sp.Containers = []any{}
		}
		p.Specs = append(p.Specs, sp)
	}
	return p, nil
}

// segments writes a path of keys and list indexes as strings.
func segments(path []any) []string {
	out := make([]string, len(path))
	for i, s := range path {
		out[i] = fmt.Sprint(s)
	}
	return out
}

// Check returns the findings for obj, sorted with validate.Compare.
func (e *Engine) Check(ctx context.Context, obj map[string]any) ([]validate.Finding, error) {
	in, err := e.input(obj)
	if err != nil {
		return nil, err
	}
	rs, err := e.checkQuery.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("%w: %d check results", ErrResult, len(rs))
	}
	raw, err := json.Marshal(rs[0].Bindings["findings"])
	if err != nil {
		return nil, err
	}
	var fs []validate.Finding
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&fs); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrResult, err)
	}
	for i := range fs {
		for j := range fs[i].Fix {
			fs[i].Fix[j].Value = Normalize(fs[i].Fix[j].Value)
		}
	}
	if len(fs) == 0 {
		return nil, nil
	}
	validate.Sort(fs)
	return fs, nil
}

// Normalize turns Rego output into the values the document reader produces:
// json.Number becomes int64 when it is an integer, else float64.
func Normalize(v any) any { return document.Normalize(v) }

// Apply returns a deep copy of obj with the add and replace operations of
// patch applied (the only operations the policies emit); obj is untouched.
func Apply(obj map[string]any, patch []mutate.PatchOp) (map[string]any, error) {
	out := mutate.DeepCopy(obj).(map[string]any)
	for _, op := range patch {
		if op.Op != "add" && op.Op != "replace" {
			return nil, fmt.Errorf("%w: operation %q", ErrResult, op.Op)
		}
		segs := strings.Split(op.Path, "/")
		if len(segs) < 2 || segs[0] != "" {
			return nil, fmt.Errorf("%w: path %q", ErrResult, op.Path)
		}
		var parent any = out
		for _, seg := range segs[1 : len(segs)-1] {
			parent = child(parent, unescape(seg))
		}
		m, ok := parent.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: path %q does not lead to an object", ErrResult, op.Path)
		}
		m[unescape(segs[len(segs)-1])] = mutate.DeepCopy(op.Value)
	}
	return out, nil
}

func child(v any, key string) any {
	switch t := v.(type) {
	case map[string]any:
		return t[key]
	case []any:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(t) {
			return t[i]
		}
	}
	return nil
}

func unescape(seg string) string {
	return strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
}

// toValue converts a typed value to plain JSON data.
func toValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}
