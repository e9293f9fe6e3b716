package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// document is one YAML document of an input file, as JSON.
type document struct {
	name string // file:index, for test names and messages
	json []byte
}

// readDocuments splits a multi-document YAML (or JSON) file into its
// documents, converted to JSON; documents that are empty or only comments
// are skipped. Duplicate keys are errors, as they are for the API server.
func readDocuments(path string) ([]document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return splitDocuments(filepath.Base(path), data)
}

// splitDocuments is readDocuments for a stream already read, named name.
func splitDocuments(name string, data []byte) ([]document, error) {
	path := name
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []document
	for i := 0; ; i++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i, err)
		}
		js, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i, err)
		}
		if t := strings.TrimSpace(string(js)); t == "null" || t == "" {
			continue
		}
		docs = append(docs, document{name: fmt.Sprintf("%s#%d", name, i), json: js})
	}
}

// knownIssues maps a document (file#index) that this suite does not own to a
// problem it is known to have, with the reason, until its owner fixes it. Only
// an outcome showing that very problem is excused; any other still fails. A
// fix does not fail the test (the fixer may not own this file): it is logged
// so the entry can go.
var knownIssues = map[string]struct{ problem, reason string }{}

// checkFiles runs every document of the files through the create path, one
// subtest per document, and returns how many documents and objects it saw.
func checkFiles(t *testing.T, files []string) (docs, objects int) {
	t.Helper()
	for _, f := range files {
		ds, err := readDocuments(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		n, o := checkDocuments(t, ds)
		docs, objects = docs+n, objects+o
	}
	return docs, objects
}

// checkDocuments runs documents through the create path, one subtest each.
func checkDocuments(t *testing.T, ds []document) (docs, objects int) {
	t.Helper()
	for _, d := range ds {
		docs++
		t.Run(d.name, func(t *testing.T) {
			outcomes, err := Check(d.json)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if len(outcomes) == 0 {
				t.Logf("no workload or pod template in this document; nothing to create")
			}
			known, isKnown := knownIssues[d.name]
			seen := false
			for _, o := range outcomes {
				objects++
				switch {
				case isKnown && strings.Contains(o.String(), known.problem):
					seen = true
					t.Logf("known issue (%s): %s", known.reason, o)
				case o.Failed():
					t.Errorf("the API server would not create this intact: %s", o)
				}
			}
			if isKnown && !seen {
				t.Logf("known issue %q no longer shows: its knownIssues entry can go", known.problem)
			}
		})
	}
	return docs, objects
}

// glob lists files matching pattern below root (recursively), sorted.
func glob(t *testing.T, root, pattern string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ok, _ := filepath.Match(pattern, d.Name()); ok && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing %s: %v", root, err)
	}
	return files
}
