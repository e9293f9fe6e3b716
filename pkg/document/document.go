// Package document reads Kubernetes manifests — files, directories and stdin,
// multi-document YAML and JSON streams — into documents that remember where
// they came from, and writes them back.
package document

import (
	"bytes"
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

// Doc is one document of an input stream.
type Doc struct {
	// File is the path it was read from ("-" for stdin).
	File string
	// Index is its position within the file, from 0.
	Index int
	// Start is the 1-based line of the file where Raw begins.
	Start int
	// Line is the 1-based line where the document's content starts.
	Line int
	// Raw is the document's exact bytes, including the `---` line that opened it.
	Raw []byte
	// Separator is the `---` line that opened it (with its newline), or "".
	Separator string
	// Node is the parsed YAML document node (nil for JSON input or on error).
	Node *yaml.Node
	// Object is the decoded object; nil for empty documents or on error.
	Object map[string]any
	// JSON reports that the document came from a JSON file.
	JSON bool
	// Err is the parse error, already carrying FILE:LINE.
	Err error

	parsed bool
}

// Empty reports whether the document holds no object (only comments or nothing).
func (d *Doc) Empty() bool { return d.Err == nil && d.Object == nil }

// Where returns "FILE:LINE" for messages.
func (d *Doc) Where() string { return fmt.Sprintf("%s:%d", d.File, d.Line) }

// LineOf returns the line of the node at path (map keys, list indexes as
// decimal strings) in the document, or the document's line when unknown.
func (d *Doc) LineOf(path []string) int {
	line, found := d.nearestLine(path)
	if !found {
		return d.Line
	}
	return line
}

// nearestLine returns the line of the node at path, or of its deepest
// ancestor that exists (found is then false).
func (d *Doc) nearestLine(path []string) (line int, found bool) {
	if d.JSON && d.Raw != nil {
		rel, found := jsonLine(d.Raw, path)
		return d.Start - 1 + rel, found
	}
	if d.Node == nil || len(d.Node.Content) == 0 {
		return d.Line, false
	}
	n := d.Node.Content[0]
	for _, p := range path {
		next := child(n, p)
		if next == nil {
			return d.Start - 1 + n.Line, false
		}
		n = next
	}
	return d.Start - 1 + n.Line, true
}

// leadingLines counts the lines of Raw before its content starts.
func leadingLines(raw []byte) int {
	n := 0
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i+1], raw[i+1:]
		} else {
			raw = nil
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || isSeparator(string(line)) {
			n++
			continue
		}
		return n
	}
	return 0 // no content: the document starts where its bytes do
}

// child returns the value node under key p of a mapping, or item p of a sequence.
func child(n *yaml.Node, p string) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		var i int
		if _, err := fmt.Sscanf(p, "%d", &i); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}
