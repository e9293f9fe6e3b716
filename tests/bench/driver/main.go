// Command driver runs the side-by-side benchmark: nativize (check with the go
// and rego engines, mutate), conftest, gator and opa on the same corpora,
// alternating runs, and prints docs/s, ratios and peak RSS as a table and
// as JSON. tests/bench/bench.sh builds and installs everything first.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nativize/nativize/pkg/document"
)

// tool is one command under test; args get the corpus path substituted for
// {corpus} and {json}.
type tool struct {
	Name  string
	Args  []string
	Peer  bool // an outside tool (ratios are computed against these)
	Large bool // run on large corpora too
}

// result is the measurement of one tool on one corpus.
type result struct {
	Corpus   string  `json:"corpus"`
	Docs     int     `json:"docs"`
	Tool     string  `json:"tool"`
	Runs     int     `json:"runs"`
	Seconds  float64 `json:"median_seconds"`
	DocsPerS float64 `json:"docs_per_second"`
	PeakRSS  float64 `json:"peak_rss_mb"`
	Error    string  `json:"error,omitempty"`
}

func main() {
	root := flag.String("root", ".", "repository root")
	sizes := flag.String("sizes", "1000,10000", "corpus sizes (documents)")
	peerMax := flag.Int("peer-max", 10000, "largest corpus the slow peers (conftest, gator, opa) run on")
	rounds := flag.Int("rounds", 3, "alternating rounds per corpus")
	out := flag.String("json", "", "also write results as JSON to this file")
	flag.Parse()
	r := *root
	bin := func(p string) string { return filepath.Join(r, p) }
	tools := []tool{
		{Name: "noop-baseline", Args: []string{bin("bin/noop"), "-f", "{corpus}"}, Large: true},
		{Name: "nativize-check-go", Args: []string{bin("bin/nativize"), "check", "-f", "{corpus}", "--engine", "go", "-o", "json", "--fail-on", "never"}, Large: true},
		{Name: "nativize-check-rego", Args: []string{bin("bin/nativize"), "check", "-f", "{corpus}", "--engine", "rego", "-o", "json", "--fail-on", "never"}, Large: true},
		{Name: "nativize-mutate", Args: []string{bin("bin/nativize"), "mutate", "-f", "{corpus}"}, Large: true},
		{Name: "conftest", Peer: true, Args: []string{bin(".tools/bin/conftest"), "test", "--no-fail", "-p", bin("policies"), "{corpus}"}},
		{Name: "gator", Peer: true, Args: []string{bin(".tools/bin/gator"), "test", "-f", "{gatorlib}", "-f", "{corpus}"}},
		{Name: "opa-eval", Peer: true, Args: []string{bin(".tools/bin/opa"), "eval", "--format", "raw", "-d", bin("policies"), "-i", "{json}",
			"count([f | some o in input; some f in data.nativize.validate.findings with input as o])"}},
	}
	dir, err := os.MkdirTemp("", "nativize-bench-")
	check(err)
	defer os.RemoveAll(dir)
	gatorLib := filepath.Join(dir, "gatorlib")
	check(gatorLibrary(filepath.Join(r, "library"), gatorLib))

	var corpora []struct {
		name, mix string
		n         int
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		corpora = append(corpora, struct {
			name, mix string
			n         int
		}{fmt.Sprintf("mixed-%d", n), "default", n})
	}
	corpora = append(corpora, struct {
		name, mix string
		n         int
	}{"sparse-10000", "sparse", 10000})

	var all []result
	for _, c := range corpora {
		path := filepath.Join(dir, c.name+".yaml")
		gen := exec.Command("go", "run", "./tests/bench/corpus", "-n", strconv.Itoa(c.n), "-mix", c.mix)
		gen.Dir = r
		data, err := gen.Output()
		check(err)
		check(os.WriteFile(path, data, 0o644))
		jsonPath := filepath.Join(dir, c.name+".json")
		check(writeJSONArray(path, jsonPath))
		fmt.Fprintf(os.Stderr, "corpus %s: %d documents, %.1f MB\n", c.name, c.n, float64(len(data))/1e6)
		times := map[string][]float64{}
		peak := map[string]float64{}
		errs := map[string]string{}
		for round := 0; round < *rounds; round++ {
			for _, t := range tools {
				if t.Peer && c.n > *peerMax {
					continue
				}
				if errs[t.Name] != "" {
					continue
				}
				args := substitute(t.Args, path, jsonPath, gatorLib)
				secs, rss, err := runOnce(args)
				if err != nil {
					errs[t.Name] = err.Error()
					fmt.Fprintf(os.Stderr, "  %s: %v\n", t.Name, err)
					continue
				}
				times[t.Name] = append(times[t.Name], secs)
				if rss > peak[t.Name] {
					peak[t.Name] = rss
				}
				fmt.Fprintf(os.Stderr, "  round %d %-20s %7.2fs %6.0f MB\n", round+1, t.Name, secs, rss)
			}
		}
		for _, t := range tools {
			if t.Peer && c.n > *peerMax {
				continue
			}
			res := result{Corpus: c.name, Docs: c.n, Tool: t.Name, Runs: len(times[t.Name]), PeakRSS: peak[t.Name], Error: errs[t.Name]}
			if len(times[t.Name]) > 0 {
				res.Seconds = median(times[t.Name])
				res.DocsPerS = float64(c.n) / res.Seconds
			}
			all = append(all, res)
		}
	}
	printTable(all)
	if *out != "" {
		b, _ := json.MarshalIndent(map[string]any{"machine": machine(), "results": all}, "", "  ")
		check(os.WriteFile(*out, append(b, '\n'), 0o644))
	}
}

