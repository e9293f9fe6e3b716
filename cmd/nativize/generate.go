package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/nativize/nativize/pkg/admissionpolicy"
)

func init() {
	register(command{name: "generate", summary: "write nativize as Kubernetes admission policies (generate admission-policy)",
		usage: generateUsage, args: []string{"admission-policy"}, flags: generateFlags})
}

const generateUsage = `Write nativize's rules in forms the API server runs by itself.

  admission-policy   the conversion of Pods as a MutatingAdmissionPolicy and
                     its binding (admissionregistration.k8s.io/v1, Kubernetes
                     1.36 or later), from the default catalog, on stdout;
                     with --out, every file of library/admission (that policy
                     and the checks NS001–NS007 as ValidatingAdmissionPolicies
                     with Warn and Deny bindings) written into DIR.

Usage:
  nativize generate admission-policy [--out DIR [--check]]

Examples:
  nativize generate admission-policy | kubectl apply -f -
  nativize generate admission-policy --out library/admission --check

Exit status: 0 done, 1 --check found a file out of date, 2 usage errors.
`

// generateFlags declares generate's flags and returns its run function.
func generateFlags(fs *pflag.FlagSet) runFunc {
	out := fs.String("out", "", "write every library/admission file into this directory")
	check := fs.Bool("check", false, "with --out: write nothing, exit 1 when a file differs")
	return func(_ context.Context, fs *pflag.FlagSet, s streams) int { return runGenerate(fs, s, *out, *check) }
}

func runGenerate(fs *pflag.FlagSet, s streams, outDir string, check bool) int {
	if fs.NArg() != 1 || fs.Arg(0) != "admission-policy" {
		fmt.Fprintf(s.Err, "nativize generate: want one target, admission-policy (got %q)\n", fs.Args())
		return 2
	}
	if check && outDir == "" {
		fmt.Fprintln(s.Err, "nativize generate: --check needs --out")
		return 2
	}
	files, err := admissionpolicy.Files()
	if err != nil {
		fmt.Fprintf(s.Err, "nativize generate: %v\n", err)
		return 1
	}
	if outDir == "" {
		_, _ = s.Out.Write(files[admissionpolicy.MutatingFile])
		return 0
	}
	code := 0
	for _, name := range admissionpolicy.Names(files) {
		p := filepath.Join(outDir, name)
		old, err := os.ReadFile(p)
		if err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		if check {
			fmt.Fprintf(s.Err, "nativize generate: %s is out of date; run: make generate-admission\n", p)
			code = 1
			continue
		}
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			fmt.Fprintf(s.Err, "nativize generate: %v\n", err)
			return 1
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			fmt.Fprintf(s.Err, "nativize generate: %v\n", err)
			return 1
		}
	}
	return code
}
