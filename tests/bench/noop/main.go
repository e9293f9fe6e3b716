// Command noop is the benchmark baseline: it reads a manifest stream with the
// same reader as nativize, decodes every document with the same YAML library
// and re-emits it, on all cores, in input order. Nothing is converted.
//
//	noop -f corpus.yaml > /dev/null
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/pflag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/stream"
)

func main() {
	// The same garbage-collector settings as nativize's batch commands, so
	// the baseline differs from nativize only in the work done per document.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
	files := pflag.StringSliceP("filename", "f", nil, "files to read")
	workers := pflag.Int("workers", 0, "parallel workers (0: one per CPU)")
	pflag.Parse()
	st, err := document.Open(*files, false, os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriterSize(os.Stdout, 256*1024)
	defer out.Flush()
	work := func(d document.Doc) []byte {
		var n yaml.Node
		if err := yaml.Unmarshal(d.Raw, &n); err != nil || n.Kind == 0 {
			return d.Raw
		}
		b, err := document.EncodeNode(&d, &n)
		if err != nil {
			return d.Raw
		}
		return b
	}
	err = stream.Ordered(*workers, st.Next, work, func(b []byte) error {
		_, err := out.Write(b)
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
