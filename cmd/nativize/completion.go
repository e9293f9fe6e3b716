package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

func init() {
	register(command{name: "completion", summary: "print a shell completion script: bash, zsh or fish", run: runCompletion})
}

const completionUsage = `Print a shell completion script for nativize (and kubectl-nativize), built
from the registered commands and their flags.

Usage:
  nativize completion bash|zsh|fish
  nativize completion kubectl WORD...   # for kubectl_complete-nativize (kubectl 1.26+)

Examples:
  source <(nativize completion bash)                                  # this shell
  nativize completion bash > /etc/bash_completion.d/nativize
  nativize completion zsh > "${fpath[1]}/_nativize"
  nativize completion fish > ~/.config/fish/completions/nativize.fish
`

// shells are the shells completion scripts are written for.
var shells = map[string]func(io.Writer, []cmdSpec){"bash": writeBash, "zsh": writeZsh, "fish": writeFish}

// completionNames are the program names the scripts complete.
var completionNames = []string{"nativize", "kubectl-nativize"}

func runCompletion(args []string, s streams) int {
	fs := pflag.NewFlagSet("completion", pflag.ContinueOnError)
	fs.SetInterspersed(false) // the words after "kubectl" are not our flags
	if code := parseFlags(fs, args, s, completionUsage); code >= 0 {
		return code
	}
	if fs.NArg() > 0 && fs.Arg(0) == "kubectl" {
		cands, files := completeWords(commandSpecs(), fs.Args()[1:])
		for _, c := range cands {
			fmt.Fprintln(s.Out, c)
		}
		// Cobra's directives: 0 lets the shell complete file names, 4 does not.
		if files {
			fmt.Fprintln(s.Out, ":0")
		} else {
			fmt.Fprintln(s.Out, ":4")
		}
		return 0
	}
	if fs.NArg() != 1 || shells[fs.Arg(0)] == nil {
		fmt.Fprintln(s.Err, "nativize completion: want one shell: bash, zsh or fish")
		return 2
	}
	shells[fs.Arg(0)](s.Out, commandSpecs())
	return 0
}

// flagSpec is one flag of a command, as its help lists it.
type flagSpec struct {
	long, short string
	// value reports that the flag takes a value.
	value bool
	// values are the values the usage text enumerates ("…: a, b or c").
	values []string
	usage  string
}

// cmdSpec is one command with its flags and positional values.
type cmdSpec struct {
	name, summary string
	flags         []flagSpec
	args          []string
}

// commandSpecs reads every registered command's flags from its --help, so
// the scripts follow the commands without a second list to keep in step.
func commandSpecs() []cmdSpec {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []cmdSpec
	for _, n := range names {
		c := commands[n]
		var help bytes.Buffer
		c.run([]string{"--help"}, streams{In: strings.NewReader(""), Out: &help, Err: io.Discard})
		spec := cmdSpec{name: n, summary: c.summary, flags: parseFlagUsages(help.String())}
		if n == "completion" {
			spec.args = []string{"bash", "fish", "zsh"}
		}
		out = append(out, spec)
	}
	return out
}

// flagLine matches a line of pflag's FlagUsages:
// "  -f, --filename strings   usage" or "      --recursive   usage".
var flagLine = regexp.MustCompile(`^\s+(?:-(\w), )?--([\w][\w-]*)(?: (\S+))?\s\s+(.*)$`)

// enumWord is one value of an enumeration in a usage text.
var enumWord = regexp.MustCompile(`^[\w.-]+$`)

// parseFlagUsages extracts the flags from a command's help text; --help
// itself is added.
func parseFlagUsages(help string) []flagSpec {
	var out []flagSpec
	seenHelp := false
	for _, line := range strings.Split(help, "\n") {
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := flagSpec{short: m[1], long: m[2], value: m[3] != "", usage: strings.TrimSpace(m[4])}
		if f.value {
			f.values = enumValues(f.usage)
		}
		seenHelp = seenHelp || f.long == "help"
		out = append(out, f)
	}
	if !seenHelp {
		out = append(out, flagSpec{long: "help", short: "h", usage: "show the command's help"})
	}
	return out
}

