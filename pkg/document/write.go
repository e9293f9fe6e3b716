package document

import (
	"bytes"
	"regexp"

	yaml "go.yaml.in/yaml/v3"
)

// compactSeq matches a block sequence item at the same indentation as the
// mapping key that holds it ("containers:\n- name: x"), kubectl's style.
var compactSeq = regexp.MustCompile(`(?m)^( *)[^ #\n-][^\n]*:\n( *#[^\n]*\n)*( *)- `)

// usesCompactSeq reports whether raw writes sequences unindented under their key.
func usesCompactSeq(raw []byte) bool {
	for _, m := range compactSeq.FindAllSubmatch(raw, 8) {
		return len(m[1]) == len(m[3])
	}
	return false
}

// EncodeNode writes a document node back as YAML in the style of the
// original (2-space indent; compact sequences when the original used them),
// preceded by the document's own `---` line.
func EncodeNode(d *Doc, node *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(d.Separator)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if usesCompactSeq(d.Raw) {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(node); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
