package document

import (
	"errors"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name      string
		src       string
		wantDocs  int
		wantLines []int
		wantErr   map[int]string // doc index → "FILE:LINE: " prefix
		wantEmpty []int
	}{
		{name: "single", src: "a: 1\n", wantDocs: 1, wantLines: []int{1}},
		{name: "leading separator and comments", src: "# c\n---\na: 1\n---\n# only a comment\n---\nb: 2\n", wantDocs: 4, wantLines: []int{1, 3, 4, 7}, wantEmpty: []int{0, 2}},
		{name: "separator with comment", src: "a: 1\n--- # next\nb: 2\n", wantDocs: 2, wantLines: []int{1, 3}},
		{name: "dashes inside a block scalar are not separators", src: "a: |\n  ---x\n  y\n", wantDocs: 1},
		{name: "bad document located", src: "a: 1\n---\nb: [x\nc: 2\n---\nd: 4\n", wantDocs: 3, wantErr: map[int]string{1: "f.yaml:3: "}},
		{name: "scalar document is an error", src: "just text\n", wantDocs: 1, wantErr: map[int]string{0: "f.yaml:1: "}},
		{name: "duplicate key is an error", src: "a: 1\nb: 2\na: 3\n", wantDocs: 1, wantErr: map[int]string{0: "f.yaml:3: document 1: duplicate key \"a\" (first on line 1)"}},
		{name: "json stream", src: "{\"a\": 1}\n{\"b\":\n 2}\n", wantDocs: 2, wantLines: []int{1, 2}},
		{name: "broken json", src: "{\"a\": 1}\n{\"b\": }\n", wantDocs: 2, wantErr: map[int]string{1: "f.yaml:2: "}},
		{name: "no trailing newline", src: "a: 1\n---\nb: 2", wantDocs: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs := Split("f.yaml", []byte(tc.src))
			if len(docs) != tc.wantDocs {
				t.Fatalf("%d documents, want %d", len(docs), tc.wantDocs)
			}
			var joined strings.Builder
			for i, d := range docs {
				joined.Write(d.Raw)
				if tc.wantLines != nil && d.Line != tc.wantLines[i] {
					t.Errorf("doc %d line %d, want %d", i, d.Line, tc.wantLines[i])
				}
				if want, ok := tc.wantErr[i]; ok {
					if d.Err == nil || !strings.HasPrefix(d.Err.Error(), want) || !errors.Is(d.Err, ErrParse) {
						t.Errorf("doc %d error %v, want prefix %q", i, d.Err, want)
					}
				} else if d.Err != nil {
					t.Errorf("doc %d unexpected error %v", i, d.Err)
				}
			}
			for _, i := range tc.wantEmpty {
				if !docs[i].Empty() {
					t.Errorf("doc %d not empty", i)
				}
			}
			if joined.String() != tc.src {
				t.Errorf("raw bytes do not add up to the input:\n%q\n%q", joined.String(), tc.src)
			}
		})
	}
}

func TestValues(t *testing.T) {
	docs := Split("v.yaml", []byte("i: 3\nf: 1.5\nb: true\nn: null\ns: '3'\nts: 2024-01-01\nbig: 1e3\nanchor: &x {k: v}\nref: *x\nmerged:\n  <<: *x\n  own: 1\n"))
	o := docs[0].Object
	want := map[string]any{"i": int64(3), "f": 1.5, "b": true, "n": nil, "s": "3", "ts": "2024-01-01", "big": 1000.0}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("%s = %#v (%T), want %#v", k, o[k], o[k], v)
		}
	}
	if m := o["merged"].(map[string]any); m["k"] != "v" || m["own"] != int64(1) {
		t.Errorf("merge key: %v", m)
	}
	if r := o["ref"].(map[string]any); r["k"] != "v" {
		t.Errorf("alias: %v", r)
	}
}

func TestLineOf(t *testing.T) {
	src := "# c\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n  - name: b\n"
	d := Split("p.yaml", []byte(src))[1]
	if got := d.LineOf([]string{"spec", "containers", "1"}); got != 8 {
		t.Errorf("LineOf = %d, want 8", got)
	}
	if got := d.LineOf([]string{"spec", "nope"}); got != d.Line {
		t.Errorf("LineOf missing = %d, want %d", got, d.Line)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a: 1\n---\nb: [", "{\"a\":1}{\"b\":2}", "--- |\n  x\n", "a: &a [*a]\n", "- x\n", "\ufeff{\"a\":1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs := Split("fuzz", data)
		var n int
		for _, d := range docs {
			n += len(d.Raw)
			if d.Err != nil && !strings.HasPrefix(d.Err.Error(), "fuzz:") {
				t.Fatalf("error without file: %v", d.Err)
			}
		}
		if !isJSON(data) && n != len(data) {
			t.Fatalf("YAML documents lost bytes: %d of %d", n, len(data))
		}
	})
}

func TestUsesCompactSeq(t *testing.T) {
	cases := []struct {
		src  string
		want bool
	}{
		{"spec:\n  containers:\n  - name: a\n", true},
		{"spec:\n  containers:\n    - name: a\n", false},
		{"a: 1\nb:\n# comment\n- x\n", true},
		{"metadata: {name: x}\nitems: []\n", false},
		{"args:\n  - a\nlist:\n- b\n", false},
	}
	for _, tc := range cases {
		if got := usesCompactSeq([]byte(tc.src)); got != tc.want {
			t.Errorf("usesCompactSeq(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}
