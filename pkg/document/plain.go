package document

import "bytes"

// PlainValid reports whether raw is a YAML document that certainly parses
// into a mapping without duplicate keys, using a single allocation-free pass
// over its lines. It accepts only the plain block style that kubectl, Helm
// and kustomize write: block mappings and sequences with space indentation,
// plain and single-line quoted scalars without escapes, `{}` and `[]`,
// literal and folded block scalars, comments, CRLF line ends, ASCII. Anything
// else (anchors, aliases, tags, flow collections, multi-line flow scalars,
// tabs, non-ASCII, unusual indentation) gets false, which means "not sure":
// the caller must then parse the document to find out.
//
// The catalog prefilter uses it so that a document it lets through without
// decoding is one whose decoding could not have failed: broken documents
// are decoded and reported, whatever they mention.
func PlainValid(raw []byte) bool {
	var p plainScanner
	return p.run(raw)
}

// plainMaxDepth and plainMaxKeys (keys of the mappings open at once) bound
// the fast path; deeper or wider documents are left to the parser.
const (
	plainMaxDepth = 64
	plainMaxKeys  = 128
)

type plainFrame struct {
	indent   int
	seq      bool
	compact  bool // a sequence at the same indentation as its parent key
	keyStart int  // index of this mapping's first key in keys
}

type plainScanner struct {
	raw    []byte
	frames [plainMaxDepth]plainFrame
	depth  int
	keys   [plainMaxKeys][2]int32 // spans of the keys of the open mappings
	nkeys  int
	// a key or "- " with no value on its line opened a nested block
	pending    bool
	pendIndent int
	pendKey    bool // the opener was a mapping key (a sequence may then sit at its indentation)
	// inside a block scalar whose parent is at blockParent
	block       bool
	blockParent int
	blockIndent int // content indentation, 0 until the first content line
	started     bool
}

func (p *plainScanner) run(raw []byte) bool {
	p.raw = raw
	off := 0
	for off < len(raw) {
		end := bytes.IndexByte(raw[off:], '\n')
		next := off + end + 1
		if end < 0 {
			end, next = len(raw)-off, len(raw)
		}
		line := raw[off : off+end]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if !p.line(line, off) {
			return false
		}
		off = next
	}
	return true
}

// line handles one line (without its line break) starting at offset off.
func (p *plainScanner) line(line []byte, off int) bool {
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	text := line[indent:]
	if p.block {
		if ok, done := p.blockLine(line, indent, text); done {
			return ok
		}
	}
	for _, c := range line {
		if c < 0x20 || c > 0x7e {
			return false // tabs, control characters, non-ASCII: let the parser judge
		}
	}
	if len(text) == 0 || text[0] == '#' {
		return true
	}
	if !p.started && indent == 0 && bytes.HasPrefix(text, []byte("---")) {
		rest := bytes.TrimLeft(text[3:], " ")
		return len(text) == 3 || (text[3] == ' ' && (len(rest) == 0 || rest[0] == '#'))
	}
	if indent == 0 && (text[0] == '%' || bytes.HasPrefix(text, []byte("..."))) {
		return false
	}
	isItem := text[0] == '-' && (len(text) == 1 || text[1] == ' ')
	if !p.started {
		if isItem {
			return false // not a mapping: the parser reports it
		}
		p.started = true
		p.push(indent, false, false)
		p.pending = false
		return p.entry(text, indent, off+indent)
	}
	if p.pending {
		p.pending = false
		switch {
		case indent > p.pendIndent:
			if !p.push(indent, isItem, false) {
				return false
			}
			return p.node(text, indent, off+indent, isItem)
		case indent == p.pendIndent && p.pendKey && isItem:
			if !p.push(indent, true, true) {
				return false
			}
			return p.node(text, indent, off+indent, true)
		}
	}
	for p.depth > 0 && p.top().indent > indent {
		p.pop()
	}
	if p.depth > 0 && p.top().compact && p.top().indent == indent && !isItem {
		p.pop()
	}
	if p.depth == 0 || p.top().indent != indent || p.top().seq != isItem {
		return false // continuation lines, bad indentation or a kind mismatch
	}
	return p.node(text, indent, off+indent, isItem)
}

