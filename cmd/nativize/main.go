// Command nativize converts classic Kubernetes sidecars into native sidecars
// and checks manifests for the mistakes that make native sidecars fail.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sort"

	"github.com/spf13/pflag"
)

// streams are the standard streams a command reads and writes.
type streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// command is one `nativize <name>` subcommand, declared once: run parses
// the flags flags declares, and completion reads the same declarations.
type command struct {
	name    string
	summary string
	// usage is the help text printed above the flags.
	usage string
	// args are the positional words the command takes, for completion.
	args []string
	// flags declares the command's flags on fs and returns the function
	// that runs the command once they are parsed.
	flags func(fs *pflag.FlagSet) runFunc
}

// runFunc runs a command with its flags parsed into the values its flags
// function bound; it returns the exit code. ctx ends the command early
// where it can stop (serve).
type runFunc func(ctx context.Context, fs *pflag.FlagSet, s streams) int

// flagSet returns a fresh flag set with c's flags declared, and the run
// function bound to them.
func (c command) flagSet() (*pflag.FlagSet, runFunc) {
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	return fs, c.flags(fs)
}

// run parses args with c's declared flags, refuses values outside a flag's
// declared enumeration, and runs c.
func (c command) run(ctx context.Context, args []string, s streams) int {
	fs, run := c.flagSet()
	if code := parseFlags(fs, args, s, c.usage); code >= 0 {
		return code
	}
	if err := checkEnums(fs); err != nil {
		fmt.Fprintf(s.Err, "nativize %s: %v\n", c.name, err)
		return 2
	}
	return run(ctx, fs, s)
}

var commands = map[string]command{}

// register adds a subcommand; each command's file calls it from init.
func register(c command) { commands[c.name] = c }

func main() {
	if len(os.Args) > 1 && os.Args[1] != "serve" {
		tuneGC()
	}
	// NATIVIZE_CPUPROFILE=FILE writes a CPU profile of the whole run (for
	// the performance review in tests/bench/RESULTS.md).
	if path := os.Getenv("NATIVIZE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := run(os.Args[1:], streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(run(os.Args[1:], streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}

// tuneGC trades memory for less garbage-collection work in batch runs
// (about 30% less CPU on a manifest stream): collect at 5x the live heap, but
// never let the heap grow past 64 MiB, so peak RSS stays flat on any input
// size. GOGC and GOMEMLIMIT in the environment win. The server keeps Go's
// defaults, since its memory follows request concurrency.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
}

// run dispatches args to a subcommand and returns the process exit code.
func run(args []string, s streams) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(s.Out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(s.Err, "nativize: unknown command %q\n\n", args[0])
		usage(s.Err)
		return 2
	}
	return c.run(context.Background(), args[1:], s)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "nativize moves Kubernetes workloads from classic sidecars to native sidecars.")
	fmt.Fprintln(w, "\nUsage:\n  nativize <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"nativize <command> --help\" for a command's flags and examples.")
}
