package main

import (
	"context"
	"fmt"
	"os"

	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"
	"github.com/spf13/pflag"

	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/gatekeeper"
	"github.com/nativize/nativize/pkg/provider"
	checkreport "github.com/nativize/nativize/pkg/report"
	"github.com/nativize/nativize/pkg/rewrite"
	"github.com/nativize/nativize/pkg/stream"
	"github.com/nativize/nativize/pkg/validate"
)

func init() {
	register(command{name: "check", summary: "check manifests for classic sidecars and native-sidecar mistakes", usage: checkUsage,
		flags: func(fs *pflag.FlagSet) runFunc {
			p := &checkParams{}
			p.register(fs)
			return p.run
		}})
}

const checkUsage = `Check manifests for classic sidecars and for the mistakes that make native
sidecars fail (checks NS001–NS008, docs/CHECKS.md). Every finding carries the
JSON patch "nativize mutate" would apply where the conversion fixes it.

Exit status: 0 nothing at or above --fail-on, 1 something was, 2 usage or
input errors (bad documents are reported as FILE:LINE: message and skipped;
the rest is still checked).

Usage:
  nativize check -f PATH... [-R] [--engine go|rego|gatekeeper] [-o FORMAT]
                 [--fail-on error|warning|never] [--kube-version V] [--config F]

Examples:
  nativize check -f k8s/ -R                              # table for people
  nativize check -f k8s/ -R -o sarif > nativize.sarif    # GitHub code scanning
  nativize check -f k8s/ -R -o github                    # workflow annotations
  nativize check -f job.yaml -o json --fail-on warning
  helm template my-chart | nativize check -f - --kube-version 1.28
  nativize check -f k8s/ -R --engine gatekeeper          # via the ConstraintTemplates
`

// newGatekeeperChecker builds the Gatekeeper engine: the library/
// ConstraintTemplates and Constraints through frameworks/constraint with the
// Rego driver and Gatekeeper's K8sValidationTarget, as gator evaluates them;
// library "" means the embedded library.
func newGatekeeperChecker(base engine.Engine, kubeVersion, library string) (engine.Engine, error) {
	cat := base.Catalog()
	opts := gatekeeper.Options{Catalog: cat, KubeVersion: kubeVersion}
	hook, err := inProcessProvider(base)
	if err != nil {
		return nil, err
	}
	opts.ExternalData = hook
	if library != "" {
		if _, err := os.Stat(library); err != nil {
			return nil, fmt.Errorf("--library: %w", err)
		}
		opts.Library = os.DirFS(library)
	}
	e, err := gatekeeper.New(opts)
	if err != nil {
		return nil, fmt.Errorf("--engine gatekeeper: %w", err)
	}
	return engine.WithChecks(base, e.Check), nil
}

// inProcessProvider answers the external_data calls of templates such as
// library/provider's (provider "nativize") with the provider's own code and
// the Go engine, in process: what gator cannot do offline.
func inProcessProvider(e engine.Engine) (gatekeeper.ExternalDataFunc, error) {
	return func(_ context.Context, name string, keys []string) ([]externaldata.Item, error) {
		if name != "nativize" {
			return nil, fmt.Errorf("no in-process external data provider %q", name)
		}
		return provider.Items(e, keys), nil
	}, nil
}

// checkParams are the parsed flags of `nativize check`.
type checkParams struct {
	in      inputFlags
	output  string
	failOn  string
	library string
}

func (p *checkParams) register(fs *pflag.FlagSet) {
	p.in.register(fs)
	fs.Lookup("engine").Usage = "checks engine: go, rego or gatekeeper"
	enumFlag(fs, "engine", "go", "rego", "gatekeeper")
	fs.Lookup("kube-version").Usage = "target Kubernetes version (NS004, NS006; below 1.28 no fix is offered)"
	fs.StringVarP(&p.output, "output", "o", "table", "report format: "+orList(checkreport.Formats()))
	enumFlag(fs, "output", checkreport.Formats()...)
	failOnFlag(fs, &p.failOn, "exit 1 when a finding is at least this severe")
	_ = fs.MarkHidden("validate-all") // check always decodes every document
	fs.StringVar(&p.library, "library", "", "Gatekeeper library directory for --engine gatekeeper (default: the embedded library/)")
}

func (p *checkParams) run(_ context.Context, fs *pflag.FlagSet, s streams) int {
	if code := p.validate(fs, s); code >= 0 {
		return code
	}
	eng, err := p.engine()
	if err != nil {
		fmt.Fprintf(s.Err, "nativize check: %v\n", err)
		return 2
	}
	out, err := checkreport.New(p.output, s.Out, checkreport.Options{Color: p.output == "table" && isTerminal(s.Out), Version: version})
	if err != nil {
		fmt.Fprintf(s.Err, "nativize check: %v\n", err)
		return 2
	}
	return checkInputs(*p, eng, out, s)
}