// blockLine handles a line inside a block scalar; done is false when the
// line ends the scalar and must be handled as a normal line.
func (p *plainScanner) blockLine(line []byte, indent int, text []byte) (ok, done bool) {
	if len(text) > 0 && text[0] == '\t' {
		return false, true // a tab where yaml.v3 may expect indentation
	}
	if len(text) == 0 {
		// an all-space line before the first content line must not be
		// longer than the content's indentation: refuse any
		return p.blockIndent > 0 || indent == 0, true
	}
	if p.blockIndent == 0 {
		if indent <= p.blockParent {
			p.block = false // empty block scalar
			return false, false
		}
		p.blockIndent = indent
	}
	if indent >= p.blockIndent {
		for _, c := range text {
			if (c < 0x20 && c != '\t') || c > 0x7e {
				return false, true
			}
		}
		return true, true
	}
	if indent > p.blockParent && text[0] != '#' {
		return false, true // less indented than the content, more than the parent
	}
	p.block = false
	return false, false
}

func (p *plainScanner) top() *plainFrame { return &p.frames[p.depth-1] }

func (p *plainScanner) push(indent int, seq, compact bool) bool {
	if p.depth == plainMaxDepth {
		return false
	}
	p.frames[p.depth] = plainFrame{indent: indent, seq: seq, compact: compact, keyStart: p.nkeys}
	p.depth++
	return true
}

func (p *plainScanner) pop() {
	p.depth--
	p.nkeys = p.frames[p.depth].keyStart
}

// node handles the content of a line at column col: a sequence item or a
// mapping entry of the frame on top.
func (p *plainScanner) node(text []byte, col, off int, isItem bool) bool {
	if !isItem {
		return p.entry(text, col, off)
	}
	j := 1
	for j < len(text) && text[j] == ' ' {
		j++
	}
	rest := text[j:]
	if len(rest) == 0 || rest[0] == '#' {
		p.open(col, false)
		return true
	}
	if rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ') {
		return false // "- - x"
	}
	if k := keyEnd(rest); k > 0 {
		if !p.push(col+j, false, false) {
			return false
		}
		return p.entry(rest, col+j, off+j)
	}
	return p.value(rest, col+2)
}

// entry handles "key: value" at column col (offset off) in the mapping on top.
func (p *plainScanner) entry(text []byte, col, off int) bool {
	k := keyEnd(text)
	if k <= 0 {
		return false
	}
	if p.nkeys == plainMaxKeys || len(p.raw) > 1<<30 {
		return false
	}
	key := text[:k]
	for _, s := range p.keys[p.top().keyStart:p.nkeys] {
		if bytes.Equal(p.raw[s[0]:s[1]], key) {
			return false // duplicate key: the parser locates it
		}
	}
	p.keys[p.nkeys] = [2]int32{int32(off), int32(off + k)}
	p.nkeys++
	rest := text[k+1:]
	j := 0
	for j < len(rest) && rest[j] == ' ' {
		j++
	}
	rest = rest[j:]
	if len(rest) == 0 || rest[0] == '#' {
		p.open(col, true)
		return true
	}
	return p.value(rest, col+1)
}

// open records that the next lines may hold the nested value of a key or
// sequence item at indentation indent.
func (p *plainScanner) open(indent int, key bool) {
	p.pending, p.pendIndent, p.pendKey = true, indent, key
}

// keyEnd returns the length of a plain key followed by ':' and a space or
// the end of the line, or 0. YAML limits implicit keys to 1024 characters.
func keyEnd(text []byte) int {
	for i, c := range text[:min(len(text), 1000)] {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '/':
		case c == '-' && i > 0:
		case c == ':' && i > 0:
			if i+1 == len(text) || text[i+1] == ' ' {
				return i
			}
			return 0
		default:
			return 0
		}
	}
	return 0
}

