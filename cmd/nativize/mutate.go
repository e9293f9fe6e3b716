package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/pflag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/regoengine"
	"github.com/nativize/nativize/pkg/rewrite"
	"github.com/nativize/nativize/pkg/stream"
)

func init() {
	register(command{name: "mutate", summary: "convert classic sidecars to native sidecars", usage: mutateUsage,
		flags: func(fs *pflag.FlagSet) runFunc {
			p := &mutateParams{}
			p.register(fs)
			return p.run
		}})
	register(command{name: "diff", summary: "show what mutate would change (exit 1 when something would)", usage: diffUsage,
		flags: func(fs *pflag.FlagSet) runFunc {
			in := &inputFlags{}
			in.register(fs)
			return in.runDiff
		}})
}

// inputFlags are the flags every command that reads manifests shares.
type inputFlags struct {
	files       []string
	recursive   bool
	config      string
	kubeVersion string
	engine      string
	workers     int
	validateAll bool
}

func (f *inputFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVarP(&f.files, "filename", "f", nil, "file, directory or - (stdin) to read; repeatable")
	fs.BoolVarP(&f.recursive, "recursive", "R", false, "read directories recursively")
	fs.StringVar(&f.config, "config", "", "catalog/config file replacing the embedded default")
	fs.StringVar(&f.kubeVersion, "kube-version", "", "target Kubernetes version (below 1.28 is refused)")
	fs.StringVar(&f.engine, "engine", "go", "rule engine: go or rego")
	enumFlag(fs, "engine", "go", "rego")
	fs.IntVar(&f.workers, "workers", 0, "documents processed in parallel (0: one per CPU)")
	fs.BoolVar(&f.validateAll, "validate-all", false, "decode every document, even those that mention no sidecar (reports their syntax errors too)")
}

// requireFiles refuses a command line with no -f, or with positional
// arguments (a file named without -f would be silently ignored); it returns
// -1 to go on.
func (f *inputFlags) requireFiles(fs *pflag.FlagSet, s streams) int {
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(s.Err, "nativize %s: unexpected arguments %q (pass files with -f)\n", fs.Name(), fs.Args())
	case len(f.files) == 0:
		fmt.Fprintf(s.Err, "nativize %s: -f is required (a file, directory or - for stdin)\n", fs.Name())
	default:
		return -1
	}
	return 2
}

// catalog loads --config or the default.
func (f *inputFlags) catalog() (*catalog.Catalog, error) {
	if f.config == "" {
		return catalog.Default(), nil
	}
	return catalog.Load(f.config)
}

// mutator builds the engine the flags select, for commands that convert:
// a kube version that cannot convert is refused before any input is read.
func (f *inputFlags) mutator(s streams) (engine.Engine, error) {
	if _, err := mutate.TargetVersion(f.kubeVersion); err != nil {
		return nil, err
	}
	e, err := f.newEngine()
	if err != nil {
		return nil, err
	}
	for _, w := range e.Warnings() {
		fmt.Fprintf(s.Err, "warning: %s\n", w)
	}
	return e, nil
}

// newEngine builds the rule engine --engine names (go or rego) with the
// --config catalog and --kube-version.
func (f *inputFlags) newEngine() (engine.Engine, error) {
	cat, err := f.catalog()
	if err != nil {
		return nil, err
	}
	if f.engine == "rego" {
		e, err := regoengine.New(regoengine.Options{Catalog: cat, KubeVersion: f.kubeVersion})
		if err != nil {
			return nil, fmt.Errorf("--engine rego: %w", err)
		}
		return e, nil
	}
	return engine.New(engine.Options{Catalog: cat, KubeVersion: f.kubeVersion})
}

