package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/pflag"
)

func init() {
	register(command{name: "version", summary: "print the nativize version", usage: versionUsage,
		flags: func(*pflag.FlagSet) runFunc { return runVersion }})
}

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const versionUsage = `Print the nativize version.

Usage:
  nativize version
`

func runVersion(_ context.Context, fs *pflag.FlagSet, s streams) int {
	if fs.NArg() > 0 {
		fmt.Fprintf(s.Err, "nativize version: unexpected arguments %q\n", fs.Args())
		return 2
	}
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			v = bi.Main.Version
		}
	}
	fmt.Fprintf(s.Out, "nativize %s\n", v)
	return 0
}