// validate checks flag values; it returns -1 to go on.
func (p *checkParams) validate(fs *pflag.FlagSet, s streams) int {
	if code := p.in.requireFiles(fs, s); code >= 0 {
		return code
	}
	switch {
	case p.library != "" && p.in.engine != "gatekeeper":
		fmt.Fprintln(s.Err, "nativize check: --library needs --engine gatekeeper")
	default:
		return -1
	}
	return 2
}

// engine builds the checks engine the flags select.
func (p *checkParams) engine() (engine.Engine, error) {
	in := p.in
	if in.engine == "gatekeeper" {
		in.engine = "go" // plans (for the in-process provider) from the Go rules
	}
	e, err := in.newEngine()
	if err != nil {
		return nil, err
	}
	if p.in.engine == "gatekeeper" {
		return newGatekeeperChecker(e, p.in.kubeVersion, p.library)
	}
	return e, nil
}

// checkInputs checks the documents on every core (--workers), reading one
// at a time, and writes the report in input order.
func checkInputs(p checkParams, eng engine.Engine, out checkreport.Output, s streams) int {
	st, err := document.Open(p.in.files, p.in.recursive, s.In)
	if err != nil {
		fmt.Fprintf(s.Err, "nativize check: %v\n", err)
		out.Flush()
		return 2
	}
	defer st.Close()
	inputErr := false
	failed := false
	threshold, _ := validate.FailThreshold(p.failOn) // checked by its enumFlag
	work := func(d document.Doc) checkedDoc {
		d.Parse()
		c := checkedDoc{doc: d}
		if d.Err != nil || d.Object == nil {
			return c
		}
		if c.doc.Err = rewrite.Shape(eng.Catalog(), &d); c.doc.Err != nil {
			return c // reported like a parse error, whatever the engine
		}
		targets := validate.Targets(d.Object, eng.Catalog())
		if len(targets) == 0 {
			return c // no pod spec: nothing any engine checks
		}
		findings, err := eng.Check(context.Background(), d.Object)
		if err != nil {
			c.err = err
			return c
		}
		c.results = results(&c.doc, findings, targets)
		return c
	}
	emit := func(c checkedDoc) error {
		switch {
		case c.doc.Err != nil:
			fmt.Fprintln(s.Err, c.doc.Err)
			inputErr = true
			return nil
		case c.err != nil:
			fmt.Fprintf(s.Err, "%s: %v\n", c.doc.Where(), c.err)
			inputErr = true
			return nil
		}
		for _, r := range c.results {
			for _, f := range r.Findings {
				if threshold != "" && f.Severity.AtLeast(threshold) {
					failed = true
				}
			}
			if err := out.Write(r); err != nil {
				return err
			}
		}
		return nil
	}
	if err := stream.Ordered(p.in.workers, st.Next, work, emit); err != nil {
		fmt.Fprintf(s.Err, "nativize check: %v\n", err)
		inputErr = true
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(s.Err, "nativize check: %v\n", err)
		return 2
	}
	switch {
	case inputErr:
		return 2
	case failed:
		return 1
	}
	return 0
}

// checkedDoc is one document with the outcome of checking it.
type checkedDoc struct {
	doc     document.Doc
	results []checkreport.Result
	err     error
}

// results groups a document's findings by workload, in document order, and
// fills in file and line numbers.
func results(d *document.Doc, findings []validate.Finding, targets []validate.Target) []checkreport.Result {
	out := make([]checkreport.Result, 0, len(targets))
	index := map[validate.Object]int{}
	for _, t := range targets {
		if _, dup := index[t.Object]; !dup {
			index[t.Object] = len(out)
		}
		out = append(out, checkreport.Result{File: d.File, Line: d.LineOf(t.Path), Object: t.Object})
	}
	for _, f := range findings {
		i, ok := index[f.Object]
		if !ok {
			// An engine reported an object Targets does not know; keep the finding.
			i = len(out)
			index[f.Object] = i
			out = append(out, checkreport.Result{File: d.File, Line: d.Line, Object: f.Object})
		}
		f.File, f.Line = d.File, out[i].Line
		if i < len(targets) {
			if path, ok := targets[i].Containers[f.Container]; ok && f.Container != "" {
				f.ContainerLine = d.LineOf(path)
			}
		}
		out[i].Findings = append(out[i].Findings, f)
	}
	for i := range out {
		validate.Sort(out[i].Findings)
	}
	return out
}