// parseFlags parses args; it returns exit code -1 to go on.
func parseFlags(fs *pflag.FlagSet, args []string, s streams, usageText string) int {
	fs.SetOutput(s.Err)
	fs.Usage = func() {
		fmt.Fprint(s.Out, usageText)
		fmt.Fprintf(s.Out, "\nFlags:\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(s.Err, "nativize %s: %v\n", fs.Name(), err)
		return 2
	}
	return -1
}

const mutateUsage = `Convert classic sidecars (proxies and helpers in spec.containers) into native
sidecars (init containers with restartPolicy: Always), ordered after network setup
and ahead of the init containers that need traffic.

Usage:
  nativize mutate -f PATH... [-R] [-o yaml|json] [--in-place] [--config F] [--kube-version V]

Examples:
  nativize mutate -f deploy.yaml                 # converted stream on stdout
  nativize mutate -f manifests/ -R --in-place    # rewrite files, keeping comments
  helm template my-chart | nativize mutate -f -  # as a Helm post-renderer
  nativize mutate -f job.json -o json
`

// mutateParams are the flags of `nativize mutate`.
type mutateParams struct {
	in      inputFlags
	output  string
	inPlace bool
}

func (p *mutateParams) register(fs *pflag.FlagSet) {
	p.in.register(fs)
	fs.StringVarP(&p.output, "output", "o", "yaml", "output format: yaml or json")
	enumFlag(fs, "output", "yaml", "json")
	fs.BoolVarP(&p.inPlace, "in-place", "i", false, "rewrite the files instead of writing to stdout")
}

func (p *mutateParams) run(_ context.Context, fs *pflag.FlagSet, s streams) int {
	in := p.in
	if code := in.requireFiles(fs, s); code >= 0 {
		return code
	}
	eng, err := in.mutator(s)
	if err != nil {
		fmt.Fprintf(s.Err, "nativize mutate: %v\n", err)
		return 2
	}
	if p.inPlace {
		return rewriteFiles(eng, in, s, nil)
	}
	return mutateStream(eng, in, p.output, s)
}

// converted is one document with its conversion result.
type converted struct {
	doc document.Doc
	res rewrite.Result
}

// mutateStream writes every converted document to stdout in input order,
// converting on all cores and reading one document at a time.
func mutateStream(eng engine.Engine, in inputFlags, output string, s streams) int {
	st, err := document.Open(in.files, in.recursive, s.In)
	if err != nil {
		fmt.Fprintf(s.Err, "nativize mutate: %v\n", err)
		return 2
	}
	defer st.Close()
	out := bufio.NewWriterSize(s.Out, 256*1024)
	prog := newProgress(s.Err)
	pf := eng.Catalog().Prefilter()
	code := 0
	var objects []any
	written := 0
	work := func(d document.Doc) converted {
		return converted{doc: d, res: convertDoc(eng, pf, &d, output == "yaml" && !in.validateAll)}
	}
	emit := func(c converted) error {
		d, r := &c.doc, c.res
		prog.add(len(d.Raw))
		if r.Err != nil {
			fmt.Fprintln(s.Err, r.Err)
			code = 2
			return nil // skipped; the rest of the batch goes on
		}
		report(s, d, r.Plan)
		if output == "json" {
			if r.Object != nil {
				objects = append(objects, r.Object)
			}
			return nil
		}
		b, err := rewrite.AsYAML(d, r)
		if err != nil {
			fmt.Fprintf(s.Err, "%s: %v\n", d.Where(), err)
			code = 2
			return nil
		}
		if written > 0 && !startsWithSeparator(b) {
			out.WriteString("---\n")
		}
		out.Write(b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			out.WriteString("\n")
		}
		written++
		return nil
	}
	err = stream.Ordered(in.workers, st.Next, work, emit)
	prog.done()
	if err != nil {
		out.Flush()
		fmt.Fprintf(s.Err, "nativize mutate: %v\n", err)
		return 2
	}
	if output == "json" {
		var v any = map[string]any{"apiVersion": "v1", "kind": "List", "items": objects}
		if len(objects) == 1 {
			v = objects[0]
		}
		if objects == nil {
			v = map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{}}
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			fmt.Fprintf(s.Err, "nativize mutate: %v\n", err)
			return 2
		}
		out.Write(append(b, '\n'))
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(s.Err, "nativize mutate: %v\n", err)
		return 2
	}
	return code
}

