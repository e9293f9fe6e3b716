package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// completeBash sources the bash script and returns what it completes for
// the command line words (the last word is the one being completed).
func completeBash(t *testing.T, script string, words ...string) []string {
	t.Helper()
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	prog := script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
		strconv.Itoa(len(words)-1) + "\n_nativize\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	out, err := exec.Command("bash", "--norc", "--noprofile", "-c", prog).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

func TestCompletionBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	code, script, stderr := runMain(t, "", "completion", "bash")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "nativize.bash")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	var all []string
	for n := range commands {
		all = append(all, n)
	}
	cases := []struct {
		name  string
		words []string
		want  []string
	}{
		{"subcommands", []string{"nativize", ""}, sortedCopy(all)},
		{"subcommand prefix", []string{"nativize", "m"}, []string{"mutate"}},
		{"flags of check", []string{"nativize", "check", "--fa"}, []string{"--fail-on"}},
		{"flag after a value", []string{"nativize", "check", "-f", "x.yaml", "--rec"}, []string{"--recursive"}},
		{"enumerated values", []string{"nativize", "check", "-o", "s"}, []string{"sarif"}},
		{"values of --fail-on", []string{"nativize", "check", "--fail-on", ""}, []string{"error", "warning", "never"}},
		{"free values are left to bash", []string{"nativize", "check", "--kube-version", ""}, nil},
		{"krm flags", []string{"nativize", "krm", "--"}, []string{"--config", "--fail-on", "--kube-version", "--help"}},
		{"shells", []string{"nativize", "completion", ""}, []string{"bash", "fish", "zsh"}},
		{"kubectl plugin name", []string{"kubectl-nativize", "ch"}, []string{"check"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := completeBash(t, script, c.words...)
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("completing %q = %q, want %q", c.words, got, c.want)
			}
		})
	}
	if !strings.Contains(script, "complete -o default -o bashdefault -F _nativize nativize kubectl-nativize") {
		t.Errorf("script does not register nativize and kubectl-nativize")
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestCompletionSyntax parses the zsh and fish scripts with their shells
// where those are installed, and checks each names every command.
func TestCompletionSyntax(t *testing.T) {
	for _, tt := range []struct {
		shell string
		check []string // the shell's no-execute syntax check
	}{
		{"bash", []string{"bash", "-n"}},
		{"zsh", []string{"zsh", "-n"}},
		{"fish", []string{"fish", "--no-execute"}},
	} {
		t.Run(tt.shell, func(t *testing.T) {
			code, script, stderr := runMain(t, "", "completion", tt.shell)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for n := range commands {
				if !strings.Contains(script, n) {
					t.Errorf("script does not mention command %q", n)
				}
			}
			if _, err := exec.LookPath(tt.check[0]); err != nil {
				t.Skipf("%s is not installed; syntax not checked", tt.check[0])
			}
			path := filepath.Join(t.TempDir(), "script")
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(tt.check[0], append(tt.check[1:], path)...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(tt.check, " "), err, out)
			}
		})
	}
}

func TestCompletionUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"powershell"}, {"bash", "zsh"}} {
		if code, _, stderr := runMain(t, "", append([]string{"completion"}, args...)...); code != 2 || !strings.Contains(stderr, "want one shell") {
			t.Errorf("completion %q: exit %d, stderr %q; want 2 and a usage message", args, code, stderr)
		}
	}
}

// TestCompletionFish asks fish itself what the script completes.
func TestCompletionFish(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed")
	}
	_, script, _ := runMain(t, "", "completion", "fish")
	path := filepath.Join(t.TempDir(), "nativize.fish")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line string
		want []string
	}{
		{"nativize ch", []string{"check"}},
		{"nativize check --fa", []string{"--fail-on"}},
		{"nativize check -o s", []string{"sarif"}},
		{"kubectl-nativize completion ", []string{"bash", "fish", "zsh"}},
	} {
		out, err := exec.Command("fish", "--no-config", "-c", "source "+path+"; complete -C "+fishQuote(c.line)).CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				got = append(got, strings.SplitN(l, "\t", 2)[0])
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("fish completes %q to %q, want %q", c.line, got, c.want)
		}
	}
}

// TestCompletionKubectl checks the Cobra-style completions that
// kubectl_complete-nativize hands to kubectl.
func TestCompletionKubectl(t *testing.T) {
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{""}, strings.Join(sortedCopy(commandNames()), "\n") + "\n:4\n"},
		{[]string{"mu"}, "mutate\n:4\n"},
		{[]string{"check", "-o", "s"}, "sarif\n:4\n"},
		{[]string{"check", "--fail-on", ""}, "error\nwarning\nnever\n:4\n"},
		{[]string{"check", "--fa"}, "--fail-on\n:4\n"},
		{[]string{"check", "-f", ""}, ":0\n"},
		{[]string{"mutate", "-f", "x.yaml", ""}, ":0\n"},
		{[]string{"completion", ""}, "bash\nfish\nzsh\n:4\n"},
		{[]string{"nosuch", ""}, ":0\n"},
	} {
		code, out, stderr := runMain(t, "", append([]string{"completion", "kubectl"}, c.words...)...)
		if code != 0 || out != c.want {
			t.Errorf("completion kubectl %q: exit %d, got %q, want %q (stderr %q)", c.words, code, out, c.want, stderr)
		}
	}
}

func commandNames() []string {
	var out []string
	for n := range commands {
		out = append(out, n)
	}
	return out
}
