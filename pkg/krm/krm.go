// Package krm runs nativize as a KRM function (kustomize, kpt): it converts
// the items of a config.kubernetes.io/v1 ResourceList to native sidecars and
// appends the findings of the checks to the list's results.
package krm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/rewrite"
	"github.com/nativize/nativize/pkg/validate"
)

// Errors a caller tells apart with errors.Is.
var (
	// ErrInput is wrapped when stdin is not a ResourceList; nothing is written.
	ErrInput = errors.New("input is not a config.kubernetes.io ResourceList")
	// ErrConfig is wrapped when the functionConfig is invalid; it is reported
	// as an error result and the items are passed through unchanged.
	ErrConfig = errors.New("invalid functionConfig")
)

// Options are the defaults a functionConfig may override.
type Options struct {
	// Catalog classifies containers; nil means catalog.Default().
	Catalog *catalog.Catalog
	// KubeVersion is the target cluster version; empty means current.
	KubeVersion string
	// FailOn is the least severity that makes the function fail: error
	// (the default when empty), warning or never.
	FailOn string
}

// Output is what one run of the function produced.
type Output struct {
	// ResourceList is the ResourceList to write to stdout.
	ResourceList []byte
	// Results are the results appended to the list, in item order.
	Results []Result
	// Failed reports a result at or above the failOn severity; the function
	// then exits non-zero, as the KRM function specification asks.
	Failed bool
}

// Process runs the function on a serialized ResourceList (YAML or JSON). It
// converts every item it can, keeps item order, unknown fields and comments,
// and returns the list with the results appended. It fails only when the
// input is not a ResourceList.
func Process(input []byte, opts Options) (*Output, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(input, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInput, located(input, err))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: want a mapping", ErrInput)
	}
	root := doc.Content[0]
	apiVersion, kind := scalar(root, "apiVersion"), scalar(root, "kind")
	if !strings.HasPrefix(apiVersion, "config.kubernetes.io/") || kind != "ResourceList" {
		return nil, fmt.Errorf("%w: got apiVersion %q kind %q", ErrInput, apiVersion, kind)
	}
	items := value(root, "items")
	if items != nil && items.Kind != yaml.SequenceNode && items.Tag != "!!null" {
		return nil, fmt.Errorf("%w: items must be a list", ErrInput)
	}
	if items != nil && items.Kind == yaml.ScalarNode && items.Tag == "!!null" {
		// An empty value ("items":) would be written back as '' (a
		// string), which no function accepts: write it as null.
		items.Value, items.Style = "null", 0
	}

	var results []Result
	opts, err := applyConfig(value(root, "functionConfig"), opts)
	if err == nil {
		results, err = run(items, opts)
	}
	if err != nil {
		// The items pass through unchanged; the result says why.
		results = append(results, Result{Message: err.Error(), Severity: SeverityError})
	}
	threshold, ferr := failOnSeverity(opts.FailOn)
	if ferr != nil {
		threshold = validate.SeverityError
	}
	out := &Output{Results: results}
	for _, r := range results {
		if threshold != "" && validate.Severity(r.Severity).AtLeast(threshold) || r.Tags[inputErrorTag] != "" {
			out.Failed = true
		}
	}
	if err := appendResults(root, results); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	out.ResourceList = buf.Bytes()
	return out, nil
}

// run converts and checks every item in place and returns the results.
func run(items *yaml.Node, opts Options) ([]Result, error) {
	eng, err := engine.New(engine.Options{Catalog: opts.Catalog, KubeVersion: opts.KubeVersion})
	if err != nil {
		return nil, fmt.Errorf("%w: kubeVersion: %v", ErrConfig, err)
	}
	var results []Result
	// Below 1.28 nothing converts: report it once, still run the checks.
	_, refused := mutate.TargetVersion(opts.KubeVersion)
	if refused != nil {
		results = append(results, Result{Message: "not converted: " + refused.Error(), Severity: SeverityError})
	}
	for _, w := range eng.Warnings() {
		results = append(results, Result{Message: w, Severity: SeverityWarning})
	}
	if items == nil {
		return results, nil
	}
	for i := range items.Content {
		results = append(results, item(items, i, eng, refused == nil)...)
	}
	return results, nil
}

