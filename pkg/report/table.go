package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/nativize/nativize/pkg/validate"
)

// ANSI colours used on terminals.
const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiGreen  = "\x1b[32m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

// tableOutput prints findings grouped by file, for people, then a one-line summary.
type tableOutput struct {
	w       io.Writer
	color   bool
	files   []string
	byFile  map[string][]validate.Finding
	summary Summary
}

func newTable(w io.Writer, opts Options) *tableOutput {
	return &tableOutput{w: w, color: opts.Color, byFile: map[string][]validate.Finding{}}
}

func (o *tableOutput) Write(r Result) error {
	o.summary.Add(r)
	for _, f := range r.Findings {
		file := f.File
		if file == "" {
			file = r.File
		}
		if _, ok := o.byFile[file]; !ok {
			o.files = append(o.files, file)
		}
		o.byFile[file] = append(o.byFile[file], f)
	}
	return nil
}

func (o *tableOutput) paint(code, s string) string {
	if !o.color {
		return s
	}
	return code + s + ansiReset
}

func (o *tableOutput) severity(s validate.Severity) string {
	// Pad before painting so the escape codes do not break column widths.
	text := fmt.Sprintf("%-7s", s)
	switch s {
	case validate.SeverityError:
		return o.paint(ansiRed, text)
	case validate.SeverityWarning:
		return o.paint(ansiYellow, text)
	default:
		return o.paint(ansiBlue, text)
	}
}

func (o *tableOutput) Flush() error {
	for i, file := range o.files {
		if i > 0 {
			fmt.Fprintln(o.w)
		}
		name := file
		if name == "" {
			name = "(unnamed input)"
		}
		fmt.Fprintln(o.w, o.paint(ansiBold, name))
		tw := tabwriter.NewWriter(o.w, 0, 0, 2, ' ', 0)
		for _, f := range o.byFile[file] {
			loc := "-"
			if l := line(f); l > 0 {
				loc = fmt.Sprint(l)
			}
			target := objectName(f.Object)
			if f.Container != "" {
				target += " " + f.Container
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", loc, o.severity(f.Severity), f.Check, target, shortMessage(f))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(o.files) > 0 {
		fmt.Fprintln(o.w)
	}
	_, err := fmt.Fprintln(o.w, o.summaryLine())
	return err
}

func (o *tableOutput) summaryLine() string {
	s := o.summary
	counts := []string{plural(s.Errors, "error"), plural(s.Warnings, "warning"), fmt.Sprintf("%d info", s.Infos)}
	text := fmt.Sprintf("%s checked: %s", plural(s.Objects, "object"), strings.Join(counts, ", "))
	switch {
	case s.Errors > 0:
		return o.paint(ansiRed, text)
	case s.Warnings > 0:
		return o.paint(ansiYellow, text)
	default:
		return o.paint(ansiGreen, text)
	}
}
