package catalog

import (
	"bytes"
	"strings"
)

// Prefilter is a conservative literal test that lets callers skip decoding
// documents that cannot matter: no catalog name, no image fragment, no
// nativize.dev/ annotation, no restartPolicy. It never says "skip" for a
// document that could be converted or checked.
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
// acts on; false means decoding it is wasted work.
func (p *Prefilter) MayMatter(raw []byte) bool {
	for _, lit := range p.literals {
		if bytes.Contains(raw, lit) {
			return true
		}
	}
	return false
}
