package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints a one-line progress report on stderr for long runs, only
// when stderr is a terminal (never in pipes or CI logs).
type progress struct {
	w           io.Writer
	on          bool
	start       time.Time
	last        time.Time
	docs        int
	bytes       int64
	everPrinted bool
}

func newProgress(w io.Writer) *progress {
	on := isTerminal(w) && os.Getenv("CI") == ""
	now := time.Now()
	return &progress{w: w, on: on, start: now, last: now}
}

// add counts one document of n bytes and repaints at most 5 times a second,
// starting after the first second.
func (p *progress) add(n int) {
	p.docs++
	p.bytes += int64(n)
	if !p.on || p.docs%64 != 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	p.everPrinted = true
	secs := now.Sub(p.start).Seconds()
	fmt.Fprintf(p.w, "\r\x1b[K%d documents, %.1f MB, %.0f docs/s", p.docs, float64(p.bytes)/1e6, float64(p.docs)/secs)
}

// done clears the progress line.
func (p *progress) done() {
	if p.everPrinted {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
