package gatekeeper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"

	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"
	"github.com/open-policy-agent/frameworks/constraint/pkg/types"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/util"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/nativize/nativize/library"
	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/regoengine"
	"github.com/nativize/nativize/pkg/validate"
)

// enforcementPoint is the enforcement point reviews run under (gator's).
const enforcementPoint = util.GatorEnforcementPoint

// Options configure an Engine.
type Options struct {
	// Library holds the ConstraintTemplates and Constraints; nil means the
	// embedded library (library.FS). Use os.DirFS for `--library DIR`.
	Library fs.FS
	// Catalog, when set and not the default, replaces the catalog of every
	// Constraint (parameters.catalog), and its kinds are added to each
	// Constraint's match.
	Catalog *catalog.Catalog
	// KubeVersion, when set, is every Constraint's parameters.kubeVersion.
	KubeVersion string
	// ExternalData, when set, answers the external_data calls of templates
	// for every Provider the library holds, in process. Without it those
	// calls fail as with an unreachable provider. Gatekeeper's Rego driver
	// registers external_data once per process, so only the Engine created
	// last among those whose library has Providers answers such calls.
	ExternalData ExternalDataFunc
}

// Engine reviews objects against the library's Constraints. It is safe for
// concurrent use.
type Engine struct {
	client *constraintclient.Client
	stop   func()
}

// New compiles the library's templates once and adds its Constraints, with
// the parameters opts carries.
func New(opts Options) (*Engine, error) {
	lib := opts.Library
	if lib == nil {
		lib = library.FS
	}
	b, err := loadBundle(lib)
	if err != nil {
		return nil, err
	}
	overrides, err := parameterOverrides(opts)
	if err != nil {
		return nil, err
	}
	e := &Engine{stop: func() {}}
	// The Rego driver registers its external_data builtin process-wide: the
	// last driver created with a provider cache answers every call. So only
	// a library with Providers gets one; without a hook it stays empty and
	// calls fail as with an unreachable provider (templates still compile).
	var args []rego.Arg
	if len(b.providers) > 0 {
		args = []rego.Arg{rego.AddExternalDataProviderCache(externaldata.NewCache())}
	}
	if opts.ExternalData != nil && len(b.providers) > 0 {
		ed, err := startExternalData(opts.ExternalData, b.providers)
		if err != nil {
			return nil, err
		}
		e.stop = ed.close
		args = ed.driverArgs()
	}
	driver, err := rego.New(args...)
	if err != nil {
		e.stop()
		return nil, err
	}
	e.client, err = constraintclient.NewClient(
		constraintclient.Targets(&target.K8sValidationTarget{}),
		constraintclient.Driver(driver),
		constraintclient.EnforcementPoints(enforcementPoint),
	)
	if err != nil {
		e.stop()
		return nil, err
	}
	ctx := context.Background()
	for _, t := range b.templates {
		if _, err := e.client.AddTemplate(ctx, t); err != nil {
			e.stop()
			return nil, fmt.Errorf("%w: template %s: %w", ErrLibrary, t.GetName(), err)
		}
	}
	for _, c := range b.constraints {
		c = c.DeepCopy()
		if err := applyOverrides(c, overrides, opts.Catalog); err != nil {
			e.stop()
			return nil, err
		}
		if _, err := e.client.AddConstraint(ctx, c); err != nil {
			e.stop()
			return nil, fmt.Errorf("%w: constraint %s %s: %w", ErrLibrary, c.GetKind(), c.GetName(), err)
		}
	}
	return e, nil
}

// Close releases what New started (the in-process external data provider).
func (e *Engine) Close() { e.stop() }

// parameterOverrides returns the parameters every Constraint gets from opts.
func parameterOverrides(opts Options) (map[string]any, error) {
	out := map[string]any{}
	if opts.KubeVersion != "" {
		v, err := mutate.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, err
		}
		out["kubeVersion"] = fmt.Sprintf("%d.%d", v.Major, v.Minor)
	}
	if opts.Catalog != nil && opts.Catalog != catalog.Default() {
		raw, err := json.Marshal(opts.Catalog.Config)
		if err != nil {
			return nil, err
		}
		var cat map[string]any
		if err := json.Unmarshal(raw, &cat); err != nil {
			return nil, err
		}
		out["catalog"] = cat
	}
	return out, nil
}

