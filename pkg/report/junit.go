package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// junitOutput prints JUnit XML: a test suite per file, a test case per object and check.
type junitOutput struct {
	w       io.Writer
	results []Result
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func (o *junitOutput) Write(r Result) error {
	o.results = append(o.results, r)
	return nil
}

func (o *junitOutput) Flush() error {
	ids := checkIDs(o.results)
	doc := junitSuites{Name: "nativize"}
	index := map[string]int{}
	for _, r := range o.results {
		i, ok := index[r.File]
		if !ok {
			i = len(doc.Suites)
			index[r.File] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: r.File})
		}
		suite := &doc.Suites[i]
		groups := byCheck(r.Findings)
		for _, id := range ids {
			c := junitCase{Name: id, ClassName: objectName(r.Object), File: r.File}
			var lines []string
			for _, f := range groups[id] {
				text := f.Message
				if f.Container != "" {
					text = fmt.Sprintf("%s (container %s)", text, f.Container)
				}
				if l := line(f); l > 0 {
					text = fmt.Sprintf("%s:%d: %s", r.File, l, text)
				}
				lines = append(lines, fmt.Sprintf("%s: %s", f.Severity, text))
			}
			if fs := groups[id]; failing(fs) {
				c.Failure = &junitFailure{Message: fs[0].Message, Type: string(fs[0].Severity), Text: strings.Join(lines, "\n")}
				suite.Failures++
				doc.Failures++
			} else if len(lines) > 0 {
				c.SystemOut = strings.Join(lines, "\n")
			}
			suite.Cases = append(suite.Cases, c)
			suite.Tests++
			doc.Tests++
		}
	}
	if _, err := io.WriteString(o.w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(o.w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(o.w, "\n")
	return err
}