// convertDoc parses and converts one document; with skip, a YAML document
// the prefilter rules out passes through without decoding (it cannot change).
func convertDoc(eng engine.Engine, pf *catalog.Prefilter, d *document.Doc, skip bool) rewrite.Result {
	// A document the reader already refused (over a limit, its bytes not
	// kept) is reported, never passed through as empty.
	if skip && d.Err == nil && !d.JSON && !pf.MayMatter(d.Raw) {
		return rewrite.Result{Out: d.Raw, Plan: &mutate.Plan{}}
	}
	d.Parse()
	r := rewrite.Doc(eng, d)
	if r.Changed && !d.JSON {
		// The converted YAML must read back: moving a container that
		// uses an alias (`<<: *app`) ahead of its anchor would otherwise
		// write a stream that no tool can read. Such a document is
		// reported and kept as it was.
		var n yaml.Node
		if err := yaml.Unmarshal(r.Out, &n); err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			r = rewrite.Result{Out: d.Raw, Plan: &mutate.Plan{},
				Err: fmt.Errorf("%s: document %d: not converted: the converted document would not parse (%s); left as it was", d.Where(), d.Index+1, msg)}
		}
	}
	return r
}

// report prints notes about pod specs left alone.
func report(s streams, d *document.Doc, p *mutate.Plan) { fmt.Fprint(s.Err, notes(d, p)) }

// notes are the warnings about pod specs left alone, one a line.
func notes(d *document.Doc, p *mutate.Plan) string {
	var b strings.Builder
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "%s: warning: %s\n", d.Where(), n)
	}
	return b.String()
}

func startsWithSeparator(b []byte) bool {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		i = len(b)
	}
	line := string(b[:i])
	return line == "---" || strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "---\t")
}

// fileResult is a file's old and new content.
type fileResult struct {
	name     string
	old, new []byte
}

// convertFiles converts every file and returns old and new contents; bad
// documents are reported and kept as they were.
func convertFiles(eng engine.Engine, in inputFlags, s streams) ([]fileResult, int) {
	code := 0
	pf := eng.Catalog().Prefilter()
	files, err := document.Expand(in.files, in.recursive)
	if err != nil {
		fmt.Fprintf(s.Err, "nativize: %v\n", err)
		return nil, 2
	}
	var out []fileResult
	for _, f := range files {
		var data []byte
		if f == "-" {
			data, err = io.ReadAll(s.In)
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			fmt.Fprintf(s.Err, "nativize: %v\n", err)
			code = 2
			continue
		}
		converted, c := convertData(eng, pf, f, data, in.validateAll, s.Err)
		code = max(code, c)
		out = append(out, fileResult{name: f, old: data, new: converted})
	}
	return out, code
}

// convertData converts the documents of one file's bytes and returns the
// new bytes: every document converted or, when it is broken, its raw bytes
// kept where they were (so that a rewrite never loses a document), with its
// error on errw and code 2.
func convertData(eng engine.Engine, pf *catalog.Prefilter, name string, data []byte, validateAll bool, errw io.Writer) ([]byte, int) {
	code := 0
	var buf bytes.Buffer
	sc := document.NewScanner(name, bytes.NewReader(data))
	for {
		d, ok := sc.Next()
		if !ok {
			break
		}
		r := convertDoc(eng, pf, &d, !validateAll)
		if r.Err != nil {
			fmt.Fprintln(errw, r.Err)
			code = 2
		} else {
			fmt.Fprint(errw, notes(&d, r.Plan))
		}
		buf.Write(r.Out)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(errw, "%s: %v\n", name, err)
		code = 2
	}
	return buf.Bytes(), code
}

