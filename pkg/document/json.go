package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// splitJSON reads a stream of JSON values. When the stream turns into
// something that does not start like JSON where a new value would begin
// (a YAML document after JSON ones), it returns the offset where that
// begins as rest, else -1.
func splitJSON(name string, data []byte) (docs []Doc, rest int) {
	base := 0
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(bom)) {
		base = bytes.Index(data, []byte(bom)) + len(bom) // encoding/json refuses a byte order mark
	}
	dec := json.NewDecoder(bytes.NewReader(data[base:]))
	dec.UseNumber()
	prevEnd := base
	for i := 0; ; i++ {
		startOff := max(base+int(dec.InputOffset()), prevEnd)
		contentOff := startOff + len(data[startOff:]) - len(bytes.TrimLeft(data[startOff:], " \t\r\n"))
		if contentOff == len(data) {
			return docs, -1
		}
		if c := data[contentOff]; (c == '}' || c == ']') && i > 0 {
			// A stray closing bracket after a value ({...}}): json.Decoder.More
			// is false before it, so it would pass unseen; the YAML parser
			// would only say "did not find expected node content". Its line
			// is one document error; the YAML scanner takes the next line.
			end := len(data)
			if nl := bytes.IndexByte(data[contentOff:], '\n'); nl >= 0 {
				end = contentOff + nl + 1
			}
			d := Doc{File: name, Index: i, JSON: true, parsed: true, Raw: data[startOff:end]}
			d.Start = 1 + bytes.Count(data[:startOff], []byte("\n"))
			d.Line = 1 + bytes.Count(data[:contentOff], []byte("\n"))
			d.failAbs(d.Line, ErrSyntax, fmt.Sprintf("invalid character %q after the JSON value that ends on line %d", c, 1+bytes.Count(bytes.TrimRight(data[:contentOff], " \t\r\n"), []byte("\n"))))
			return append(docs, d), end
		}
		if c := data[contentOff]; c != '{' && c != '[' && i > 0 {
			// YAML (or junk) after JSON documents: the YAML scanner takes over.
			return docs, max(lineStart(data, contentOff), prevEnd)
		}
		d := Doc{File: name, Index: i, JSON: true, parsed: true}
		d.Start = 1 + bytes.Count(data[:startOff], []byte("\n"))
		d.Line = 1 + bytes.Count(data[:contentOff], []byte("\n"))
		j := jsonDecoder{dec: dec, data: data, base: base, start: startOff}
		v, err := j.value(0)
		if err != nil {
			var ne *nodeError
			if !errors.As(err, &ne) {
				// A syntax error: the rest of the stream cannot be located.
				off := base + int(dec.InputOffset())
				var se *json.SyntaxError
				if errors.As(err, &se) {
					off = base + int(se.Offset)
				}
				off = min(off, len(data))
				if err == io.ErrUnexpectedEOF || err == io.EOF {
					err = errors.New("unexpected end of JSON input")
				}
				d.Raw = data[startOff:]
				d.failAbs(1+bytes.Count(data[:off], []byte("\n")), ErrSyntax, err.Error())
				return append(docs, d), -1
			}
			if j.drain() != nil {
				d.Raw = data[startOff:]
				d.failAbs(ne.line, ne.kind, ne.message())
				return append(docs, d), -1
			}
			d.failAbs(ne.line, ne.kind, ne.message())
		}
		endOff := base + int(dec.InputOffset())
		for endOff < len(data) && (data[endOff] == ' ' || data[endOff] == '\t' || data[endOff] == '\r' || data[endOff] == '\n') {
			endOff++ // trailing whitespace belongs to this document, so bytes are kept
		}
		d.Raw, prevEnd = data[startOff:endOff], endOff
		if d.Err == nil {
			if m, ok := v.(map[string]any); ok {
				d.Object = m
			} else {
				d.failAbs(d.Line, ErrNotObject, "expected a Kubernetes object (a JSON object)")
			}
		}
		docs = append(docs, d)
	}
}

// lineStart returns the offset of the start of the line holding off.
func lineStart(data []byte, off int) int {
	return bytes.LastIndexByte(data[:off], '\n') + 1
}

