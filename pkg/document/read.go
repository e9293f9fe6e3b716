package document

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

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

// Split parses one file's bytes into documents.
func Split(name string, data []byte) []Doc {
	var docs []Doc
	sc := NewScanner(name, bytes.NewReader(data))
	for {
		d, ok := sc.Next()
		if !ok {
			return docs
		}
		d.Parse()
		docs = append(docs, d)
	}
}

func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
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

// Scanner reads the documents of one input one at a time. YAML documents
// come unparsed (call Doc.Parse); a JSON input is read whole and its
// documents come parsed.
type Scanner struct {
	name  string
	r     *bufio.Reader
	err   error
	done  bool
	index int
	line  int // next line number to read
	// next document's opening separator line, already read
	sep      []byte
	sepStart int
	json     []Doc
}

// NewScanner returns a scanner over r; name is used in positions.
func NewScanner(name string, r io.Reader) *Scanner {
	s := &Scanner{name: name, r: bufio.NewReaderSize(r, 64*1024), line: 1}
	head, _ := s.r.Peek(4096)
	if isJSON(head) {
		data, err := io.ReadAll(s.r)
		if err != nil {
			s.err = err
		}
		s.json = splitJSON(name, data)
		s.done = true
	}
	return s
}

// Err returns the read error that stopped the scanner, if any.
func (s *Scanner) Err() error { return s.err }

// Next returns the next document; ok is false at the end of input.
func (s *Scanner) Next() (d Doc, ok bool) {
	if s.json != nil || (s.done && s.sep == nil) {
		if len(s.json) == 0 {
			return Doc{}, false
		}
		d, s.json = s.json[0], s.json[1:]
		return d, true
	}
	d = Doc{File: s.name, Index: s.index, Start: s.line}
	var buf []byte
	if s.sep != nil {
		d.Start, d.Separator = s.sepStart, string(s.sep)
		buf, s.sep = s.sep, nil
	}
	for !s.done {
		line, err := s.readLine()
		if len(line) > 0 {
			if isSeparator(string(line)) && (len(buf) > 0 || d.Separator != "") {
				s.sep, s.sepStart = line, s.line
				s.line++
				break
			}
			if isSeparator(string(line)) {
				d.Separator = string(line)
			}
			buf = append(buf, line...)
			s.line++
		}
		if err != nil {
			if err != io.EOF {
				s.err = err
			}
			s.done = true
		}
	}
	if len(buf) == 0 && d.Separator == "" {
		return Doc{}, false
	}
	d.Raw = buf
	d.Line = d.Start + leadingLines(buf)
	s.index++
	return d, true
}

// readLine returns the next line with its newline, as a fresh slice.
func (s *Scanner) readLine() ([]byte, error) {
	var out []byte
	for {
		part, err := s.r.ReadSlice('\n')
		out = append(out, part...)
		if err != bufio.ErrBufferFull {
			return out, err
		}
	}
}

// Parse fills Node and Object (or Err) of a YAML document; it does nothing
// for a document already parsed.
func (d *Doc) Parse() {
	if d.parsed || d.JSON {
		return
	}
	d.parsed = true
	parseYAML(d)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAML fills Node and Object, or Err.
func parseYAML(d *Doc) {
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
		}
		d.Err = &ParseError{File: d.File, Line: line, Msg: fmt.Sprintf("document %d: %s", d.Index+1, msg)}
		return
	}
	if n.Kind == 0 || len(n.Content) == 0 {
		return // only comments or whitespace
	}
	root := n.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return
	}
	v, err := toValue(root, 0)
	if err == nil {
		m, ok := v.(map[string]any)
		if !ok {
			err = fmt.Errorf("expected a Kubernetes object (a mapping), got %s", kindName(root))
		} else {
			d.Node, d.Object = &n, m
			return
		}
	}
	d.Err = &ParseError{File: d.File, Line: d.Start - 1 + root.Line, Msg: fmt.Sprintf("document %d: %v", d.Index+1, err)}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	}
	return "something else"
}

// splitJSON reads a stream of JSON values.
func splitJSON(name string, data []byte) []Doc {
	var docs []Doc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	prevEnd := 0
	for i := 0; ; i++ {
		startOff := max(int(dec.InputOffset()), prevEnd)
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return docs
		}
		endOff := int(dec.InputOffset())
		d := Doc{File: name, Index: i, JSON: true}
		contentOff := startOff + len(data[startOff:]) - len(bytes.TrimLeft(data[startOff:], " \t\r\n\ufeff"))
		d.Start = 1 + bytes.Count(data[:startOff], []byte("\n"))
		d.Line = 1 + bytes.Count(data[:contentOff], []byte("\n"))
		if err != nil {
			off := endOff
			var se *json.SyntaxError
			if errorsAs(err, &se) {
				off = int(se.Offset)
			}
			if off > len(data) {
				off = len(data)
			}
			d.Raw = data[startOff:]
			d.Err = &ParseError{File: name, Line: 1 + bytes.Count(data[:off], []byte("\n")), Msg: fmt.Sprintf("document %d: %v", i+1, err)}
			return append(docs, d) // the rest of a broken JSON stream cannot be located
		}
		for endOff < len(data) && strings.IndexByte(" \t\r\n", data[endOff]) >= 0 {
			endOff++ // trailing whitespace belongs to this document, so bytes are kept
		}
		d.Raw, prevEnd = data[startOff:endOff], endOff
		m, ok := Normalize(v).(map[string]any)
		if !ok {
			d.Err = &ParseError{File: name, Line: d.Line, Msg: fmt.Sprintf("document %d: expected a Kubernetes object (a JSON object)", i+1)}
		} else {
			d.Object = m
		}
		docs = append(docs, d)
	}
}