// item converts items.Content[i] (replacing the node when it changes) and
// returns its results. An item that cannot be read or converted gets one
// error result naming it (items[i], its resourceRef and the file and index
// its path annotations give) and stays as it was; the other items go on.
func item(items *yaml.Node, i int, eng engine.Engine, convert bool) []Result {
	name := fmt.Sprintf("items[%d]", i)
	n := items.Content[i]
	broken := func(msg string, field string) []Result {
		r := Result{Message: name + ": " + msg, Severity: SeverityError, ResourceRef: nodeRef(n), File: nodeFile(n),
			Tags: map[string]string{inputErrorTag: "true"}}
		if field != "" {
			r.Field = &Field{Path: field}
		}
		return []Result{r}
	}
	if n.Kind != yaml.MappingNode {
		return broken("expected a Kubernetes object (a mapping), got "+nodeKind(n), "")
	}
	raw, err := encode(n)
	if err != nil {
		return broken(err.Error(), "")
	}
	docs := document.Split(name, raw)
	if len(docs) != 1 {
		return broken("not one document", "")
	}
	d := &docs[0]
	if d.Err != nil {
		return broken(itemMessage(d.Err), "")
	}
	if d.Object == nil {
		return nil
	}
	file := fileOf(d.Object)
	var out []Result
	checked := d.Object
	if convert {
		r := rewrite.Doc(eng, d)
		switch {
		case r.Err != nil:
			return broken(itemMessage(r.Err), "")
		case r.Changed:
			var conv yaml.Node
			if err := yaml.Unmarshal(r.Out, &conv); err != nil || len(conv.Content) == 0 {
				return broken(fmt.Sprintf("converted item does not parse: %v", err), "")
			}
			// NS008 compares requests before and after the conversion, so it
			// is only found on the original.
			original, err := eng.Check(context.Background(), d.Object)
			if err != nil {
				return broken("check: "+err.Error(), "")
			}
			items.Content[i] = conv.Content[0]
			checked = r.Object
			out = append(out, converted(r.Plan, file)...)
			for _, f := range original {
				if f.Check == "NS008" {
					out = append(out, fromFinding(f, nil, file))
				}
			}
		}
		if r.Plan != nil {
			for _, note := range r.Plan.Notes {
				out = append(out, Result{Message: "not converted: " + note, Severity: SeverityInfo, ResourceRef: refOf(d.Object), File: file})
			}
		}
	}
	findings, err := eng.Check(context.Background(), checked)
	if err != nil {
		return append(out, broken("check: "+err.Error(), "")...)
	}
	targets := validate.Targets(checked, eng.Catalog())
	for _, f := range findings {
		var path []string
		for _, t := range targets {
			if t.Object == f.Object && f.Container != "" {
				path = t.Containers[f.Container]
				break
			}
		}
		out = append(out, fromFinding(f, path, file))
	}
	return out
}

// inputErrorTag marks the result of an item that could not be read or
// converted: it fails the function whatever failOn says, since the item
// was passed through unconverted.
const inputErrorTag = "nativize.dev/input-error"

// itemMessage is an item's read or conversion error without the
// "items[i]:LINE:" position of the re-encoded item, whose lines are not
// those of any file: the result's resourceRef and file locate it.
func itemMessage(err error) string {
	var pe *document.ParseError
	if errors.As(err, &pe) {
		return strings.TrimPrefix(pe.Msg, "document 1: ")
	}
	return itemPosition.ReplaceAllString(err.Error(), "")
}

// itemPosition is the "items[i]:LINE: document 1: " start of an error about
// a re-encoded item.
var itemPosition = regexp.MustCompile(`^items\[\d+\]:\d+: (document \d+: )?`)

// nodeKind names a YAML node's kind for messages.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "a scalar (" + strings.TrimPrefix(n.Tag, "!!") + ")"
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// nodeRef identifies an item from its YAML node, for an item that does not
// decode: the scalar apiVersion, kind, metadata.name and namespace it has.
func nodeRef(n *yaml.Node) *ResourceRef {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	ref := &ResourceRef{APIVersion: scalar(n, "apiVersion"), Kind: scalar(n, "kind")}
	if md := value(n, "metadata"); md != nil && md.Kind == yaml.MappingNode {
		ref.Name, ref.Namespace = scalar(md, "name"), scalar(md, "namespace")
	}
	if *ref == (ResourceRef{}) {
		return nil
	}
	return ref
}

// nodeFile is fileOf for an item's YAML node.
func nodeFile(n *yaml.Node) *File {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	md := value(n, "metadata")
	if md == nil || md.Kind != yaml.MappingNode {
		return nil
	}
	ann := value(md, "annotations")
	if ann == nil || ann.Kind != yaml.MappingNode {
		return nil
	}
	m := map[string]any{}
	for i := 0; i+1 < len(ann.Content); i += 2 {
		if v := ann.Content[i+1]; v.Kind == yaml.ScalarNode {
			m[ann.Content[i].Value] = v.Value
		}
	}
	return fileOf(map[string]any{"metadata": map[string]any{"annotations": m}})
}

