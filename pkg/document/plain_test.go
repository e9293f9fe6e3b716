package document

import (
	"testing"
)

// plainCases are documents PlainValid must accept (true) or leave to the
// parser (false). Every accepted one must parse; the fuzz target below
// holds that for any input.
var plainCases = []struct {
	name string
	src  string
	want bool
}{
	{"kubectl style", "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels:\n    app.kubernetes.io/name: a\nspec:\n  ports:\n  - name: http\n    port: 80\n", true},
	{"indented sequences", "spec:\n  containers:\n    - name: a\n      args:\n        - --x=1\n        - \"2\"\n", true},
	{"separator and comments", "--- # head\n# c\na: 1 # c\n   # odd comment\nb: 'it''s'\n", true},
	{"block scalars", "data:\n  a: |\n    x: [\n      y\n\n    # not a comment\n  b: >-\n    folded\nc: 1\n", true},
	{"empty block scalar", "a: |\nb: 1\n", true},
	{"flow", "a: {}\nb: []\nc: {x: 1, y: [a, \"b\", 'c']}\nd: [{port: 80}]\n", true},
	{"crlf", "a: 1\r\nb:\r\n- x\r\n", true},
	{"null values", "a:\nb:\n  c:\nd: ~\n", true},
	{"only comments", "# nothing\n", true},
	{"empty", "", true},

	{"duplicate key", "a: 1\nb: 2\na: 3\n", false},
	{"duplicate key in a list item", "l:\n- n: 1\n  n: 2\n", false},
	{"duplicate key in flow", "a: {x: 1, x: 2}\n", false},
	{"same key in sibling items is fine, but the parser is asked only when unsure", "l:\n- n: 1\n- n: 2\n", true},
	{"unclosed flow", "a: [x\nb: 2\n", false},
	{"unclosed quote", "a: \"x\nb: 2\n", false},
	{"anchor", "a: &x 1\nb: *x\n", false},
	{"merge", "a: &x {k: v}\nb:\n  <<: *x\n", false},
	{"tag", "a: !!binary aGk=\n", false},
	{"tab indentation", "a:\n\tb: 1\n", false},
	{"nul byte", "a: \x00\n", false},
	{"bom", "\ufeffa: 1\n", false},
	{"non-ascii", "a: é\n", false},
	{"root list", "- a\n", false},
	{"root scalar", "text\n", false},
	{"mapping value in plain scalar", "a: b: c\n", false},
	{"continuation line", "a: b\n  c\n", false},
	{"bad dedent", "a:\n    b: 1\n  c: 2\n", false},
	{"list after scalar", "a: 1\n- x\n", false},
	{"escapes", "a: \"\\x41\"\n", false},
	{"infinity", "a: .inf\n", false},
	{"indentation indicator", "a: |2\n   x\n", false},
	{"block scalar less indented line", "a: |\n    x\n  y\n", false},
	{"inline document", "--- {a: 1}\n", false},
	{"document end", "a: 1\n...\n", false},
}

func TestPlainValid(t *testing.T) {
	for _, tc := range plainCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlainValid([]byte(tc.src)); got != tc.want {
				t.Errorf("PlainValid(%q) = %v, want %v", tc.src, got, tc.want)
			}
			if tc.want {
				d := Doc{File: "p.yaml", Raw: []byte(tc.src), Start: 1, Line: 1}
				d.Parse()
				if d.Err != nil {
					t.Errorf("accepted but does not parse: %v", d.Err)
				}
			}
		})
	}
}

// FuzzPlainValid holds the fast path to the parser: whatever it accepts
// must decode into a mapping (or nothing) without error.
func FuzzPlainValid(f *testing.F) {
	for _, tc := range plainCases {
		f.Add([]byte(tc.src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 || !PlainValid(data) {
			return
		}
		d := Doc{File: "p.yaml", Raw: data, Start: 1, Line: 1}
		d.Parse()
		if d.Err != nil {
			t.Fatalf("PlainValid accepted %q, which does not decode: %v", data, d.Err)
		}
	})
}
