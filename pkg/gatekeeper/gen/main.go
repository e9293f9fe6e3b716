// Command gen writes the generated files of library/ (ConstraintTemplates,
// Constraints, gator suites) from the Rego policies in policies/.
//
//	go run ./pkg/gatekeeper/gen            # rewrite library/
//	go run ./pkg/gatekeeper/gen -check     # fail when library/ has drifted
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/nativize/nativize/pkg/gatekeeper"
)

// errDrift reports that committed files differ from what the policies give.
var errDrift = errors.New("library/ is out of date; run: make generate-library")

func main() {
	policies := flag.String("policies", "policies", "the Rego policies directory")
	out := flag.String("out", "library", "the library directory to write")
	check := flag.Bool("check", false, "only check that -out is up to date")
	flag.Parse()
	if err := run(*policies, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(policies, out string, check bool) error {
	files, err := gatekeeper.Generate(os.DirFS(policies))
	if err != nil {
		return err
	}
	var drift error
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(out, filepath.FromSlash(name))
		old, err := os.ReadFile(p)
		if err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		if check {
			drift = errors.Join(drift, fmt.Errorf("%w: %s", errDrift, p))
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return drift
}