// applyOverrides sets the parameters and, for a catalog with custom kinds,
// extends the Constraint's match so those kinds are reviewed too.
func applyOverrides(c *unstructured.Unstructured, overrides map[string]any, cat *catalog.Catalog) error {
	for k, v := range overrides {
		if err := unstructured.SetNestedField(c.Object, runtimeJSON(v), "spec", "parameters", k); err != nil {
			return fmt.Errorf("%w: constraint %s: %w", ErrLibrary, c.GetName(), err)
		}
	}
	if _, ok := overrides["catalog"]; !ok || cat == nil {
		return nil
	}
	kinds, found, err := unstructured.NestedSlice(c.Object, "spec", "match", "kinds")
	if err != nil || !found {
		return err // no match.kinds: every kind matches already
	}
	for _, k := range cat.Kinds {
		kinds = append(kinds, map[string]any{"apiGroups": []any{k.Group}, "kinds": []any{k.Kind}})
	}
	return unstructured.SetNestedSlice(c.Object, kinds, "spec", "match", "kinds")
}

// runtimeJSON makes v a tree of the types unstructured accepts (JSON round
// trip; numbers stay exact as json.Number).
func runtimeJSON(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return v
	}
	return out
}

// Check reviews obj (a v1 List item by item, as the other engines locate
// pod specs in List items) and returns its findings, sorted with
// validate.Compare. File and line are left to the caller.
func (e *Engine) Check(ctx context.Context, obj map[string]any) ([]validate.Finding, error) {
	var out []validate.Finding
	if err := e.check(ctx, obj, &out); err != nil {
		return nil, err
	}
	validate.Sort(out)
	out = slices.CompactFunc(out, func(a, b validate.Finding) bool {
		return validate.Compare(a, b) == 0 && sameFix(a.Fix, b.Fix)
	})
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (e *Engine) check(ctx context.Context, obj map[string]any, out *[]validate.Finding) error {
	if obj["apiVersion"] == "v1" && obj["kind"] == "List" {
		items, _ := obj["items"].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				if err := e.check(ctx, m, out); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Gatekeeper cannot match an object without apiVersion and kind (it
	// reports "unable to match constraints" for every constraint); it is not
	// a workload, and the other engines find nothing in it either.
	if v, _ := obj["apiVersion"].(string); v == "" {
		return nil
	}
	if k, _ := obj["kind"].(string); k == "" {
		return nil
	}
	u := unstructured.Unstructured{Object: runtimeJSON(obj).(map[string]any)}
	resp, err := e.client.Review(ctx, target.AugmentedUnstructured{Object: u, Source: mutationtypes.SourceTypeOriginal},
		reviews.EnforcementPoint(enforcementPoint))
	if err != nil {
		return fmt.Errorf("gatekeeper review: %w", err)
	}
	for _, r := range resp.Results() {
		f, err := toFinding(r, obj)
		if err != nil {
			return err
		}
		*out = append(*out, f)
	}
	return nil
}

// toFinding maps one violation of obj to a finding. The library's templates
// put the policies' finding (check, severity, object, container, fix) in
// details and its message in msg; a violation of any other template becomes
// a finding whose check is the Constraint kind and whose severity follows
// the enforcement action.
func toFinding(r *types.Result, obj map[string]any) (validate.Finding, error) {
	var f validate.Finding
	if d, ok := r.Metadata["details"].(map[string]any); ok {
		raw, err := json.Marshal(d)
		if err != nil {
			return f, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&f); err != nil {
			// Not our details: keep the violation, without them.
			f = validate.Finding{}
		}
	}
	if f.Check == "" || f.Object == (validate.Object{}) {
		f.Fix = nil
	}
	if f.Check == "" {
		f.Check = r.Constraint.GetKind()
	}
	if f.Object == (validate.Object{}) {
		f.Object = objectOf(obj)
	}
	f.Message = r.Msg
	if f.Severity == "" {
		f.Severity = severityOf(r.EnforcementAction)
	}
	for i := range f.Fix {
		f.Fix[i].Value = regoengine.Normalize(f.Fix[i].Value)
	}
	return f, nil
}

// objectOf identifies obj as the policies do: each field a string or "".
func objectOf(obj map[string]any) validate.Object {
	str := func(v any) string { s, _ := v.(string); return s }
	meta, _ := obj["metadata"].(map[string]any)
	return validate.Object{
		APIVersion: str(obj["apiVersion"]),
		Kind:       str(obj["kind"]),
		Namespace:  str(meta["namespace"]),
		Name:       str(meta["name"]),
	}
}

// severityOf is the severity of a violation without details.severity.
func severityOf(action string) validate.Severity {
	switch action {
	case "deny":
		return validate.SeverityError
	case "warn":
		return validate.SeverityWarning
	}
	return validate.SeverityInfo
}

// sameFix reports whether two fixes are the same patch.
func sameFix(a, b []mutate.PatchOp) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
