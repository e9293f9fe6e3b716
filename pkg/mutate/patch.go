package mutate

import (
	"encoding/json"
	"strings"
)

// PatchOp is one RFC 6902 operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// MarshalJSON writes value for every operation but remove (a null value is
// meaningful in add and replace).
func (o PatchOp) MarshalJSON() ([]byte, error) {
	if o.Op == "remove" {
		return json.Marshal(struct {
			Op   string `json:"op"`
			Path string `json:"path"`
		}{o.Op, o.Path})
	}
	return json.Marshal(struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}{o.Op, o.Path, o.Value})
}

// pointerEscaper escapes a JSON pointer segment (RFC 6901).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// Pointer builds a JSON pointer from path segments.
func Pointer(path ...string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(p))
	}
	return b.String()
}

// Patch returns the RFC 6902 patch that applies the plan to the object it
// was planned from (docs/RULES.md, "JSON patch").
func (p *Plan) Patch() []PatchOp {
	if p.Empty() {
		return nil
	}
	var ops []PatchOp
	for _, sp := range p.Specs {
		op := "replace"
		if !sp.HadInit {
			op = "add"
		}
		ops = append(ops,
			PatchOp{Op: op, Path: Pointer(extend(sp.Path, "initContainers")...), Value: sp.InitContainers},
			PatchOp{Op: "replace", Path: Pointer(extend(sp.Path, "containers")...), Value: sp.Containers},
		)
		for _, a := range sp.Annotations {
			ops = append(ops, PatchOp{Op: "replace", Path: Pointer(extend(a.MetaPath, "annotations", a.Key)...), Value: a.Value})
		}
	}
	return ops
}

// extend returns a new path: path followed by more (path is never aliased).
func extend(path []string, more ...string) []string {
	out := make([]string, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}