// converted describes each pod spec the conversion changed as an info result.
func converted(p *mutate.Plan, file *File) []Result {
	var out []Result
	for _, sp := range p.Specs {
		var moved []string
		for _, pl := range sp.Init {
			if pl.From == "containers" {
				moved = append(moved, pl.Name)
			}
		}
		var msg string
		switch len(moved) {
		case 0:
			msg = "reordered initContainers: network setup, then proxies, then the rest"
		case 1:
			msg = fmt.Sprintf("moved %s to initContainers as a native sidecar (restartPolicy: Always)", moved[0])
		default:
			msg = fmt.Sprintf("moved %s to initContainers as native sidecars (restartPolicy: Always)", strings.Join(moved, ", "))
		}
		o := sp.Object
		out = append(out, Result{
			Message:     msg,
			Severity:    SeverityInfo,
			ResourceRef: &ResourceRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
			Field:       &Field{Path: FieldPath(append(append([]string(nil), sp.Path...), "initContainers"))},
			File:        file,
			Tags:        map[string]string{"nativize.dev/action": "convert"},
		})
	}
	return out
}

// fromFinding turns a check finding into a KRM result.
func fromFinding(f validate.Finding, path []string, file *File) Result {
	r := Result{
		Message:     f.Message,
		Severity:    string(f.Severity),
		ResourceRef: &ResourceRef{APIVersion: f.Object.APIVersion, Kind: f.Object.Kind, Namespace: f.Object.Namespace, Name: f.Object.Name},
		File:        file,
		Tags:        map[string]string{"nativize.dev/check": f.Check},
	}
	if f.Container != "" {
		r.Tags["nativize.dev/container"] = f.Container
	}
	if len(path) > 0 {
		r.Field = &Field{Path: FieldPath(path)}
	}
	return r
}

// FieldPath renders a document path the way KRM results spell field paths:
// spec.template.spec.containers[1].
func FieldPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			fmt.Fprintf(&b, "[%s]", p)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// Annotations kustomize and kpt set on items to say where they came from.
var (
	pathAnnotations  = []string{"internal.config.kubernetes.io/path", "config.kubernetes.io/path"}
	indexAnnotations = []string{"internal.config.kubernetes.io/index", "config.kubernetes.io/index"}
)

// fileOf returns the file an item came from, when the orchestrator said.
func fileOf(obj map[string]any) *File {
	meta, _ := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	for _, k := range pathAnnotations {
		p, ok := ann[k].(string)
		if !ok || p == "" {
			continue
		}
		f := &File{Path: p}
		for _, ik := range indexAnnotations {
			if s, ok := ann[ik].(string); ok {
				f.Index, _ = strconv.Atoi(s)
				break
			}
		}
		return f
	}
	return nil
}

// refOf identifies an item by its own apiVersion, kind and name.
func refOf(obj map[string]any) *ResourceRef {
	meta, _ := obj["metadata"].(map[string]any)
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	return &ResourceRef{APIVersion: str(obj, "apiVersion"), Kind: str(obj, "kind"), Namespace: str(meta, "namespace"), Name: str(meta, "name")}
}

// appendResults adds results to the list's results field, keeping any
// results an earlier function wrote.
func appendResults(root *yaml.Node, results []Result) error {
	if len(results) == 0 {
		return nil
	}
	var n yaml.Node
	if err := n.Encode(results); err != nil {
		return err
	}
	if existing := value(root, "results"); existing != nil && existing.Kind == yaml.SequenceNode {
		existing.Content = append(existing.Content, n.Content...)
		return nil
	} else if existing != nil && existing.Tag != "!!null" {
		return fmt.Errorf("%w: results must be a list", ErrInput)
	} else if existing != nil {
		*existing = n
		return nil
	}
	root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "results"}, &n)
	return nil
}

// encode serializes one node as a YAML document.
func encode(n *yaml.Node) ([]byte, error) { return document.Encode("", n, false) }

// located adds the line of the first byte YAML cannot read (invalid UTF-8,
// a control character) to a parse error that has no line of its own.
func located(input []byte, err error) string {
	msg := err.Error()
	if strings.Contains(msg, "line ") {
		return msg
	}
	line := 1
	for i := 0; i < len(input); {
		r, size := utf8.DecodeRune(input[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return fmt.Sprintf("line %d: %s", line, strings.TrimPrefix(msg, "yaml: "))
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return msg
}

// value returns the value node of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalar returns the scalar value of key in mapping m, or "".
func scalar(m *yaml.Node, key string) string {
	if v := value(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