// value checks a scalar value (or `{}`, `[]`, a block scalar header) that
// follows a key or "- "; minBlock is the smallest indentation its block
// scalar content may have.
func (p *plainScanner) value(v []byte, minBlock int) bool {
	switch v[0] {
	case '|', '>':
		h := v[1:]
		if len(h) > 0 && (h[0] == '-' || h[0] == '+') {
			h = h[1:]
		}
		if !trailer(h) {
			return false
		}
		p.block, p.blockParent, p.blockIndent = true, minBlock-1, 0
		return true
	case '"', '\'':
		q := v[0]
		for i := 1; i < len(v); i++ {
			switch {
			case v[i] == '\\' && q == '"':
				return false // escapes: the parser validates them
			case v[i] == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'':
				i++
			case v[i] == q:
				return trailer(v[i+1:])
			}
		}
		return false // continues on the next line
	case '{', '[':
		rest, ok := p.flow(v, 0)
		return ok && trailer(rest)
	case '&', '*', '!', '%', '@', '`', '?', ':', ',', ']', '}', '#':
		return false
	case '-':
		if len(v) == 1 || v[1] == ' ' || v[1] == '.' || bytes.HasPrefix(v, []byte("---")) {
			return false
		}
	case '.', '+':
		return false // .inf, .nan, +.inf: not JSON numbers; the parser decides
	}
	for i, c := range v {
		switch {
		case c == ':' && (i+1 == len(v) || v[i+1] == ' '):
			return false // "mapping values are not allowed in this context"
		case c == '#' && v[i-1] == ' ':
			return true // a comment ends the value
		}
	}
	return true
}

// flow checks a flow collection that closes on its line and returns what
// follows it: items and values are flow collections, quoted scalars without
// escapes and plain scalars; mapping keys are plain and unique.
func (p *plainScanner) flow(v []byte, depth int) ([]byte, bool) {
	if depth == plainMaxDepth {
		return nil, false
	}
	open, mapping := v[0], v[0] == '{'
	start := p.nkeys
	defer func() { p.nkeys = start }()
	v = skipSpaces(v[1:])
	if len(v) > 0 && v[0] == open+2 {
		return v[1:], true // {} or []
	}
	for {
		if mapping {
			k := keyEnd(v)
			if k <= 0 || k+1 == len(v) || p.nkeys == plainMaxKeys {
				return nil, false
			}
			for _, s := range p.keys[start:p.nkeys] {
				if bytes.Equal(p.raw[s[0]:s[1]], v[:k]) {
					return nil, false
				}
			}
			p.keys[p.nkeys] = p.span(v[:k])
			p.nkeys++
			v = skipSpaces(v[k+1:])
		}
		var ok bool
		if v, ok = p.flowItem(v, depth); !ok {
			return nil, false
		}
		v = skipSpaces(v)
		switch {
		case len(v) > 0 && v[0] == open+2:
			return v[1:], true
		case len(v) > 0 && v[0] == ',':
			v = skipSpaces(v[1:])
		default:
			return nil, false
		}
	}
}

// flowItem checks one value inside a flow collection and returns what
// follows it.
func (p *plainScanner) flowItem(v []byte, depth int) ([]byte, bool) {
	if len(v) == 0 {
		return nil, false
	}
	switch v[0] {
	case '{', '[':
		return p.flow(v, depth+1)
	case '"', '\'':
		q := v[0]
		for i := 1; i < len(v); i++ {
			switch {
			case v[i] == '\\' && q == '"':
				return nil, false
			case v[i] == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'':
				i++
			case v[i] == q:
				return v[i+1:], true
			}
		}
		return nil, false
	}
	i := 0
	for i < len(v) {
		c := v[i]
		if c == ',' || c == ']' || c == '}' {
			break
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '/' ||
			(i > 0 && (c == '-' || c == '.' || c == ' '))) {
			return nil, false // anything unusual in a flow scalar: the parser decides
		}
		i++
	}
	if i == 0 {
		return nil, false
	}
	return v[i:], true
}

// span returns the offsets in raw of b, a subslice of raw.
func (p *plainScanner) span(b []byte) [2]int32 {
	off := cap(p.raw) - cap(b)
	return [2]int32{int32(off), int32(off + len(b))}
}

func skipSpaces(v []byte) []byte {
	for len(v) > 0 && v[0] == ' ' {
		v = v[1:]
	}
	return v
}

// trailer reports whether what follows a complete value is only spaces and
// possibly a comment.
func trailer(t []byte) bool {
	i := 0
	for i < len(t) && t[i] == ' ' {
		i++
	}
	return i == len(t) || (i > 0 && t[i] == '#')
}
