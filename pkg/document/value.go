package document

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// decoder converts a YAML node tree into JSON-like Go values within the
// bounds of limits.go.
type decoder struct {
	nodes   int // values produced
	aliased int // values produced while expanding aliases
	inAlias int // alias expansions under way
	// sizes memoizes expansion: the values a node decodes to.
	sizes map[*yaml.Node]int
}

// checkAliases refuses a document whose aliases expand to more than
// MaxAliasValues values before anything is decoded. It walks n in the order
// toValue decodes it, without following aliases, and adds each alias's
// expansion; the error names the alias at which the sum passes the bound,
// as toValue's own count would, with its path. Decoding the values up to
// the bound first took 10-25 ms and 100,000 allocations per alias bomb.
func (dc *decoder) checkAliases(n *yaml.Node, total *int) error {
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil // toValue reports it
		}
		if *total += dc.expansion(n.Alias); *total > MaxAliasValues {
			return errAt(n.Line, ErrLimit, "excessive aliasing: aliases expand to more than %d values (expanding the alias *%s)", MaxAliasValues, n.Value)
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := dc.checkAliases(c, total); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := dc.checkAliases(c, total); err != nil {
				return within(err, strconv.Itoa(i))
			}
		}
	case yaml.MappingNode:
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				merges = append(merges, v) // decoded after the mapping's own keys
				continue
			}
			if err := dc.checkAliases(v, total); err != nil {
				return within(err, k.Value)
			}
		}
		for _, v := range merges {
			if err := dc.checkAliases(v, total); err != nil {
				return err
			}
		}
	}
	return nil
}

// expansion returns the number of values toValue produces for n (aliases
// expanded, keys not counted), capped at MaxAliasValues+1. It visits each
// node once, so an alias bomb is measured in time linear in its text
// instead of being expanded up to the bound first (that took 10-25 ms and
// 100,000 allocations per bomb). A node that contains an alias of itself
// counts as over the cap.
func (dc *decoder) expansion(n *yaml.Node) int {
	const over = MaxAliasValues + 1
	if s, ok := dc.sizes[n]; ok {
		if s < 0 {
			return over // a cycle: the node is being measured
		}
		return s
	}
	if dc.sizes == nil {
		dc.sizes = map[*yaml.Node]int{}
	}
	dc.sizes[n] = -1
	s := 1
	switch n.Kind {
	case yaml.AliasNode:
		s = over
		if n.Alias != nil {
			s = dc.expansion(n.Alias)
		}
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			s = min(s+dc.expansion(c), over)
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			s = min(s+dc.expansion(n.Content[i]), over)
		}
	}
	dc.sizes[n] = s
	return s
}

// toValue converts a YAML node straight into JSON-like Go values
// (map[string]any, []any, string, int64, float64, bool, nil) without a
// YAML→JSON round trip. Timestamps stay strings, as Kubernetes reads them.
func (dc *decoder) toValue(n *yaml.Node, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, errAt(n.Line, ErrLimit, "nesting deeper than %d levels", MaxDepth)
	}
	dc.nodes++
	if dc.inAlias > 0 {
		dc.aliased++
		if dc.aliased > MaxAliasValues {
			return nil, errAt(n.Line, ErrLimit, "excessive aliasing: aliases expand to more than %d values", MaxAliasValues)
		}
	}
	if dc.nodes > MaxNodes {
		return nil, errAt(n.Line, ErrLimit, "more than %d values", MaxNodes)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return dc.toValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, errAt(n.Line, ErrSyntax, "unknown alias %q", n.Value)
		}
		dc.nodes-- // the alias itself is not a value
		dc.inAlias++
		v, err := dc.toValue(n.Alias, depth+1)
		dc.inAlias--
		if ne, ok := err.(*nodeError); ok && dc.inAlias == 0 {
			// located at the alias as written, not inside its expansion
			ne.line, ne.path = n.Line, nil
			ne.msg += fmt.Sprintf(" (expanding the alias *%s)", n.Value)
		}
		return v, err
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := dc.toValue(c, depth+1)
			if err != nil {
				return nil, within(err, strconv.Itoa(i))
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return dc.mapping(n, depth)
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, errAt(n.Line, ErrSyntax, "unsupported YAML node")
}

// mapping converts a mapping node. Merge keys (`<<`) are expanded as
// kubectl's YAML reader does (sigs.k8s.io/yaml, yaml.v2 semantics): the
// mapping's own keys win over merged ones, and of several merged mappings
// the earlier wins. A key written twice is refused, as strict field
// validation refuses it, instead of silently keeping the last value.
func (dc *decoder) mapping(n *yaml.Node, depth int) (any, error) {
	out := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			if len(merges) > 0 {
				return nil, errAt(k.Line, ErrDuplicateKey, "duplicate merge key \"<<\" (merge several mappings with a list: <<: [*a, *b])")
			}
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, errAt(k.Line, ErrSyntax, "mapping keys must be scalars")
		}
		if _, dup := out[k.Value]; dup {
			first := 0
			for j := 0; j < i; j += 2 {
				if c := n.Content[j]; c.Kind == yaml.ScalarNode && c.Value == k.Value {
					first = c.Line
					break
				}
			}
			return nil, errAt(k.Line, ErrDuplicateKey, "duplicate key %q (first on line %d)", k.Value, first)
		}
		val, err := dc.toValue(v, depth+1)
		if err != nil {
			return nil, within(err, k.Value)
		}
		out[k.Value] = val
	}
	for _, m := range merges {
		if err := dc.merge(out, m, depth); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// merge applies the value of a `<<` key: one mapping or a list of them.
func (dc *decoder) merge(out map[string]any, v *yaml.Node, depth int) error {
	val, err := dc.toValue(v, depth+1)
	if err != nil {
		return err
	}
	maps := []any{val}
	if l, ok := val.([]any); ok {
		maps = l
	}
	for _, m := range maps {
		mm, ok := m.(map[string]any)
		if !ok {
			return errAt(v.Line, ErrSyntax, "the value of a merge key (<<) must be a mapping or a list of mappings")
		}
		for k, e := range mm {
			if _, set := out[k]; !set {
				out[k] = e
			}
		}
	}
	return nil
}

// within records that err happened under key or index p, for messages.
func within(err error, p string) error {
	if ne, ok := err.(*nodeError); ok {
		ne.path = append(ne.path, p)
	}
	return err
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, errAt(n.Line, ErrSyntax, "%v", err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, errAt(n.Line, ErrSyntax, "%v", err)
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, errAt(n.Line, ErrSyntax, "%v", err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, errAt(n.Line, ErrSyntax, "%s is not representable in JSON", n.Value)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 && !strings.ContainsAny(n.Value, ".eE") {
			return int64(f), nil
		}
		return f, nil
	default: // !!str, !!timestamp, !!binary and custom tags keep their text
		return n.Value, nil
	}
}

// Normalize turns json.Number into int64 (integers) or float64 throughout
// v, in place: the values the document reader produces for JSON input.
func Normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = Normalize(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = Normalize(e)
		}
		return t
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(t), 64)
		return f
	}
	return v
}
