package document

import (
	"bytes"

	yaml "go.yaml.in/yaml/v3"
)

// usesCompactSeq reports whether raw writes block sequences unindented
// under their key ("containers:\n- name: x", kubectl's style). The first
// sequence under a key decides.
func usesCompactSeq(raw []byte) bool {
	keyIndent := -1
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		line := raw
		if i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		trimmed := bytes.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		switch {
		case len(trimmed) == 0 || trimmed[0] == '#':
			continue
		case keyIndent >= 0 && trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' '):
			return indent == keyIndent
		case bytes.HasSuffix(bytes.TrimRight(trimmed, " \r"), []byte(":")):
			keyIndent = indent // a key whose value is on the next lines
		default:
			keyIndent = -1
		}
	}
	return false
}

// EncodeNode writes a document node back as YAML in the style of the
// original (2-space indent; compact sequences when the original used them),
// preceded by the document's own `---` line.
func EncodeNode(d *Doc, node *yaml.Node) ([]byte, error) {
	return Encode(d.Separator, node, usesCompactSeq(d.Raw))
}

// Encode writes node as one YAML document after header, with a 2-space
// indent and, with compact, sequences unindented under their key.
func Encode(header string, node *yaml.Node, compact bool) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if compact {
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
