package mutate

import (
	"fmt"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// ApplyNode applies the plan to a parsed YAML document in place, moving the
// original container nodes (with their comments) and editing only the fields
// the plan names; everything else keeps its comments, order and style.
func ApplyNode(doc *yaml.Node, p *Plan) error {
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return fmt.Errorf("empty document")
		}
		root = root.Content[0]
	}
	for _, sp := range p.Specs {
		spec := lookupNode(root, sp.Path)
		if spec == nil || spec.Kind != yaml.MappingNode {
			return fmt.Errorf("pod spec %s not found in the YAML tree", Pointer(sp.Path...))
		}
		lists := map[string][]*yaml.Node{}
		for _, f := range []string{"initContainers", "containers"} {
			if n := mapValue(spec, f); n != nil && n.Kind == yaml.SequenceNode {
				lists[f] = n.Content
			}
		}
		edits := map[string][]Edit{}
		for _, e := range sp.Edits {
			edits[e.Container] = append(edits[e.Container], e)
		}
		init := make([]*yaml.Node, 0, len(sp.Init))
		for _, pl := range sp.Init {
			src := lists[pl.From]
			if pl.Index >= len(src) {
				return fmt.Errorf("container %s[%d] not found in the YAML tree", pl.From, pl.Index)
			}
			n := src[pl.Index]
			for _, e := range edits[pl.Name] {
				if e.Delete {
					deleteKey(n, e.Field)
				} else if err := setKey(n, e.Field, e.Value); err != nil {
					return err
				}
			}
			init = append(init, n)
		}
		kept := make([]*yaml.Node, 0, len(sp.Kept))
		for _, i := range sp.Kept {
			kept = append(kept, lists["containers"][i])
		}
		setSeq(spec, "initContainers", init, "containers")
		setSeq(spec, "containers", kept, "")
		for _, a := range sp.Annotations {
			ann := lookupNode(root, extend(a.MetaPath, "annotations"))
			if ann == nil || ann.Kind != yaml.MappingNode {
				continue
			}
			if v := mapValue(ann, a.Key); v != nil && v.Kind == yaml.ScalarNode {
				v.Value = a.Value
				v.Tag = "!!str"
				if v.Style == 0 {
					v.Style = yaml.SingleQuotedStyle
				}
			}
		}
	}
	return nil
}

// lookupNode follows path through mappings and sequences.
func lookupNode(n *yaml.Node, path []string) *yaml.Node {
	for _, p := range path {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		switch n.Kind {
		case yaml.MappingNode:
			n = mapValue(n, p)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
		if n == nil {
			return nil
		}
	}
	return n
}

// mapValue returns the value node of key in a mapping, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func deleteKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// setKey sets key to value, replacing an existing value node or appending.
func setKey(m *yaml.Node, key string, value any) error {
	var v yaml.Node
	if err := v.Encode(value); err != nil {
		return err
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v.HeadComment, v.LineComment = m.Content[i+1].HeadComment, m.Content[i+1].LineComment
			m.Content[i+1] = &v
			return nil
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, &v)
	return nil
}

// setSeq sets key to a block sequence of items, reusing the existing node;
// a new key goes before the key named before (or at the end).
func setSeq(m *yaml.Node, key string, items []*yaml.Node, before string) {
	if v := mapValue(m, key); v != nil {
		v.Kind, v.Tag, v.Value, v.Content = yaml.SequenceNode, "!!seq", "", items
		if len(items) == 0 {
			v.Style = yaml.FlowStyle
		} else if v.Style == yaml.FlowStyle && len(v.Content) > 0 {
			v.Style = 0
		}
		return
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	v := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == before {
			m.Content = append(m.Content[:i], append([]*yaml.Node{k, v}, m.Content[i:]...)...)
			return
		}
	}
	m.Content = append(m.Content, k, v)
}
