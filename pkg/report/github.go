package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/nativize/nativize/pkg/validate"
)

// githubOutput prints GitHub Actions workflow commands (::error file=…,line=…::…).
type githubOutput struct{ w io.Writer }

func (o *githubOutput) Write(r Result) error {
	for _, f := range r.Findings {
		cmd := "notice"
		switch f.Severity {
		case validate.SeverityError:
			cmd = "error"
		case validate.SeverityWarning:
			cmd = "warning"
		}
		var props []string
		file := f.File
		if file == "" {
			file = r.File
		}
		if file != "" && file != "-" {
			props = append(props, "file="+escapeProperty(file))
		}
		if l := line(f); l > 0 {
			props = append(props, fmt.Sprintf("line=%d", l))
		}
		props = append(props, "title="+escapeProperty(f.Check))
		target := objectName(f.Object)
		if f.Container != "" {
			target += " " + f.Container
		}
		if _, err := fmt.Fprintf(o.w, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(target+": "+shortMessage(f))); err != nil {
			return err
		}
	}
	return nil
}

func (o *githubOutput) Flush() error { return nil }

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
