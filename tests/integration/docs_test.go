package integration

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the outputs in docs/*.md from the commands' real output")

// docFiles are the documents whose console blocks are run.
var docFiles = []string{"docs/INTEGRATIONS.md", "README.md"}

// session is one "$ command" of a ```console block and the output the
// document shows for it. Lines starting with "> " continue the command
// (a here-document, say), as an interactive shell shows them.
type session struct {
	command string
	output  string
	// start and end are the line range of the output in the document.
	start, end int
}

// consoleBlocks returns the sessions of every ```console block.
func consoleBlocks(lines []string) [][]session {
	var blocks [][]session
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```console" {
			continue
		}
		var block []session
		i++
		for i < len(lines) && strings.TrimSpace(lines[i]) != "```" {
			if !strings.HasPrefix(lines[i], "$ ") {
				i++ // text before the first command
				continue
			}
			s := session{command: strings.TrimPrefix(lines[i], "$ ")}
			i++
			for i < len(lines) && (strings.HasPrefix(lines[i], "> ") || lines[i] == ">") {
				s.command += "\n" + strings.TrimPrefix(strings.TrimPrefix(lines[i], ">"), " ")
				i++
			}
			s.start = i
			for i < len(lines) && !strings.HasPrefix(lines[i], "$ ") && strings.TrimSpace(lines[i]) != "```" {
				i++
			}
			s.end = i
			s.output = strings.Join(lines[s.start:s.end], "\n")
			block = append(block, s)
		}
		blocks = append(blocks, block)
	}
	return blocks
}

// workspace copies what the documents' commands read into a scratch
// directory, so commands that rewrite files leave the repository alone.
func workspace(t *testing.T) string {
	dir := t.TempDir()
	for _, src := range []string{"examples", "tests/integration/testdata"} {
		if out, err := exec.Command("mkdir", "-p", filepath.Join(dir, filepath.Dir(src))).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if out, err := exec.Command("cp", "-R", filepath.Join(root, src), filepath.Join(dir, src)).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	// The kustomize example runs ../../bin/nativize.
	if err := os.Symlink(filepath.Join(root, "bin"), filepath.Join(dir, "bin")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDocs runs every command shown in a ```console block of the docs, in
// order and in one scratch copy of the examples per document, and compares
// its output (stdout and stderr as a terminal would show them, exit status
// not shown) with the document. Run with -update to rewrite the outputs,
// then review the diff.
func TestDocs(t *testing.T) {
	bin := nativize(t)
	path := strings.Join([]string{filepath.Dir(bin), filepath.Join(root, ".tools", "bin"), os.Getenv("PATH")}, string(os.PathListSeparator))
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		path = filepath.Dir(k) + string(os.PathListSeparator) + path
	}
	for _, doc := range docFiles {
		t.Run(filepath.Base(doc), func(t *testing.T) {
			file := filepath.Join(root, doc)
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			blocks := consoleBlocks(lines)
			if len(blocks) == 0 {
				t.Fatalf("%s has no console blocks", doc)
			}
			dir := workspace(t)
			replace := map[int]session{}
			for _, block := range blocks {
				for _, s := range block {
					if name := strings.Fields(s.command)[0]; !isBuiltin[name] {
						if _, err := lookIn(path, name); err != nil {
							t.Logf("%s:%d: skipped, %s is not installed: %s", doc, s.start, name, s.command)
							continue
						}
					}
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					cmd := exec.CommandContext(ctx, "bash", "-c", s.command)
					cmd.Dir = dir
					cmd.Env = append(os.Environ(), "PATH="+path, "NO_COLOR=1", "HOME="+dir)
					var out bytes.Buffer
					cmd.Stdout, cmd.Stderr = &out, &out
					if err := cmd.Run(); ctx.Err() != nil {
						t.Fatalf("%s:%d: `%s` did not finish: %v", doc, s.start, s.command, ctx.Err())
					} else if _, exit := err.(*exec.ExitError); err != nil && !exit {
						t.Fatalf("%s: %v", s.command, err)
					}
					got := normalize(out.String())
					if got == normalize(s.output) {
						continue
					}
					if *update {
						s.output = got
						replace[s.start] = s
						continue
					}
					t.Errorf("%s:%d: `%s` printed:\n%s\n--- the document shows:\n%s", doc, s.start, s.command, got, s.output)
				}
			}
			if *update && len(replace) > 0 {
				n := len(replace)
				var out []string
				for i := 0; i < len(lines); {
					if s, ok := replace[i]; ok {
						delete(replace, i) // an empty output starts and ends at the same line
						if s.output != "" {
							out = append(out, strings.Split(s.output, "\n")...)
						}
						i = s.end
						continue
					}
					out = append(out, lines[i])
					i++
				}
				if err := os.WriteFile(file, []byte(strings.Join(out, "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: rewrote %d outputs", doc, n)
			}
		})
	}
}

// normalize drops trailing blanks of lines and of the text: editors strip
// them from Markdown, and they carry no meaning in a terminal.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// isBuiltin are the shell builtins a document's command may start with.
var isBuiltin = map[string]bool{"echo": true, "cd": true, "printf": true}

// lookIn finds an executable in a PATH list.
func lookIn(path, name string) (string, error) {
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}
