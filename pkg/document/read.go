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

// Each reads the paths one file at a time and calls fn for every document in
// order. A document that does not parse is passed with Err set; reading goes
// on. A path that cannot be read stops with an error.
func Each(paths []string, recursive bool, stdin io.Reader, fn func(Doc) error) error {
	files, err := Expand(paths, recursive)
	if err != nil {
		return err
	}
	for _, f := range files {
		var data []byte
		if f == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			return err
		}
		for _, d := range Split(f, data) {
			if err := fn(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// Split parses one file's bytes into documents.
func Split(name string, data []byte) []Doc {
	if isJSON(data) {
		return splitJSON(name, data)
	}
	var docs []Doc
	for i, c := range chunks(data) {
		d := Doc{File: name, Index: i, Start: c.start, Raw: c.raw, Separator: c.sep}
		d.Line = c.start + leadingLines(c.raw)
		parseYAML(&d)
		docs = append(docs, d)
	}
	return docs
}

func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

type chunk struct {
	raw   []byte
	sep   string
	start int
}

// isSeparator reports whether line opens a new YAML document.
func isSeparator(line string) bool {
	if !strings.HasPrefix(line, "---") {
		return false
	}
	rest := line[3:]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}

// chunks splits a YAML stream at `---` lines, keeping every byte.
func chunks(data []byte) []chunk {
	var out []chunk
	cur := chunk{start: 1}
	var buf []byte
	line := 1
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	sc.Split(scanLinesKeepEOL)
	for sc.Scan() {
		l := sc.Bytes()
		if isSeparator(string(l)) {
			if len(buf) > 0 || cur.sep != "" {
				cur.raw = buf
				out = append(out, cur)
			}
			cur = chunk{start: line, sep: string(l)}
			buf = append([]byte(nil), l...)
		} else {
			buf = append(buf, l...)
		}
		line++
	}
	if len(buf) > 0 {
		cur.raw = buf
		out = append(out, cur)
	}
	return out
}

func scanLinesKeepEOL(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
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
		m, ok := normalize(v).(map[string]any)
		if !ok {
			d.Err = &ParseError{File: name, Line: d.Line, Msg: fmt.Sprintf("document %d: expected a Kubernetes object (a JSON object)", i+1)}
		} else {
			d.Object = m
		}
		docs = append(docs, d)
	}
}
