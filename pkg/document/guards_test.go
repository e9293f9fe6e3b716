package document

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// good is a document that must come through every hostile stream intact.
const good = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n"

// bomb is a YAML alias bomb: 9 anchors, each a list of 9 aliases of the
// previous one (about 387 million values expanded).
func bomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), ", "))
	}
	return b.String()
}

func TestGuards(t *testing.T) {
	cases := []struct {
		name string
		src  string // the hostile document, followed by "---\n"+good in the test
		json bool   // src is JSON: good follows as a JSON value
		line int    // 0: the hostile document is accepted
		has  []string
		kind error
	}{
		{name: "alias bomb", src: bomb(), line: 11, has: []string{"data.a5[0]: excessive aliasing", "*a4"}, kind: ErrLimit},
		{name: "duplicate key in YAML", src: "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n  containers: []\n", line: 5, has: []string{`spec: duplicate key "containers" (first on line 4)`}, kind: ErrDuplicateKey},
		{name: "duplicate key in JSON", json: true, src: "{\"kind\": \"Pod\", \"spec\": {\"containers\": [],\n \"containers\": [{\"name\": \"x\"}]}}\n", line: 2, has: []string{`spec: duplicate key "containers" (first on line 1)`}, kind: ErrDuplicateKey},
		{name: "two merge keys", src: "a: &a {x: 1}\nb: &b {y: 1}\nc:\n  <<: *a\n  <<: *b\n", line: 5, has: []string{`c: duplicate merge key "<<"`}, kind: ErrDuplicateKey},
		{name: "merge value not a mapping", src: "a: &a [1]\nc:\n  <<: *a\n", line: 3, has: []string{"merge key"}, kind: ErrSyntax},
		{name: "merge keys expand", src: "base: &b {image: x, name: a}\nc:\n  <<: *b\n  name: own\n"},
		{name: "anchor from another document", src: "a: *fromBefore\n", line: 1, has: []string{"unknown anchor"}, kind: ErrSyntax},
		{name: "self-referencing alias", src: "a: &x [*x, *x]\n", line: 1, has: []string{"a"}, kind: ErrLimit},
		{name: "binary and custom tags kept as text", src: "a: !!binary aGk=\nb: !custom x\n"},
		{name: "deep nesting in YAML", src: "a: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", line: 1, has: []string{"nesting deeper than 256"}, kind: ErrLimit},
		{name: "deep nesting in JSON", json: true, src: `{"a": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}\n", line: 1, has: []string{"nesting deeper than 256"}, kind: ErrLimit},
		{name: "infinity", src: "a: .inf\n", line: 1, has: []string{".inf is not representable"}, kind: ErrSyntax},
		{name: "NUL byte", src: "a: x\nb: \x00\n", line: 2, has: []string{"control characters"}, kind: ErrSyntax},
		{name: "invalid UTF-8", src: "a: x\nb: \xff\xfe\n", line: 2, has: []string{"UTF-8"}, kind: ErrSyntax},
		{name: "CRLF", src: "a: 1\r\nb:\r\n- x\r\n"},
		{name: "root list", src: "- a\n", line: 1, has: []string{"expected a Kubernetes object"}, kind: ErrNotObject},
		{name: "JSON value not an object", json: true, src: "[1, 2]\n", line: 1, has: []string{"expected a Kubernetes object"}, kind: ErrNotObject},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src + "---\n" + good
			if tc.json {
				src = tc.src + `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "good"}}` + "\n"
			}
			start := time.Now()
			docs := Split("in.yaml", []byte(src))
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			if len(docs) != 2 {
				t.Fatalf("%d documents, want 2", len(docs))
			}
			if name := Lookup(docs[1].Object, "metadata", "name"); docs[1].Err != nil || name != "good" {
				t.Errorf("the next document was not read: %v %v", docs[1].Err, name)
			}
			err := docs[0].Err
			if tc.line == 0 {
				if err != nil || docs[0].Object == nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			want := fmt.Sprintf("in.yaml:%d: document 1: ", tc.line)
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want prefix %q", err, want)
			}
			for _, s := range tc.has {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if !errors.Is(err, ErrParse) || !errors.Is(err, tc.kind) {
				t.Errorf("error %v is not %v", err, tc.kind)
			}
		})
	}
}

// Lookup follows keys through nested maps (test helper).
func Lookup(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, _ := v.(map[string]any)
		v = mm[k]
	}
	return v
}

func TestMergeKeySemantics(t *testing.T) {
	d := Split("m.yaml", []byte("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: own\n"))[0]
	c, _ := d.Object["c"].(map[string]any)
	want := map[string]any{"x": int64(1), "y": "own", "z": int64(2)}
	if fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("merged %v, want %v (own keys win, then the first merged mapping)", c, want)
	}
}

func TestOversizedDocuments(t *testing.T) {
	big := "apiVersion: v1\nkind: ConfigMap\ndata:\n  blob: " + strings.Repeat("x", MaxDocumentBytes) + "\n"
	src := big + "---\n" + good
	for _, streamed := range []bool{false, true} {
		t.Run(fmt.Sprintf("streamed=%v", streamed), func(t *testing.T) {
			var sc *Scanner
			if streamed {
				sc = NewScanner("big.yaml", struct{ *strings.Reader }{strings.NewReader(src)}) // not recognized as in memory
			} else {
				sc = NewBytesScanner("big.yaml", []byte(src))
			}
			d, _ := sc.Next()
			d.Parse()
			if d.Err == nil || !errors.Is(d.Err, ErrLimit) || !strings.HasPrefix(d.Err.Error(), "big.yaml:1: document 1: document of ") {
				t.Errorf("error %v", d.Err)
			}
			if streamed != (d.Raw == nil) {
				t.Errorf("raw kept: %d bytes (a stream must drop it, bytes must keep it)", len(d.Raw))
			}
			next, ok := sc.Next()
			next.Parse()
			if !ok || next.Err != nil || Lookup(next.Object, "metadata", "name") != "good" || next.Line != 6 {
				t.Errorf("next document: %v %v line %d", next.Err, next.Object, next.Line)
			}
		})
	}
}

func TestMixedJSONAndYAML(t *testing.T) {
	src := "{\"kind\": \"A\"}\n{\"kind\": \"B\"}\n---\nkind: C\n---\nkind: D\n"
	docs := Split("mixed", []byte(src))
	var kinds []string
	var joined bytes.Buffer
	for _, d := range docs {
		if d.Err != nil {
			t.Fatal(d.Err)
		}
		kinds = append(kinds, fmt.Sprint(d.Object["kind"]))
		joined.Write(d.Raw)
	}
	if strings.Join(kinds, ",") != "A,B,C,D" || docs[3].Line != 6 || docs[3].Index != 3 {
		t.Errorf("kinds %v, last line %d index %d", kinds, docs[3].Line, docs[3].Index)
	}
	if joined.String() != src {
		t.Errorf("bytes lost:\n%q", joined.String())
	}
}

func TestBOM(t *testing.T) {
	for _, src := range []string{"\ufeff{\"kind\": \"A\"}\n", "\ufeffkind: A\n"} {
		docs := Split("bom", []byte(src))
		if len(docs) != 1 || docs[0].Err != nil || docs[0].Object["kind"] != "A" {
			t.Errorf("%q: %+v", src, docs)
		}
	}
}

// BenchmarkAliasBomb measures refusing the alias bomb (time and memory per
// document).
func BenchmarkAliasBomb(b *testing.B) {
	raw := []byte(bomb())
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for i := 0; i < b.N; i++ {
		d := Doc{File: "bomb.yaml", Raw: raw, Start: 1, Line: 1}
		d.Parse()
		if !errors.Is(d.Err, ErrLimit) {
			b.Fatal(d.Err)
		}
	}
}

// BenchmarkHugeDocument streams a 100 MB single document: it is refused
// without being kept, so memory per operation stays near the document
// bound, not the input size.
func BenchmarkHugeDocument(b *testing.B) {
	var src bytes.Buffer
	src.WriteString("apiVersion: v1\nkind: ConfigMap\ndata:\n")
	for i := 0; src.Len() < 100<<20; i++ {
		fmt.Fprintf(&src, "  key%d: %s\n", i, strings.Repeat("v", 100))
	}
	src.WriteString("---\n" + good)
	data := src.Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc := NewScanner("huge.yaml", struct{ *bytes.Reader }{bytes.NewReader(data)})
		d, _ := sc.Next()
		if !errors.Is(d.Err, ErrLimit) {
			b.Fatal(d.Err)
		}
		next, ok := sc.Next()
		next.Parse()
		if !ok || next.Err != nil {
			b.Fatal("next document lost")
		}
	}
}

// TestAliasBombRefusedBeforeExpanding: the alias bound is checked on the
// expansion's size, computed from the node tree, before any value is
// built; expanding up to the bound first cost about 83,000 allocations.
func TestAliasBombRefusedBeforeExpanding(t *testing.T) {
	raw := []byte(bomb())
	allocs := testing.AllocsPerRun(5, func() {
		d := Doc{File: "bomb.yaml", Raw: raw, Start: 1, Line: 1}
		d.Parse()
		if !errors.Is(d.Err, ErrLimit) {
			t.Fatal(d.Err)
		}
	})
	if allocs > 5000 {
		t.Errorf("refusing the alias bomb allocated %.0f objects, want under 5000 (its values were built)", allocs)
	}
}

// TestJSONStrayClosingBracket: bytes after a JSON value that close nothing
// ({...}} or {...}]) are a located error of their own (json.Decoder.More
// is false before them, so a reader looping on More would pass them), and
// the documents before and after are still read.
func TestJSONStrayClosingBracket(t *testing.T) {
	const obj = `{"apiVersion":"v1","kind":"ConfigMap"}`
	for _, tc := range []struct {
		name, src, msg string
		line, docs     int
	}{
		{name: "brace on the value's line", src: obj + "}", msg: `f.json:1: document 2: invalid character '}' after the JSON value that ends on line 1`, line: 1, docs: 2},
		{name: "bracket on its own line", src: obj + "\n]\n", msg: `f.json:2: document 2: invalid character ']' after the JSON value that ends on line 1`, line: 2, docs: 2},
		{name: "second value then a brace, YAML after", src: obj + "\n{\n\"kind\": \"A\"\n}}\n---\nkind: B\n", msg: `f.json:4: document 3: invalid character '}' after the JSON value that ends on line 4`, line: 4, docs: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := Split("f.json", []byte(tc.src))
			if len(docs) != tc.docs {
				t.Fatalf("%d documents, want %d: %+v", len(docs), tc.docs, docs)
			}
			var raw []byte
			bad := 0
			for i, d := range docs {
				raw = append(raw, d.Raw...)
				if d.Err == nil {
					if d.Object == nil {
						t.Errorf("document %d lost", i+1)
					}
					continue
				}
				bad++
				if d.Err.Error() != tc.msg || !errors.Is(d.Err, ErrSyntax) {
					t.Errorf("error %q, want %q (ErrSyntax)", d.Err, tc.msg)
				}
			}
			if bad != 1 {
				t.Errorf("%d errors, want 1", bad)
			}
			if string(raw) != tc.src {
				t.Errorf("documents' bytes %q, want the input %q", raw, tc.src)
			}
		})
	}
}

// TestJSONFieldLines: errors found after reading (such as a workload's
// shape) carry the field's line in JSON input too, not the document's; a
// missing field gets its nearest enclosing field's line.
func TestJSONFieldLines(t *testing.T) {
	src := "{\"kind\": \"ConfigMap\"}\n" + // document 1, line 1
		"{\n  \"kind\": \"Pod\",\n  \"spec\": {\n    \"initContainers\": 7,\n    \"containers\": [\n      {\"name\": \"app\"},\n      {\n        \"name\": 123\n      }\n    ]\n  }\n}\n"
	docs := Split("f.json", []byte(src))
	if len(docs) != 2 || docs[1].Err != nil {
		t.Fatalf("%+v", docs)
	}
	d := docs[1]
	for _, tc := range []struct {
		name  string
		path  []string
		line  int
		found bool
	}{
		{name: "root", path: nil, line: 2, found: true},
		{name: "key on its own line", path: []string{"spec", "initContainers"}, line: 5, found: true},
		{name: "list item", path: []string{"spec", "containers", "1"}, line: 8, found: true},
		{name: "field of a list item", path: []string{"spec", "containers", "1", "name"}, line: 9, found: true},
		{name: "missing field: nearest enclosing", path: []string{"spec", "containers", "0", "image"}, line: 7, found: false},
		{name: "index past the list", path: []string{"spec", "containers", "5"}, line: 6, found: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, found := d.nearestLine(tc.path)
			if line != tc.line || found != tc.found {
				t.Errorf("line %d found %v, want %d %v", line, found, tc.line, tc.found)
			}
		})
	}
	if got := d.At([]string{"spec", "containers", "1", "name"}, errors.New("expected a string")).Error(); got != "f.json:9: document 2: expected a string" {
		t.Errorf("At: %s", got)
	}
}
