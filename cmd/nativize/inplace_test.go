package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInPlaceAtomic holds --in-place to its contract: a file is replaced
// whole or not at all, keeps its mode and symlinks, an unwritable file is a
// located error (exit 2) while every other file is still written, and a
// broken document keeps its bytes while the file's other documents are
// converted.
func TestInPlaceAtomic(t *testing.T) {
	t.Run("mode kept", func(t *testing.T) {
		dir := t.TempDir()
		job := writeFile(t, dir, "job.yaml", classicJob)
		if err := os.Chmod(job, 0o640); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runBinary(t, nil, "mutate", "-i", "-f", job); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		info, err := os.Stat(job)
		if err != nil || info.Mode().Perm() != 0o640 {
			t.Fatalf("mode after rewrite: %v, %v; want 0640", info.Mode(), err)
		}
		assertConverted(t, job)
		assertNoTemp(t, dir)
	})
	t.Run("symlink kept and its target rewritten", func(t *testing.T) {
		dir := t.TempDir()
		job := writeFile(t, dir, "real/job.yaml", classicJob)
		link := filepath.Join(dir, "job.yaml")
		if err := os.Symlink(job, link); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runBinary(t, nil, "mutate", "-i", "-f", link); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("symlink replaced by a file: %v %v", info.Mode(), err)
		}
		assertConverted(t, job)
	})
	for _, step := range []string{"fsync", "rename"} {
		t.Run("failure at "+step+" leaves the file untouched", func(t *testing.T) {
			dir := t.TempDir()
			job := writeFile(t, dir, "job.yaml", classicJob)
			other := writeFile(t, dir, "other.yaml", classicJob)
			fail := errors.New("injected " + step + " failure")
			oldSync, oldRename := syncFile, renameFile
			defer func() { syncFile, renameFile = oldSync, oldRename }()
			n := 0
			if step == "fsync" {
				syncFile = func(f *os.File) error {
					if n++; n == 1 {
						return fail
					}
					return f.Sync()
				}
			} else {
				renameFile = func(a, b string) error {
					if n++; n == 1 {
						return fail
					}
					return os.Rename(a, b)
				}
			}
			code, _, errs := runMain(t, "", "mutate", "-i", "-f", job, "-f", other)
			if code != 2 || !strings.Contains(errs, job+": not rewritten: injected "+step+" failure") {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			if b, _ := os.ReadFile(job); string(b) != classicJob {
				t.Errorf("file changed after a failed rewrite:\n%s", b)
			}
			assertConverted(t, other)
			assertNoTemp(t, dir)
		})
	}
	t.Run("read-only directory gives a located error and exit 2 and other files are written", func(t *testing.T) {
		dir := t.TempDir()
		locked := writeFile(t, dir, "locked/job.yaml", classicJob)
		open := writeFile(t, dir, "open/job.yaml", classicJob)
		readOnly(t, filepath.Dir(locked))
		code, _, errs := runBinary(t, nil, "mutate", "-i", "-R", "-f", dir)
		if code != 2 || !strings.Contains(errs, locked+": not rewritten:") {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
		if b, _ := os.ReadFile(locked); string(b) != classicJob {
			t.Errorf("read-only file changed:\n%s", b)
		}
		assertConverted(t, open)
	})
	t.Run("broken document keeps its bytes and other documents are converted", func(t *testing.T) {
		dir := t.TempDir()
		broken := "---\nkind: Pod # istio-proxy\nmetadata: [oops\n"
		f := writeFile(t, dir, "mixed.yaml", classicJob+broken+"---\n"+classicJob)
		code, _, errs := runBinary(t, nil, "mutate", "-i", "-f", f)
		if code != 2 || !strings.Contains(errs, f+":16: document 2:") {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
		b, _ := os.ReadFile(f)
		if got := strings.Count(string(b), "restartPolicy: Always"); got != 2 || !strings.Contains(string(b), broken) {
			t.Errorf("want both jobs converted and the broken document kept byte for byte:\n%s", b)
		}
	})
}

// readOnly makes dir unwritable for this process, root included (chattr +i
// where mode bits do not bind root), and undoes it at cleanup.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if os.Geteuid() != 0 {
		return
	}
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		t.Fatalf("running as root, the directory needs chattr +i to be read-only: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
}

func assertConverted(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "restartPolicy: Always") {
		t.Errorf("%s not converted (%v):\n%s", path, err, b)
	}
}

// assertNoTemp fails when a temporary file of a rewrite is left behind.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.nativize-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
