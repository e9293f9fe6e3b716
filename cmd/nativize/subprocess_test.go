package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the nativize binary: with NATIVIZE_TEST_MAIN
// set, TestMain runs main instead of the tests. Tests run it as a real
// subprocess (its own stdin, stdout, stderr, exit code and GC settings)
// without a separate go build.
func TestMain(m *testing.M) {
	if os.Getenv("NATIVIZE_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// subprocessTimeout bounds every subprocess run: a hostile input that is
// not bounded fails the test instead of hanging it.
const subprocessTimeout = 60 * time.Second

// runBinary runs `nativize args...` as a subprocess with stdin and returns
// its exit code, stdout and stderr.
func runBinary(t testing.TB, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NATIVIZE_TEST_MAIN=1")
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(subprocessTimeout, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	if !timer.Stop() {
		t.Fatalf("nativize %s: killed after %s (unbounded work); stderr: %.2000s", strings.Join(args, " "), subprocessTimeout, errb.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	}
	t.Fatal(err)
	return 0, "", ""
}