// rewriteFiles converts files in place; only changed files are written.
func rewriteFiles(eng engine.Engine, in inputFlags, s streams, _ []string) int {
	for _, f := range in.files {
		if f == "-" {
			fmt.Fprintln(s.Err, "nativize mutate: --in-place cannot rewrite stdin")
			return 2
		}
	}
	results, code := convertFiles(eng, in, s)
	for _, r := range results {
		if bytes.Equal(r.old, r.new) {
			continue
		}
		if err := writeAtomic(r.name, r.new); err != nil {
			fmt.Fprintf(s.Err, "nativize mutate: %v\n", err)
			code = 2
			continue
		}
		fmt.Fprintf(s.Err, "converted %s\n", r.name)
	}
	return code
}

// File-system calls writeAtomic makes, replaced in tests to fail mid-way.
var (
	syncFile   = (*os.File).Sync
	renameFile = os.Rename
)

// writeAtomic replaces a file so that readers see either the old or the
// new content, never a part: it writes a temporary file in the same
// directory (same file system, so the rename is atomic), gives it the old
// file's permission bits, fsyncs it, renames it over the file and fsyncs
// the directory. On any error the original file is untouched and the
// temporary file is removed. Errors name the file.
func writeAtomic(name string, data []byte) (err error) {
	// A symlink stays a symlink: the file it points to is replaced.
	target, err := filepath.EvalSymlinks(name)
	if err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file, not rewritten", name)
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".nativize-*")
	if err != nil {
		return fmt.Errorf("%s: not rewritten: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("%s: not rewritten: %w", name, err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(info.Mode().Perm()); err != nil {
		return err
	}
	if err = syncFile(tmp); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = renameFile(tmp.Name(), target); err != nil {
		return err
	}
	// The rename is durable once the directory is; a failure here leaves
	// the new content in place, so it is not reported as a lost write.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

const diffUsage = `Show, as a unified diff, what "nativize mutate" would change.
Exit status: 0 nothing would change, 1 something would, 2 errors.

Usage:
  nativize diff -f PATH... [-R] [--config F] [--kube-version V]

Examples:
  nativize diff -f k8s/ -R
  kustomize build overlays/prod | nativize diff -f -
`

func (f *inputFlags) runDiff(_ context.Context, fs *pflag.FlagSet, s streams) int {
	in := *f
	if code := in.requireFiles(fs, s); code >= 0 {
		return code
	}
	eng, err := in.mutator(s)
	if err != nil {
		fmt.Fprintf(s.Err, "nativize diff: %v\n", err)
		return 2
	}
	results, code := convertFiles(eng, in, s)
	changed := false
	color := isTerminal(s.Out)
	for _, r := range results {
		if bytes.Equal(r.old, r.new) {
			continue
		}
		changed = true
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(r.old)), B: difflib.SplitLines(string(r.new)),
			FromFile: "a/" + r.name, ToFile: "b/" + r.name, Context: 3,
		})
		if err != nil {
			fmt.Fprintf(s.Err, "nativize diff: %v\n", err)
			return 2
		}
		writeDiff(s.Out, text, color)
	}
	if code != 0 {
		return code
	}
	if changed {
		return 1
	}
	return 0
}

// writeDiff prints a unified diff, coloured only for a terminal.
func writeDiff(w io.Writer, text string, color bool) {
	if !color {
		io.WriteString(w, text)
		return
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
			fmt.Fprintf(w, "\x1b[1m%s\x1b[0m", strings.TrimSuffix(line, "\n"))
		case strings.HasPrefix(line, "+"):
			fmt.Fprintf(w, "\x1b[32m%s\x1b[0m", strings.TrimSuffix(line, "\n"))
		case strings.HasPrefix(line, "-"):
			fmt.Fprintf(w, "\x1b[31m%s\x1b[0m", strings.TrimSuffix(line, "\n"))
		case strings.HasPrefix(line, "@@"):
			fmt.Fprintf(w, "\x1b[36m%s\x1b[0m", strings.TrimSuffix(line, "\n"))
		default:
			io.WriteString(w, strings.TrimSuffix(line, "\n"))
		}
		if strings.HasSuffix(line, "\n") {
			io.WriteString(w, "\n")
		}
	}
}

// isTerminal reports whether w is a terminal (colour only there; never in
// pipes or CI logs, and never with NO_COLOR set).
func isTerminal(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
