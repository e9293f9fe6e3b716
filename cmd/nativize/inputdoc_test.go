package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestInputDocTable holds docs/INPUT.md's table of input classes (section
// "Every entry point") to TestInputClasses: every row names a test case and
// every test case has a row.
func TestInputDocTable(t *testing.T) {
	b, err := os.ReadFile("../../docs/INPUT.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Every entry point\n")
	if !ok {
		t.Fatal(`docs/INPUT.md has no "## Every entry point" section`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	_, section, ok = strings.Cut(section, "\n| class | what nativize does |")
	if !ok {
		t.Fatal(`docs/INPUT.md: no table "| class | what nativize does |" in "Every entry point"`)
	}
	if i := strings.Index(section, "\n\n"); i >= 0 {
		section = section[:i] // the table ends at the first blank line
	}
	row := regexp.MustCompile("(?m)^\\| `([a-zA-Z0-9-]+)` \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		if documented[m[1]] {
			t.Errorf("docs/INPUT.md: row %q twice", m[1])
		}
		documented[m[1]] = true
	}
	tested := map[string]bool{}
	for _, r := range inputRows {
		tested[r.name] = true
		if !documented[r.name] {
			t.Errorf("input class %q has no row in docs/INPUT.md", r.name)
		}
	}
	for name := range documented {
		if !tested[name] {
			t.Errorf("docs/INPUT.md row %q has no case in TestInputClasses", name)
		}
	}
	if len(tested) < 25 {
		t.Errorf("only %d input classes tested", len(tested))
	}
}
