package catalog

import (
	"bytes"
	"strings"

	"github.com/nativize/nativize/pkg/document"
)

// Prefilter is a conservative literal test that lets callers skip decoding
// documents that cannot matter: no catalog name, no image fragment, no
// nativize.dev/ annotation, no restartPolicy, and certainly well-formed. It
// never says "skip" for a document that could be converted or checked, nor
// for one whose decoding could fail (so its error is reported).
type Prefilter struct {
	literals [][]byte
}

// alwaysRelevant are literals that make any document worth decoding.
var alwaysRelevant = []string{
	"nativize.dev/", // annotations naming extra sidecars or opt-outs
	"restartPolicy", // native sidecars and restartPolicy checks
	"quitquitquit",  // obsolete Istio shutdown wrappers (NS007)
	"linkerd-await", // obsolete Linkerd wrappers (NS007)
	"pilot-agent",
	// workloads and Lists are decoded so their shape is checked
	// (workload.Shape) in mutate as in check, sidecars or not
	"ontainers",
	`\`, // escapes in quoted scalars could spell a name in disguise
}

// Prefilter returns the catalog's prefilter.
func (c *Catalog) Prefilter() *Prefilter {
	c.prefilterOnce.Do(func() {
		seen := map[string]bool{}
		p := &Prefilter{}
		add := func(s string) {
			if s != "" && !seen[s] {
				seen[s] = true
				p.literals = append(p.literals, []byte(s))
			}
		}
		for _, s := range alwaysRelevant {
			add(s)
		}
		for _, e := range c.Containers {
			add(e.Name)
			for _, g := range e.Images {
				add(longestLiteral(g))
			}
		}
		c.prefilter = p
	})
	return c.prefilter
}

// longestLiteral returns the longest run of a glob without wildcards.
func longestLiteral(glob string) string {
	best := ""
	for _, part := range strings.FieldsFunc(glob, func(r rune) bool { return r == '*' || r == '?' }) {
		if len(part) > len(best) {
			best = part
		}
	}
	return best
}

// MayMatter reports whether a document's bytes could hold anything nativize
// acts on or could fail to decode; false means decoding it is wasted work.
// Documents outside the plain block style that document.PlainValid proves
// well-formed in one cheap pass (anchors, flow style, tabs, non-ASCII, …)
// are always decoded, so a broken one is reported instead of passed through.
func (p *Prefilter) MayMatter(raw []byte) bool {
	for _, lit := range p.literals {
		if bytes.Contains(raw, lit) {
			return true
		}
	}
	return !document.PlainValid(raw)
}
