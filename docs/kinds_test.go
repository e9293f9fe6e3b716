package docs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/regoengine"
	"github.com/nativize/nativize/pkg/rewrite"
	"github.com/nativize/nativize/pkg/validate"
)

// exampleBlock matches a fenced block announced by <!-- kinds-example: NAME -->.
var exampleBlock = regexp.MustCompile("(?s)<!-- kinds-example: ([a-z]+) -->\n```[a-z]*\n(.*?)```")

// TestKindsExample runs the worked `--config` example of KINDS.md: the
// config parses, the Go and Rego engines both turn the input into the
// documented output, and the checks report the documented findings with the
// config and none without it.
func TestKindsExample(t *testing.T) {
	md, err := os.ReadFile("KINDS.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string][]byte{}
	for _, m := range exampleBlock.FindAllSubmatch(md, -1) {
		blocks[string(m[1])] = m[2]
	}
	for _, name := range []string{"config", "input", "output", "check"} {
		if len(blocks[name]) == 0 {
			t.Fatalf("KINDS.md has no %q example block", name)
		}
	}
	cat, err := catalog.Parse(blocks["config"])
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	goEngine, err := engine.New(engine.Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	regoEngine, err := regoengine.New(regoengine.Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	docs := document.Split("pipeline.yaml", blocks["input"])
	if len(docs) != 1 || docs[0].Object == nil {
		t.Fatalf("example input: %d documents", len(docs))
	}
	for name, eng := range map[string]engine.Engine{"go": goEngine, "rego": regoEngine} {
		d := document.Split("pipeline.yaml", blocks["input"])[0] // rewriting edits the node tree
		r := rewrite.Doc(eng, &d)
		if r.Err != nil {
			t.Fatalf("%s: %v", name, r.Err)
		}
		if !bytes.Equal(r.Out, blocks["output"]) {
			t.Errorf("%s engine output differs from KINDS.md:\n%s", name, r.Out)
		}
	}

	render := func(fs []validate.Finding) string {
		var b strings.Builder
		for _, f := range fs {
			fmt.Fprintf(&b, "%s %s\n", f.Severity, f.Message)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		cat  *catalog.Catalog
		want string
	}{
		{"with the config", cat, string(blocks["check"])},
		{"default catalog: unknown kind", nil, ""},
	} {
		c, err := validate.New(validate.Options{Catalog: tc.cat})
		if err != nil {
			t.Fatal(err)
		}
		if got := render(c.Check(docs[0].Object)); got != tc.want {
			t.Errorf("%s: go checks\n%s\nwant\n%s", tc.name, got, tc.want)
		}
		r, err := regoengine.New(regoengine.Options{Catalog: tc.cat})
		if err != nil {
			t.Fatal(err)
		}
		rf, err := r.Check(context.Background(), docs[0].Object)
		if err != nil {
			t.Fatal(err)
		}
		if got := render(rf); got != tc.want {
			t.Errorf("%s: rego checks\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}
