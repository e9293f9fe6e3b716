// Package docs holds the project's user documentation; its test checks that
// the Markdown files of the repository stand alone.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdLink matches inline Markdown links and images: [text](target) and
// ![alt](target), with an optional title after the target.
var mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// markdownFiles returns every *.md file of the repository, skipping tool
// caches and VCS data.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".tools" || d.Name() == "bin" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".md") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRelativeLinksResolve fails on a relative link in any *.md file whose
// target file or directory does not exist.
func TestRelativeLinksResolve(t *testing.T) {
	files := markdownFiles(t, "..")
	if len(files) < 5 {
		t.Fatalf("found only %d Markdown files; is the test running from docs/?", len(files))
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(body), "\n") {
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "#") {
					continue
				}
				target, _, _ = strings.Cut(target, "#")
				if _, err := os.Stat(filepath.Join(filepath.Dir(f), target)); err != nil {
					t.Errorf("%s:%d: link %q does not resolve", f, i+1, m[1])
				}
			}
		}
	}
}

// TestNoOutsideReferences fails when a Markdown file, the Makefile or CI
// points at a path outside the repository (users have only the repository).
func TestNoOutsideReferences(t *testing.T) {
	files := append(markdownFiles(t, ".."), "../Makefile", "../.ci/run")
	mk, _ := filepath.Glob("../make/*.mk")
	files = append(files, mk...)
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(body), "\n") {
			if strings.Contains(line, "../shared") || strings.Contains(line, "DESIGN.md") {
				t.Errorf("%s:%d: points outside the repository: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestReadmeListsEveryPackage: README's "How it works" table names every
// package under pkg/ (a newcomer reads the house from it).
func TestReadmeListsEveryPackage(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir("../pkg")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !strings.Contains(string(readme), "| `pkg/"+d.Name()+"` |") {
			t.Errorf("README's package table lacks pkg/%s", d.Name())
		}
	}
}
