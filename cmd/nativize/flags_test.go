package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestEnumFlags holds every flag that declares its values (what completion
// offers) to what its command accepts: a declared value passes the flag
// check, anything else exits 2 naming the flag and the values.
func TestEnumFlags(t *testing.T) {
	seen := 0
	for name, c := range commands {
		fs, _ := c.flagSet()
		fs.VisitAll(func(f *pflag.Flag) {
			values := flagValues(f)
			if values == nil {
				return
			}
			seen++
			t.Run(name+"/"+f.Name, func(t *testing.T) {
				for _, v := range values {
					fs, _ := c.flagSet()
					if err := fs.Parse([]string{"--" + f.Name, v}); err != nil {
						t.Fatal(err)
					}
					if err := checkEnums(fs); err != nil {
						t.Errorf("declared value %q refused: %v", v, err)
					}
				}
				var errb bytes.Buffer
				code := c.run(context.Background(), []string{"--" + f.Name, "bogus-value"}, streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &errb})
				want := "unknown " + flagName(f) + ` "bogus-value" (want ` + orList(values) + ")"
				if code != 2 || !strings.Contains(errb.String(), want) {
					t.Errorf("exit %d, stderr %q; want 2 and %q", code, errb.String(), want)
				}
			})
		})
	}
	if seen < 5 {
		t.Fatalf("only %d enumerated flags declared; expected -o, --engine, --fail-on, --log-level at least", seen)
	}
}

// TestHelpListsDeclaredFlags: a command's --help and its completion come
// from one declaration, so every declared visible flag is in the help.
func TestHelpListsDeclaredFlags(t *testing.T) {
	for _, spec := range commandSpecs() {
		t.Run(spec.name, func(t *testing.T) {
			code, out, _ := runMain(t, "", spec.name, "--help")
			if code != 0 {
				t.Fatalf("--help exit %d", code)
			}
			for _, f := range spec.flags {
				if f.long != "help" && !strings.Contains(out, "--"+f.long) {
					t.Errorf("--help does not list --%s", f.long)
				}
			}
		})
	}
}

func TestOrList(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{[]string{"go"}, "go"},
		{[]string{"yaml", "json"}, "yaml or json"},
		{[]string{"error", "warning", "never"}, "error, warning or never"},
	} {
		if got := orList(tt.in); got != tt.want {
			t.Errorf("orList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