// enumValues returns the values a usage text lists after its last colon
// ("report format: table, json or sarif"), or nil.
func enumValues(usage string) []string {
	if i := strings.Index(usage, " (default "); i >= 0 {
		usage = usage[:i]
	}
	i := strings.LastIndex(usage, ": ")
	if i < 0 {
		return nil
	}
	var out []string
	for _, part := range strings.Split(strings.ReplaceAll(usage[i+2:], " or ", ", "), ", ") {
		part = strings.TrimSpace(part)
		if !enumWord.MatchString(part) {
			return nil
		}
		out = append(out, part)
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// words returns a command's flags as completion words (-f --filename …).
func (c cmdSpec) words() string {
	var w []string
	for _, f := range c.flags {
		if f.short != "" {
			w = append(w, "-"+f.short)
		}
		w = append(w, "--"+f.long)
	}
	return strings.Join(w, " ")
}

// spellings returns "-f|--filename" for a case pattern.
func (f flagSpec) spellings() string {
	if f.short != "" {
		return "-" + f.short + "|--" + f.long
	}
	return "--" + f.long
}

func writeBash(w io.Writer, specs []cmdSpec) {
	var names []string
	for _, c := range specs {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, `# bash completion for nativize; generated by "nativize completion bash".
# Load with: source <(nativize completion bash)
_nativize() {
    local cur prev cmd i flags="" args=""
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
        -*) ;;
        *) cmd="${COMP_WORDS[i]}"; break ;;
        esac
    done
    if [[ -z "$cmd" ]]; then
        COMPREPLY=($(compgen -W "%s" -- "$cur"))
        return 0
    fi
    case "$cmd" in
`, strings.Join(names, " "))
	for _, c := range specs {
		fmt.Fprintf(w, "    %s)\n", c.name)
		var branches, valued []string
		for _, f := range c.flags {
			switch {
			case len(f.values) > 0:
				branches = append(branches, fmt.Sprintf("        %s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return 0 ;;\n", f.spellings(), strings.Join(f.values, " ")))
			case f.value:
				valued = append(valued, f.spellings())
			}
		}
		if len(valued) > 0 {
			// A free value (file, version): leave it to bash's default completion.
			branches = append(branches, fmt.Sprintf("        %s) return 0 ;;\n", strings.Join(valued, "|")))
		}
		if len(branches) > 0 {
			fmt.Fprintf(w, "        case \"$prev\" in\n%s        esac\n", strings.Join(branches, ""))
		}
		fmt.Fprintf(w, "        flags=%q\n", c.words())
		if len(c.args) > 0 {
			fmt.Fprintf(w, "        args=%q\n", strings.Join(c.args, " "))
		}
		fmt.Fprintln(w, "        ;;")
	}
	fmt.Fprintf(w, `    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    elif [[ -n "$args" ]]; then
        COMPREPLY=($(compgen -W "$args" -- "$cur"))
    fi
    return 0
}
complete -o default -o bashdefault -F _nativize %s
`, strings.Join(completionNames, " "))
}

// completeWords returns the completions of the last of words (the words
// after the program name, the last one partial), in the format of Cobra's
// __complete, which kubectl expects from a kubectl_complete-<plugin>
// executable. files reports that file names fit too.
func completeWords(specs []cmdSpec, words []string) (cands []string, files bool) {
	cur := ""
	if len(words) > 0 {
		cur = words[len(words)-1]
	}
	byPrefix := func(all []string) []string {
		var out []string
		for _, w := range all {
			if strings.HasPrefix(w, cur) {
				out = append(out, w)
			}
		}
		return out
	}
	var spec *cmdSpec
	for i := range specs {
		if len(words) > 1 && specs[i].name == words[0] {
			spec = &specs[i]
		}
	}
	if spec == nil {
		if len(words) > 1 {
			return nil, true // an unknown command: nothing to offer but files
		}
		var names []string
		for _, c := range specs {
			names = append(names, c.name)
		}
		return byPrefix(names), false
	}
	if len(words) > 2 {
		prev := words[len(words)-2]
		for _, f := range spec.flags {
			if f.value && (prev == "--"+f.long || f.short != "" && prev == "-"+f.short) {
				if len(f.values) > 0 {
					return byPrefix(f.values), false
				}
				return nil, true
			}
		}
	}
	if strings.HasPrefix(cur, "-") {
		return byPrefix(strings.Fields(spec.words())), false
	}
	if len(spec.args) > 0 {
		return byPrefix(spec.args), false
	}
	return nil, true
}

// zshQuote escapes a description for an _arguments or _describe spec inside
// single quotes.
func zshQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, `:`, `\:`, `'`, `'\''`)
	return r.Replace(s)
}