func substitute(args []string, corpus, jsonPath, gatorLib string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "{corpus}", corpus)
		a = strings.ReplaceAll(a, "{json}", jsonPath)
		out[i] = strings.ReplaceAll(a, "{gatorlib}", gatorLib)
	}
	return out
}

// runOnce runs a command with stdout discarded and returns wall seconds and
// peak RSS in MB. Exit status 1 (findings) counts as success.
func runOnce(args []string) (float64, float64, error) {
	// GNU time measures the child's own peak RSS; a child forked straight
	// from this process would report this process's RSS at fork time.
	rssFile, err := os.CreateTemp("", "rss-")
	if err != nil {
		return 0, 0, err
	}
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	args = append([]string{"/usr/bin/time", "-f", "%M", "-o", rssFile.Name()}, args...)
	cmd := exec.Command(args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	secs := time.Since(start).Seconds()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		msg := stderr.String()
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return 0, 0, fmt.Errorf("%v: %s", err, msg)
	}
	b, err := os.ReadFile(rssFile.Name())
	if err != nil {
		return 0, 0, err
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0, 0, fmt.Errorf("no RSS reading from /usr/bin/time")
	}
	kb, err := strconv.ParseFloat(fields[len(fields)-1], 64)
	if err != nil {
		return 0, 0, err
	}
	return secs, kb / 1024, nil
}

// writeJSONArray writes the corpus as one JSON array for opa eval.
func writeJSONArray(yamlPath, jsonPath string) error {
	docs, err := document.ReadAll([]string{yamlPath}, false, nil)
	if err != nil {
		return err
	}
	var objs []any
	for _, d := range docs {
		if d.Object != nil {
			objs = append(objs, d.Object)
		}
	}
	b, err := json.Marshal(objs)
	if err != nil {
		return err
	}
	return os.WriteFile(jsonPath, b, 0o644)
}

// gatorLibrary copies every ConstraintTemplate and one constraint per
// template from library/ (gator test takes templates, constraints and objects).
func gatorLibrary(lib, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	templates, _ := filepath.Glob(filepath.Join(lib, "ns*", "template.yaml"))
	for _, t := range templates {
		name := filepath.Base(filepath.Dir(t))
		if err := copyFile(t, filepath.Join(dst, name+"-template.yaml")); err != nil {
			return err
		}
		constraints, _ := filepath.Glob(filepath.Join(filepath.Dir(t), "samples", "*", "constraint.yaml"))
		if len(constraints) > 0 {
			sort.Strings(constraints)
			if err := copyFile(constraints[0], filepath.Join(dst, name+"-constraint.yaml")); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printTable(all []result) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "corpus\ttool\tdocs/s\tpeak RSS MB\tvs conftest\tvs gator\tvs opa\tvs noop\t")
	byCorpus := map[string]map[string]result{}
	for _, r := range all {
		if byCorpus[r.Corpus] == nil {
			byCorpus[r.Corpus] = map[string]result{}
		}
		byCorpus[r.Corpus][r.Tool] = r
	}
	ratio := func(a result, peers map[string]result, name string) string {
		p, ok := peers[name]
		if !ok || p.DocsPerS == 0 || a.DocsPerS == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1fx", a.DocsPerS/p.DocsPerS)
	}
	for _, r := range all {
		if r.Error != "" {
			fmt.Fprintf(w, "%s\t%s\tERROR\t\t\t\t\t\t\n", r.Corpus, r.Tool)
			continue
		}
		peers := byCorpus[r.Corpus]
		fmt.Fprintf(w, "%s\t%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n", r.Corpus, r.Tool, r.DocsPerS, r.PeakRSS,
			ratio(r, peers, "conftest"), ratio(r, peers, "gator"), ratio(r, peers, "opa-eval"), ratio(r, peers, "noop-baseline"))
	}
	w.Flush()
	fmt.Printf("\nmachine: %s\n", machine())
}

func machine() string {
	cpu := "unknown cpu"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs, %s %s/%s", cpu, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
}
