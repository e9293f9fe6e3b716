package report

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/nativize/nativize/pkg/validate"
)

// SARIF 2.1.0 identifiers.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// sarifOutput prints one SARIF 2.1.0 log with a rule per check on Flush.
type sarifOutput struct {
	w        io.Writer
	version  string
	findings []validate.Finding
}

type sarifLog struct {
	Version string     `json:"version"`
	Schema  string     `json:"$schema"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	Help                 sarifText       `json:"help"`
	HelpURI              string          `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex *int            `json:"ruleIndex,omitempty"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

func (o *sarifOutput) Write(r Result) error {
	for _, f := range r.Findings {
		if f.File == "" {
			f.File = r.File
		}
		o.findings = append(o.findings, f)
	}
	return nil
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(s validate.Severity) string {
	switch s {
	case validate.SeverityError:
		return "error"
	case validate.SeverityWarning:
		return "warning"
	}
	return "note"
}

func (o *sarifOutput) Flush() error {
	driver := sarifDriver{Name: "nativize", InformationURI: "https://github.com/nativize/nativize", Version: o.version}
	index := map[string]int{}
	for i, r := range validate.Rules() {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			Name:                 r.Name,
			ShortDescription:     sarifText{Text: r.Summary},
			Help:                 sarifText{Text: r.Help},
			HelpURI:              "https://github.com/nativize/nativize/blob/main/docs/CHECKS.md",
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, f := range o.findings {
		var ruleIndex *int
		if i, ok := index[f.Check]; ok {
			ruleIndex = &i
		}
		loc := sarifLocation{}
		if f.File != "" && f.File != "-" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(f.File)}}
			if l := line(f); l > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: l}
			}
		}
		name := objectName(f.Object)
		if f.Container != "" {
			name += "/" + f.Container
		}
		loc.LogicalLocations = []sarifLogical{{Name: f.Object.Name, FullyQualifiedName: name, Kind: "object"}}
		run.Results = append(run.Results, sarifResult{
			RuleID:    f.Check,
			RuleIndex: ruleIndex,
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: f.Message},
			Locations: []sarifLocation{loc},
		})
	}
	enc := json.NewEncoder(o.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Version: SARIFVersion, Schema: SARIFSchema, Runs: []sarifRun{run}})
}

// sarifURI turns a file path into a relative URI with forward slashes.
func sarifURI(path string) string {
	p := filepath.ToSlash(filepath.Clean(path))
	return strings.TrimPrefix(p, "./")
}