func writeZsh(w io.Writer, specs []cmdSpec) {
	fmt.Fprintf(w, "#compdef %s\n# zsh completion for nativize; generated by \"nativize completion zsh\".\n", strings.Join(completionNames, " "))
	fmt.Fprintln(w, "_nativize() {\n    local -a commands\n    commands=(")
	for _, c := range specs {
		fmt.Fprintf(w, "        '%s:%s'\n", c.name, zshQuote(c.summary))
	}
	fmt.Fprintln(w, "    )\n    if (( CURRENT == 2 )); then\n        _describe -t commands 'nativize command' commands\n        return\n    fi")
	fmt.Fprintln(w, "    local cmd=${words[2]}\n    shift words\n    (( CURRENT-- ))\n    case $cmd in")
	for _, c := range specs {
		fmt.Fprintf(w, "    %s)\n        _arguments -s", c.name)
		for _, f := range c.flags {
			names := "--" + f.long
			if f.short != "" {
				names = "{-" + f.short + ",--" + f.long + "}"
			}
			action := ""
			switch {
			case len(f.values) > 0:
				action = fmt.Sprintf(":%s:(%s)", f.long, strings.Join(f.values, " "))
			case f.value:
				action = fmt.Sprintf(":%s:_files", f.long)
			}
			fmt.Fprintf(w, " \\\n            %s'[%s]%s'", names, zshQuote(f.usage), action)
		}
		if len(c.args) > 0 {
			fmt.Fprintf(w, " \\\n            '1:argument:(%s)'", strings.Join(c.args, " "))
		}
		fmt.Fprintln(w, "\n        ;;")
	}
	fmt.Fprintf(w, `    esac
}
if [[ "$funcstack[1]" == "_nativize" ]]; then
    _nativize "$@"
else
    compdef _nativize %s
fi
`, strings.Join(completionNames, " "))
}

// fishQuote quotes s as a fish single-quoted string.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func writeFish(w io.Writer, specs []cmdSpec) {
	fmt.Fprintf(w, "# fish completion for nativize; generated by \"nativize completion fish\".\nfor prog in %s\n", strings.Join(completionNames, " "))
	fmt.Fprintln(w, "    complete -c $prog -f")
	for _, c := range specs {
		fmt.Fprintf(w, "    complete -c $prog -n '__fish_use_subcommand' -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	for _, c := range specs {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name)
		for _, f := range c.flags {
			line := fmt.Sprintf("    complete -c $prog -n %s -l %s", cond, f.long)
			if f.short != "" {
				line += " -s " + f.short
			}
			switch {
			case len(f.values) > 0:
				line += " -x -a " + fishQuote(strings.Join(f.values, " "))
			case f.value:
				line += " -r -F"
			}
			fmt.Fprintf(w, "%s -d %s\n", line, fishQuote(f.usage))
		}
		if len(c.args) > 0 {
			fmt.Fprintf(w, "    complete -c $prog -n %s -x -a %s\n", cond, fishQuote(strings.Join(c.args, " ")))
		}
	}
	fmt.Fprintln(w, "end")
}
