package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// jsonOutput prints {"findings": [...], "summary": {...}}, streaming each
// finding as it is written so memory stays flat on large inputs. The bytes
// equal an indented encoding of the whole document.
type jsonOutput struct {
	w       *bufio.Writer
	summary Summary
	started bool
	buf     bytes.Buffer
}

func newJSONOutput(w io.Writer) *jsonOutput { return &jsonOutput{w: bufio.NewWriterSize(w, 64*1024)} }

// encode writes v indented as if nested under prefix, without a newline.
func (o *jsonOutput) encode(v any, prefix string) error {
	o.buf.Reset()
	enc := json.NewEncoder(&o.buf)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := o.w.Write(bytes.TrimSuffix(o.buf.Bytes(), []byte("\n")))
	return err
}

func (o *jsonOutput) Write(r Result) error {
	o.summary.Add(r)
	for _, f := range r.Findings {
		sep := ",\n    "
		if !o.started {
			sep, o.started = "{\n  \"findings\": [\n    ", true
		}
		if _, err := o.w.WriteString(sep); err != nil {
			return err
		}
		if err := o.encode(f, "    "); err != nil {
			return err
		}
	}
	return nil
}

func (o *jsonOutput) Flush() error {
	head := "\n  ],\n  \"summary\": "
	if !o.started {
		head = "{\n  \"findings\": [],\n  \"summary\": "
	}
	if _, err := o.w.WriteString(head); err != nil {
		return err
	}
	if err := o.encode(o.summary, "  "); err != nil {
		return err
	}
	if _, err := o.w.WriteString("\n}\n"); err != nil {
		return err
	}
	return o.w.Flush()
}
