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
	if err := isolate(root, p); err != nil {
		return err
	}
	for _, sp := range p.Specs {
		spec, err := materialize(root, sp.Path)
		if err != nil {
			return err
		}
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
			ann, err := materialize(root, extend(a.MetaPath, "annotations"))
			if err != nil {
				return err
			}
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

// isolate prepares the nodes the plan edits, before any edit: each pod spec
// and annotations mapping is made plain YAML (materialize), and an alias
// elsewhere whose anchor is inside one of them, or holds one of them, is
// replaced by a copy of its target as it is now. The edits then change the
// object at these places only, as ApplyObject does on the decoded object.
func isolate(root *yaml.Node, p *Plan) error {
	var paths [][]string
	for _, sp := range p.Specs {
		paths = append(paths, sp.Path)
		for _, a := range sp.Annotations {
			paths = append(paths, extend(a.MetaPath, "annotations"))
		}
	}
	edited := map[*yaml.Node]bool{}
	for pass := 0; pass < 2; pass++ { // the second pass finds the nodes the first one left in the tree
		for _, path := range paths {
			n, err := materialize(root, path)
			if err != nil {
				return err
			}
			if n != nil && pass == 1 {
				edited[n] = true
			}
		}
	}
	anchors := map[*yaml.Node]bool{}
	touched(root, edited, false, anchors)
	if len(anchors) == 0 {
		return nil
	}
	return unalias(root, anchors)
}

// touched adds to out the anchored nodes whose value the edits change:
// those inside an edited node and those holding one. It reports whether n
// is or holds an edited node.
func touched(n *yaml.Node, edited map[*yaml.Node]bool, inside bool, out map[*yaml.Node]bool) bool {
	if n.Kind == yaml.AliasNode {
		return false
	}
	in := inside || edited[n]
	has := in
	for _, c := range n.Content {
		if touched(c, edited, in, out) {
			has = true
		}
	}
	if (has || in) && n.Anchor != "" {
		out[n] = true
	}
	return has
}

// unalias replaces every alias of an anchor in anchors by a copy of its
// target.
func unalias(n *yaml.Node, anchors map[*yaml.Node]bool) error {
	for i, c := range n.Content {
		if c.Kind == yaml.AliasNode {
			if anchors[c.Alias] {
				r, err := resolve(c, false)
				if err != nil {
					return err
				}
				n.Content[i] = r
			}
			continue
		}
		if err := unalias(c, anchors); err != nil {
			return err
		}
	}
	return nil
}

// materialize returns the node at path (map keys, list indexes) after
// making the way to it and the node itself plain YAML: an alias on the way
// is replaced by a copy of its target, a mapping with merge keys (<<) gets
// the merged keys as its own, and a node with aliases or merge keys inside
// is resolved whole (resolve). The edits that follow then change only this
// place: an edited alias target would change every place that refers to
// it, and a moved container that refers to an anchor further down
// (istio-proxy built with `<<: *app` from the app container, moved to
// initContainers ahead of it) would make YAML that no reader accepts. The
// object is unchanged: it is what kubectl and the API server decode from
// the input (sigs.k8s.io/yaml expands aliases and merge keys); nodes off
// the path keep their anchors, aliases and merge keys.
func materialize(root *yaml.Node, path []string) (*yaml.Node, error) {
	n := root
	for _, p := range path {
		if n.Kind == yaml.AliasNode {
			return nil, fmt.Errorf("alias at the root of the document")
		}
		if n.Kind == yaml.MappingNode && hasMerge(n) {
			r, err := resolve(n, true)
			if err != nil {
				return nil, err
			}
			n.Content = r.Content
		}
		var slot **yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					slot = &n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(p); err == nil && i >= 0 && i < len(n.Content) {
				slot = &n.Content[i]
			}
		}
		if slot == nil {
			return nil, nil
		}
		if (*slot).Kind == yaml.AliasNode {
			r, err := resolve(*slot, false)
			if err != nil {
				return nil, err
			}
			*slot = r
		}
		n = *slot
	}
	if needsResolve(n) {
		r, err := resolve(n, true)
		if err != nil {
			return nil, err
		}
		*n = *r
	}
	return n, nil
}

// maxResolveDepth bounds resolve's recursion. The document reader has
// already refused cycles and alias expansions past its bound
// (document.MaxAliasValues); this guards other callers of ApplyNode.
const maxResolveDepth = 1000

// resolve returns a copy of n with every alias replaced by a copy of its
// target and every merge key expanded, as the document reader decodes them
// (pkg/document): the mapping's own keys win, of several merged mappings
// the first wins, merged keys take the place of the `<<` key in their
// mapping's order. Copies made from alias targets carry no anchor (it
// would be defined twice); with keepAnchors the other nodes keep theirs, so
// an alias elsewhere in the document still finds its anchor.
func resolve(n *yaml.Node, keepAnchors bool) (*yaml.Node, error) {
	return resolveDepth(n, keepAnchors, 0)
}

func resolveDepth(n *yaml.Node, keepAnchors bool, depth int) (*yaml.Node, error) {
	if depth > maxResolveDepth {
		return nil, fmt.Errorf("line %d: aliases nested deeper than %d levels", n.Line, maxResolveDepth)
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unknown alias *%s", n.Line, n.Value)
		}
		return resolveDepth(n.Alias, false, depth+1)
	}
	c := *n
	c.Content = nil
	if !keepAnchors {
		c.Anchor = ""
	}
	if n.Kind != yaml.MappingNode {
		for _, e := range n.Content {
			r, err := resolveDepth(e, keepAnchors, depth+1)
			if err != nil {
				return nil, err
			}
			c.Content = append(c.Content, r)
		}
		return &c, nil
	}
	own := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !isMerge(k) {
			own[k.Value] = true
		}
	}
	set := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMerge(k) {
			r, err := resolveDepth(v, keepAnchors, depth+1)
			if err != nil {
				return nil, err
			}
			kc := *k
			c.Content = append(c.Content, &kc, r)
			continue
		}
		srcs := []*yaml.Node{v}
		if t := deref(v); t.Kind == yaml.SequenceNode {
			srcs = t.Content
		}
		for _, src := range srcs {
			m, err := resolveDepth(src, false, depth+1)
			if err != nil {
				return nil, err
			}
			if m.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("line %d: the value of a merge key (<<) must be a mapping or a list of mappings", v.Line)
			}
			for j := 0; j+1 < len(m.Content); j += 2 {
				key := m.Content[j].Value
				if own[key] || set[key] {
					continue
				}
				set[key] = true
				c.Content = append(c.Content, m.Content[j], m.Content[j+1])
			}
		}
	}
	return &c, nil
}

// isMerge reports whether k is a merge key (<<).
func isMerge(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.Tag == "!!merge" }

// deref follows aliases to their target.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// hasMerge reports whether mapping m has a merge key.
func hasMerge(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMerge(m.Content[i]) {
			return true
		}
	}
	return false
}

// needsResolve reports whether n holds an alias or a merge key.
func needsResolve(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Kind == yaml.MappingNode && hasMerge(n) {
		return true
	}
	for _, c := range n.Content {
		if needsResolve(c) {
			return true
		}
	}
	return false
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