// jsonDecoder builds one JSON value from tokens, so that duplicate keys
// (which encoding/json would silently collapse to the last) and the bounds
// of limits.go are caught and located.
type jsonDecoder struct {
	dec   *json.Decoder
	data  []byte
	base  int // offset of the decoder's input in data
	start int // offset of this document in data
	nodes int
	depth int // open containers, for drain
}

// line returns the line of the decoder's current position.
func (j *jsonDecoder) line() int {
	off := min(j.base+int(j.dec.InputOffset()), len(j.data))
	return 1 + bytes.Count(j.data[:off], []byte("\n"))
}

// value reads one value; a *nodeError carries an absolute line.
func (j *jsonDecoder) value(depth int) (any, error) {
	tok, err := j.dec.Token()
	if err != nil {
		return nil, err
	}
	return j.from(tok, depth)
}

func (j *jsonDecoder) from(tok json.Token, depth int) (any, error) {
	j.nodes++
	if j.nodes > MaxNodes {
		return nil, errAt(j.line(), ErrLimit, "more than %d values", MaxNodes)
	}
	if j.base+int(j.dec.InputOffset())-j.start > MaxDocumentBytes {
		return nil, errAt(j.line(), ErrLimit, "document larger than the limit of %d bytes (NATIVIZE_MAX_DOCUMENT_BYTES)", MaxDocumentBytes)
	}
	switch t := tok.(type) {
	case json.Delim:
		j.depth++
		if depth >= MaxDepth {
			return nil, errAt(j.line(), ErrLimit, "nesting deeper than %d levels", MaxDepth)
		}
		if t == '[' {
			out := []any{}
			for j.dec.More() {
				v, err := j.value(depth + 1)
				if err != nil {
					return nil, within(err, strconv.Itoa(len(out)))
				}
				out = append(out, v)
			}
			_, err := j.dec.Token() // ']'
			j.depth--
			return out, err
		}
		out := map[string]any{}
		lines := map[string]int{}
		for j.dec.More() {
			kt, err := j.dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			if first, dup := lines[k]; dup {
				return nil, errAt(j.line(), ErrDuplicateKey, "duplicate key %q (first on line %d)", k, first)
			}
			lines[k] = j.line()
			v, err := j.value(depth + 1)
			if err != nil {
				return nil, within(err, k)
			}
			out[k] = v
		}
		_, err := j.dec.Token() // '}'
		j.depth--
		return out, err
	case json.Number:
		return Normalize(t), nil
	}
	return tok, nil // string, bool, nil
}

// drain consumes the rest of a value abandoned after a decoding error, so
// the stream goes on with the next document.
func (j *jsonDecoder) drain() error {
	for j.depth > 0 {
		tok, err := j.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				j.depth++
			} else {
				j.depth--
			}
		}
	}
	return nil
}

// jsonLine returns the 1-based line, within raw (one JSON value), of the
// value at path, or of its deepest ancestor that exists (found is then
// false). It scans raw again rather than keeping a line per value: only a
// document with an error pays for it.
func jsonLine(raw []byte, path []string) (line int, found bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	lineAt := func() int {
		off := int(dec.InputOffset())
		for off < len(raw) && (raw[off] == ' ' || raw[off] == '\t' || raw[off] == '\r' || raw[off] == '\n' || raw[off] == ':' || raw[off] == ',') {
			off++
		}
		return 1 + bytes.Count(raw[:min(off, len(raw))], []byte("\n"))
	}
	line = lineAt()
	for depth := 0; ; depth++ {
		if depth == len(path) {
			return line, true
		}
		tok, err := dec.Token()
		if err != nil {
			return line, false
		}
		open, _ := tok.(json.Delim)
		if open != '{' && open != '[' {
			return line, false
		}
		next := false
		for i := 0; dec.More(); i++ {
			if open == '{' {
				k, err := dec.Token()
				if err != nil {
					return line, false
				}
				if k == path[depth] {
					next = true
				}
			} else if strconv.Itoa(i) == path[depth] {
				next = true
			}
			if next {
				line = lineAt()
				break
			}
			if skipJSON(dec) != nil {
				return line, false
			}
		}
		if !next {
			return line, false
		}
	}
}

// skipJSON consumes one value.
func skipJSON(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}
