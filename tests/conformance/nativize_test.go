package conformance

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nativizeBinary returns the nativize CLI to run: $NATIVIZE when set (make
// passes the one `make build` made), else a fresh build of ../../cmd/nativize.
func nativizeBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("NATIVIZE"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "nativize")
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", bin, "./cmd/nativize")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building nativize: %v\n%s", err, out)
	}
	return bin
}

// TestNativizeOutput converts every example and every golden input with the
// real CLI (`nativize mutate -f FILE`, whose writer keeps untouched bytes and
// edits the rest) and creates each document of what it writes: the stream a
// user pipes to `kubectl apply` must be accepted intact.
func TestNativizeOutput(t *testing.T) {
	var files []string
	if _, err := os.Stat(examplesDir); err == nil {
		files = append(files, glob(t, examplesDir, "*.yaml")...)
	}
	if _, err := os.Stat(goldenDir); err == nil {
		files = append(files, glob(t, goldenDir, "*.in.yaml")...)
	}
	if len(files) == 0 {
		t.Skip("no examples or golden inputs (yet)")
	}
	bin := nativizeBinary(t)
	var docs, objects int
	for _, f := range files {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, "mutate", "-f", f)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("nativize mutate -f %s: %v\n%s", f, err, stderr.Bytes())
			continue
		}
		ds, err := splitDocuments(filepath.Base(f)+" (nativize mutate)", stdout.Bytes())
		if err != nil {
			t.Errorf("output of nativize mutate -f %s: %v", f, err)
			continue
		}
		n, o := checkDocuments(t, ds)
		docs, objects = docs+n, objects+o
	}
	if docs == 0 {
		t.Fatalf("nativize wrote no document for %d input files", len(files))
	}
	t.Logf("%d input files, %d output documents, %d objects created", len(files), docs, objects)
}
