package report

import (
	"fmt"
	"io"
	"strings"
)

// tapOutput prints TAP version 13: one test point per object and check.
type tapOutput struct {
	w       io.Writer
	results []Result
}

func (o *tapOutput) Write(r Result) error {
	o.results = append(o.results, r)
	return nil
}

func (o *tapOutput) Flush() error {
	ids := checkIDs(o.results)
	var b strings.Builder
	b.WriteString("TAP version 13\n")
	fmt.Fprintf(&b, "1..%d\n", len(ids)*len(o.results))
	n := 0
	for _, r := range o.results {
		groups := byCheck(r.Findings)
		for _, id := range ids {
			n++
			fs := groups[id]
			status := "ok"
			if failing(fs) {
				status = "not ok"
			}
			fmt.Fprintf(&b, "%s %d - %s %s %s\n", status, n, r.File, objectName(r.Object), id)
			if len(fs) == 0 {
				continue
			}
			b.WriteString("  ---\n  findings:\n")
			for _, f := range fs {
				fmt.Fprintf(&b, "    - severity: %s\n", f.Severity)
				if f.Container != "" {
					fmt.Fprintf(&b, "      container: %q\n", f.Container)
				}
				if l := line(f); l > 0 {
					fmt.Fprintf(&b, "      line: %d\n", l)
				}
				fmt.Fprintf(&b, "      message: %q\n", f.Message)
			}
			b.WriteString("  ...\n")
		}
	}
	_, err := io.WriteString(o.w, b.String())
	return err
}
