package document

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Bounds on the work one document may cause. A document past any of them is
// refused with a located error wrapping ErrLimit; the rest of the stream is
// still read. Each bound is far above what a real manifest needs and low
// enough that a hostile one costs well under a second and a few hundred MB.
const (
	// DefaultMaxDocumentBytes bounds one document's size (16 MiB). etcd
	// stores objects of at most 1.5 MiB and the API server takes requests
	// of at most 3 MiB; the headroom is for v1 Lists from `kubectl get -o
	// yaml`. The environment variable NATIVIZE_MAX_DOCUMENT_BYTES overrides
	// it. A streamed document past the bound is not kept in memory.
	DefaultMaxDocumentBytes = 16 << 20
	// MaxDepth bounds nesting of mappings and sequences (aliases count as
	// a level), so hostile input cannot exhaust the stack.
	MaxDepth = 256
	// MaxNodes bounds the values one document decodes to, counting every
	// scalar, mapping and sequence after aliases and merge keys (`<<`) are
	// expanded.
	MaxNodes = 2_000_000
	// MaxAliasValues bounds the values produced by expanding aliases (`*a`,
	// including those under `<<`) in one document: the "billion laughs"
	// guard, like yaml.v2/v3's "excessive aliasing" refusal, which
	// kubectl's YAML reader (sigs.k8s.io/yaml) inherits.
	MaxAliasValues = 100_000
)

// MaxDocumentBytes is the document size bound in effect:
// DefaultMaxDocumentBytes unless NATIVIZE_MAX_DOCUMENT_BYTES sets another
// positive number of bytes.
var MaxDocumentBytes = maxDocumentBytes()

func maxDocumentBytes() int {
	if v, err := strconv.Atoi(os.Getenv("NATIVIZE_MAX_DOCUMENT_BYTES")); err == nil && v > 0 {
		return v
	}
	return DefaultMaxDocumentBytes
}

// Sentinel errors. Every error the reader puts in Doc.Err wraps ErrParse and,
// where it applies, one of the more specific ones; match with errors.Is.
var (
	// ErrParse is wrapped by every document error of the reader.
	ErrParse = errors.New("cannot parse document")
	// ErrSyntax: the document is not valid YAML or JSON.
	ErrSyntax = errors.New("syntax error")
	// ErrDuplicateKey: a key appears twice in one mapping or JSON object.
	// kubectl's strict field validation refuses such input too; decoding
	// it would silently keep only the last value.
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrLimit: the document passes one of the bounds above.
	ErrLimit = errors.New("input limit exceeded")
	// ErrNotObject: the document is not a Kubernetes object (a mapping).
	ErrNotObject = errors.New("not a Kubernetes object")
)

// ParseError is a document error located in a file. Its message has the
// form "FILE:LINE: document N: message".
type ParseError struct {
	File string
	Line int
	// Doc is the document's 1-based position in its file.
	Doc int
	Msg string
	// Kind is the specific sentinel (ErrSyntax, ErrDuplicateKey, ErrLimit,
	// ErrNotObject), or nil.
	Kind error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: document %d: %s", e.File, e.Line, e.Doc, e.Msg)
}

// Unwrap lets errors.Is match ErrParse and the specific kind.
func (e *ParseError) Unwrap() []error {
	if e.Kind == nil {
		return []error{ErrParse}
	}
	return []error{ErrParse, e.Kind}
}

// nodeError is a problem found while decoding, at a line relative to the
// document's bytes.
type nodeError struct {
	line int
	kind error
	msg  string
	path []string // keys and indexes from the problem up to the root
}

func (e *nodeError) Error() string { return e.msg }

// message is the error text, prefixed with the field path when known
// ("spec.containers[1]: ...").
func (e *nodeError) message() string {
	if len(e.path) == 0 {
		return e.msg
	}
	return FieldPath(reversed(e.path)) + ": " + e.msg
}

func reversed(p []string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[len(p)-1-i] = s
	}
	return out
}

// FieldPath renders a path of map keys and list indexes (decimal strings)
// the way kubectl names fields: spec.containers[1].name.
func FieldPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func errAt(line int, kind error, format string, args ...any) *nodeError {
	return &nodeError{line: line, kind: kind, msg: fmt.Sprintf(format, args...)}
}

// fail sets d.Err to a located error; line is relative to d.Raw (1-based).
func (d *Doc) fail(line int, kind error, msg string) {
	abs := d.Line
	if line > 0 {
		abs = d.Start - 1 + line
	}
	d.Err = &ParseError{File: d.File, Line: abs, Doc: d.Index + 1, Msg: msg, Kind: kind}
}

// failAbs sets d.Err at an absolute line of the file.
func (d *Doc) failAbs(line int, kind error, msg string) {
	d.Err = &ParseError{File: d.File, Line: line, Doc: d.Index + 1, Msg: msg, Kind: kind}
}

// FieldError is a problem at a field of a decoded document, found after
// reading (such as a workload's shape). Its message has the form
// "FILE:LINE: document N: message", where LINE is the field's line when the
// document is YAML.
type FieldError struct {
	File string
	Line int
	Doc  int
	// Path leads from the document root to the field.
	Path []string
	Err  error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s:%d: document %d: %v", e.File, e.Line, e.Doc, e.Err)
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// At locates err at the field path of the document (at the nearest
// enclosing field that exists, for a missing one).
func (d *Doc) At(path []string, err error) *FieldError {
	line, _ := d.nearestLine(path)
	return &FieldError{File: d.File, Line: line, Doc: d.Index + 1, Path: path, Err: err}
}
