package gatekeeper

import (
	"bytes"
	"fmt"
	"sort"

	yaml "go.yaml.in/yaml/v3"

	"github.com/nativize/nativize/pkg/document"
)

// kv is one key of an ordered YAML mapping.
type kv struct {
	k string
	v any
}

// omap is a YAML mapping that keeps its key order, so generated files read
// like hand-written Kubernetes objects (apiVersion, kind, metadata, spec).
type omap []kv

// node converts v (omap, map, slice, scalar) into a YAML node.
func node(v any) (*yaml.Node, error) {
	switch t := v.(type) {
	case omap:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, e := range t {
			val, err := node(e.v)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.k}, val)
		}
		return n, nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := make(omap, 0, len(t))
		for _, k := range keys {
			m = append(m, kv{k, t[k]})
		}
		return node(m)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range t {
			c, err := node(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case []string:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = e
		}
		return node(l)
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}
		if bytes.ContainsRune([]byte(t), '\n') {
			n.Style = yaml.LiteralStyle
		}
		return n, nil
	case bool, int, int64, float64, nil:
		n := &yaml.Node{}
		if err := n.Encode(t); err != nil {
			return nil, err
		}
		return n, nil
	}
	return nil, fmt.Errorf("%w: cannot write %T as YAML", ErrLibrary, v)
}

// marshal renders v as a YAML document with a leading comment.
func marshal(header string, v any) ([]byte, error) {
	n, err := node(v)
	if err != nil {
		return nil, err
	}
	return document.Encode(header, n, false)
}
