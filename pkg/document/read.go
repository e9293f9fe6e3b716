package document

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Source is one input: a file path or "-" for stdin.
type Source struct {
	Name string
	Data []byte
}

// Expand turns paths (files, directories, "-") into the list of files to
// read, in a stable order. Directories contribute their *.yaml, *.yml and
// *.json files; with recursive, also those of subdirectories.
func Expand(paths []string, recursive bool) ([]string, error) {
	var out []string
	for _, p := range paths {
		if p == "-" {
			out = append(out, p)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && !recursive {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// ReadAll reads every document of every path ("-" reads stdin).
func ReadAll(paths []string, recursive bool, stdin io.Reader) ([]Doc, error) {
	var docs []Doc
	err := Each(paths, recursive, stdin, func(d Doc) error {
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// Each reads the paths one file at a time and calls fn for every parsed
// document in order. A document that does not parse is passed with Err set;
// reading goes on. A path that cannot be read stops with an error.
func Each(paths []string, recursive bool, stdin io.Reader, fn func(Doc) error) error {
	return EachRaw(paths, recursive, stdin, func(d Doc) error {
		d.Parse()
		return fn(d)
	})
}

// EachRaw is Each without parsing: YAML documents arrive with Raw only, so
// callers can parse them on other goroutines (Doc.Parse).
func EachRaw(paths []string, recursive bool, stdin io.Reader, fn func(Doc) error) error {
	st, err := Open(paths, recursive, stdin)
	if err != nil {
		return err
	}
	defer st.Close()
	for {
		d, ok, err := st.Next()
		if err != nil || !ok {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
}

// Stream reads the documents of several inputs in order, one at a time.
// YAML input is streamed line by line: memory is bounded by the largest
// document, not the input size.
type Stream struct {
	files []string
	stdin io.Reader
	cur   *Scanner
	file  *os.File
}

// Open expands paths and returns a stream over their documents.
func Open(paths []string, recursive bool, stdin io.Reader) (*Stream, error) {
	files, err := Expand(paths, recursive)
	if err != nil {
		return nil, err
	}
	return &Stream{files: files, stdin: stdin}, nil
}

// Next returns the next unparsed document; ok is false at the end.
func (st *Stream) Next() (d Doc, ok bool, err error) {
	for {
		if st.cur != nil {
			if d, ok := st.cur.Next(); ok {
				return d, true, nil
			}
			err := st.cur.Err()
			st.Close()
			if err != nil {
				return Doc{}, false, err
			}
		}
		if len(st.files) == 0 {
			return Doc{}, false, nil
		}
		f := st.files[0]
		st.files = st.files[1:]
		var r io.Reader = st.stdin
		if f != "-" {
			file, err := os.Open(f)
			if err != nil {
				return Doc{}, false, err
			}
			st.file, r = file, file
		}
		st.cur = NewScanner(f, r)
	}
}

// Close releases the open file, if any.
func (st *Stream) Close() error {
	st.cur = nil
	if st.file != nil {
		err := st.file.Close()
		st.file = nil
		return err
	}
	return nil
}

// Split parses one file's bytes into documents. Their Raw bytes share data.
func Split(name string, data []byte) []Doc {
	var docs []Doc
	sc := NewBytesScanner(name, data)
	for {
		d, ok := sc.Next()
		if !ok {
			return docs
		}
		d.Parse()
		docs = append(docs, d)
	}
}

const bom = "\ufeff"

func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n"+bom)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// isSeparator reports whether line opens a new YAML document.
func isSeparator(line string) bool {
	if !strings.HasPrefix(line, "---") {
		return false
	}
	rest := line[3:]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}

// isSeparatorBytes is isSeparator without a string conversion.
func isSeparatorBytes(line []byte) bool {
	if len(line) < 3 || line[0] != '-' || line[1] != '-' || line[2] != '-' {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\n' || line[3] == '\r'
}

// Scanner reads the documents of one input one at a time. YAML documents
// come unparsed (call Doc.Parse); a JSON input is read whole and its
// documents come parsed. A YAML document larger than MaxDocumentBytes comes
// with Err set; when streamed from a reader its bytes are not kept (Raw is
// nil), so memory stays bounded.
type Scanner struct {
	name  string
	r     *bufio.Reader // streamed input; nil in bytes mode
	data  []byte        // bytes mode: the whole input
	off   int           // bytes mode: offset of the next line
	err   error
	done  bool
	index int
	line  int // next line number to read
	// next document's opening separator line, already read
	sep      []byte
	sepStart int
	sepOff   int
	json     []Doc
	scratch  [4]byte
}

// NewScanner returns a scanner over r; name is used in positions. Input
// held in memory (*bytes.Reader, *bytes.Buffer, *strings.Reader) is read
// whole so documents keep their bytes whatever their size.
func NewScanner(name string, r io.Reader) *Scanner {
	switch r.(type) {
	case *bytes.Reader, *bytes.Buffer, *strings.Reader:
		data, err := io.ReadAll(r)
		s := NewBytesScanner(name, data)
		s.err = err
		return s
	}
	s := &Scanner{name: name, r: bufio.NewReaderSize(r, 64*1024), line: 1}
	head, _ := s.r.Peek(4096)
	if isJSON(head) {
		data, err := io.ReadAll(s.r)
		if err != nil {
			s.err = err
		}
		s.r, s.data = nil, data
		s.startJSON()
	}
	return s
}

// NewBytesScanner returns a scanner over data; documents' Raw share it.
func NewBytesScanner(name string, data []byte) *Scanner {
	s := &Scanner{name: name, data: data, line: 1}
	if data == nil {
		s.data = []byte{}
	}
	if isJSON(data[:min(len(data), 4096)]) {
		s.startJSON()
	}
	return s
}

// startJSON decodes the JSON documents of the input; YAML after them (a
// mixed stream) is scanned as YAML from where the JSON ends.
func (s *Scanner) startJSON() {
	docs, rest := splitJSON(s.name, s.data)
	s.json = docs
	if rest < 0 {
		s.done = true
		return
	}
	s.index = len(docs)
	s.line = 1 + bytes.Count(s.data[:rest], []byte("\n"))
	s.off = rest
}

// Err returns the read error that stopped the scanner, if any.
func (s *Scanner) Err() error { return s.err }

// Next returns the next document; ok is false at the end of input.
func (s *Scanner) Next() (d Doc, ok bool) {
	if len(s.json) > 0 {
		d, s.json = s.json[0], s.json[1:]
		return d, true
	}
	if s.done && s.sep == nil {
		return Doc{}, false
	}
	d = Doc{File: s.name, Index: s.index, Start: s.line}
	var buf []byte
	start, size := s.off, 0
	if s.sep != nil {
		d.Start, d.Separator, start = s.sepStart, string(s.sep), s.sepOff
		buf, size, s.sep = s.sep, len(s.sep), nil
	}
	for !s.done {
		lineOff := s.off
		line, n, err := s.readLine(MaxDocumentBytes - size)
		if n > 0 {
			sep := isSeparatorBytes(line)
			if sep && (size > 0 || d.Separator != "") {
				s.sep, s.sepStart, s.sepOff = append([]byte(nil), line...), s.line, lineOff
				s.line++
				break
			}
			if sep {
				d.Separator = string(line)
			}
			if s.r != nil && size+n <= MaxDocumentBytes {
				if cap(buf)-len(buf) < len(line) { // grow by doubling: append's 1.25x copies a large document many times
					buf = append(make([]byte, 0, max(2*cap(buf), len(buf)+len(line), 4096)), buf...)
				}
				buf = append(buf, line...)
			}
			size += n
			s.line++
		}
		if err != nil {
			if err != io.EOF {
				s.err = err
			}
			s.done = true
		}
	}
	if size == 0 && d.Separator == "" {
		return Doc{}, false
	}
	if s.r == nil {
		buf = s.data[start:s.off]
		if s.sep != nil {
			buf = s.data[start:s.sepOff]
		}
	}
	d.Raw = buf
	d.Line = d.Start + leadingLines(buf)
	s.index++
	if size > MaxDocumentBytes {
		if s.r != nil {
			d.Raw = nil // not kept: the stream goes on in bounded memory
		}
		d.parsed = true
		d.failAbs(d.Line, ErrLimit, fmt.Sprintf("document of %d bytes is larger than the limit of %d bytes (NATIVIZE_MAX_DOCUMENT_BYTES)", size, MaxDocumentBytes))
	}
	return d, true
}

// readLine consumes the next line and returns it with its newline and its
// full length n. A streamed line is returned as a fresh slice of at most
// about room+64 KiB bytes, or, when room is not positive, of its first 4
// bytes (enough to recognize a separator); in bytes mode it is a slice of
// the input.
func (s *Scanner) readLine(room int) (line []byte, n int, err error) {
	if s.r == nil {
		rest := s.data[s.off:]
		if len(rest) == 0 {
			return nil, 0, io.EOF
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			s.off = len(s.data)
			return rest, len(rest), io.EOF
		}
		s.off += i + 1
		return rest[:i+1], i + 1, nil
	}
	for {
		part, err := s.r.ReadSlice('\n')
		switch {
		case room > 0 && len(line) <= room:
			line = append(line, part...)
		case n == 0:
			// past the document bound: keep only what recognizes a
			// separator, in a reused buffer
			line = append(s.scratch[:0], part[:min(len(part), 4)]...)
		}
		n += len(part)
		if err != bufio.ErrBufferFull {
			return line, n, err
		}
	}
}

// Parse fills Node and Object (or Err) of a YAML document; it does nothing
// for a document already parsed.
func (d *Doc) Parse() {
	if d.parsed || d.JSON || d.Err != nil {
		return
	}
	d.parsed = true
	parseYAML(d)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// parseNode parses d.Raw into a YAML node tree, setting d.Err on a syntax
// error.
func parseNode(d *Doc) (*yaml.Node, bool) {
	var n yaml.Node
	if err := yaml.Unmarshal(d.Raw, &n); err != nil {
		msg := err.Error()
		line := d.Line
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			rel, _ := strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
			if strings.HasPrefix(msg, "did not find expected") {
				rel++ // yaml.v3 reports parser errors with a 0-based line, scanner errors 1-based
			}
			line = d.Start - 1 + rel
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
			if off := badByte(d.Raw); off >= 0 {
				line = d.Start + bytes.Count(d.Raw[:off], []byte("\n")) // yaml.v3 gives no line for these
			}
		}
		d.failAbs(line, ErrSyntax, msg)
		return nil, false
	}
	return &n, true
}

// badByte returns the offset of the first control character or invalid
// UTF-8 sequence in raw, or -1.
func badByte(raw []byte) int {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// parseYAML fills Node and Object, or Err.
func parseYAML(d *Doc) {
	n, ok := parseNode(d)
	if !ok || n.Kind == 0 || len(n.Content) == 0 {
		return // broken, or only comments or whitespace
	}
	root := n.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return
	}
	var dc decoder
	total := 0
	err := dc.checkAliases(root, &total)
	var v any
	if err == nil {
		v, err = dc.toValue(root, 0)
	}
	if err != nil {
		ne := err.(*nodeError)
		d.fail(ne.line, ne.kind, ne.message())
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.fail(root.Line, ErrNotObject, fmt.Sprintf("expected a Kubernetes object (a mapping), got %s", kindName(root)))
		return
	}
	d.Node, d.Object = n, m
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}
