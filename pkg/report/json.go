package report

import (
	"encoding/json"
	"io"

	"github.com/nativize/nativize/pkg/validate"
)

// jsonOutput prints {"findings": [...], "summary": {...}} on Flush.
type jsonOutput struct {
	w        io.Writer
	findings []validate.Finding
	summary  Summary
}

func (o *jsonOutput) Write(r Result) error {
	o.summary.Add(r)
	o.findings = append(o.findings, r.Findings...)
	return nil
}

func (o *jsonOutput) Flush() error {
	doc := struct {
		Findings []validate.Finding `json:"findings"`
		Summary  Summary            `json:"summary"`
	}{Findings: o.findings, Summary: o.summary}
	if doc.Findings == nil {
		doc.Findings = []validate.Finding{}
	}
	enc := json.NewEncoder(o.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
