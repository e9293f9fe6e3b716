package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/nativize/nativize/pkg/krm"
	"github.com/nativize/nativize/pkg/validate"
)

func init() {
	register(command{name: "krm", summary: "run as a KRM function (kustomize, kpt): ResourceList on stdin", usage: krmUsage,
		flags: func(fs *pflag.FlagSet) runFunc {
			p := &krmParams{}
			p.register(fs)
			return p.run
		}})
}

const krmUsage = `Run as a KRM function: read a config.kubernetes.io/v1 ResourceList on stdin,
convert its items to native sidecars, append the checks' findings to its
results and write it to stdout. Item order, unknown fields and comments are
kept. The functionConfig (kind Config of nativize.dev/v1alpha1) carries the
schema of --config (containers, kinds) plus kubeVersion and failOn; a v1
ConfigMap may set data.kubeVersion and data.failOn. Flags give the defaults
the functionConfig overrides.

Exit status: 0 done, 1 a result at or above failOn or an item that could not
be read or converted (its error result names it; the list is still written,
every other item converted), 2 stdin is not a ResourceList.

Usage:
  nativize krm [--config F] [--kube-version V] [--fail-on error|warning|never]

Examples (docs/INTEGRATIONS.md):
  kustomize build --enable-alpha-plugins --enable-exec examples/kustomize
  kpt fn eval --exec "nativize krm" k8s/
`

// krmParams are the flags of `nativize krm`: the defaults its
// functionConfig may override.
type krmParams struct {
	in     inputFlags
	failOn string
}

func (p *krmParams) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.in.config, "config", "", "catalog/config file replacing the embedded default")
	fs.StringVar(&p.in.kubeVersion, "kube-version", "", "target Kubernetes version (below 1.28 nothing is converted)")
	failOnFlag(fs, &p.failOn, "exit 1 when a result is at least this severe")
}

func (p *krmParams) run(_ context.Context, fs *pflag.FlagSet, s streams) int {
	in := p.in
	if fs.NArg() > 0 {
		fmt.Fprintf(s.Err, "nativize krm: unexpected arguments %q (the ResourceList is read from stdin)\n", fs.Args())
		return 2
	}
	cat, err := in.catalog()
	if err != nil {
		fmt.Fprintf(s.Err, "nativize krm: %v\n", err)
		return 2
	}
	data, err := io.ReadAll(s.In)
	if err != nil {
		fmt.Fprintf(s.Err, "nativize krm: %v\n", err)
		return 2
	}
	out, err := krm.Process(data, krm.Options{Catalog: cat, KubeVersion: in.kubeVersion, FailOn: p.failOn})
	if err != nil {
		fmt.Fprintf(s.Err, "nativize krm: %v\n", err)
		return 2
	}
	if _, err := s.Out.Write(out.ResourceList); err != nil {
		fmt.Fprintf(s.Err, "nativize krm: %v\n", err)
		return 2
	}
	// kustomize shows a function's stderr but not its results: print the
	// warnings and errors there too.
	for _, r := range out.Results {
		if validate.Severity(r.Severity).AtLeast(validate.SeverityWarning) {
			fmt.Fprintf(s.Err, "nativize krm: %s\n", r)
		}
	}
	if out.Failed {
		return 1
	}
	return 0
}
