package main

import (
	"fmt"
	"runtime/debug"
)

func init() {
	register(command{name: "version", summary: "print the nativize version", run: runVersion})
}

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func runVersion(args []string, s streams) int {
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
