package rewrite

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/internal/podgen"
	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
)

var update = flag.Bool("update", false, "rewrite golden .out.yaml files from the current engine")

const goldenDir = "../mutate/testdata/golden"

// convertFile converts a whole file the way `nativize mutate --in-place` does.
func convertFile(t testing.TB, m engine.Engine, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, d := range document.Split(name, data) {
		r := Doc(m, &d)
		if r.Err != nil {
			t.Fatalf("%v", r.Err)
		}
		buf.Write(r.Out)
	}
	return buf.Bytes()
}

// TestGolden converts every golden input and compares with the reviewed
// output; run with -update to regenerate, then review the diff.
func TestGolden(t *testing.T) {
	m, _ := engine.New(engine.Options{})
	ins, _ := filepath.Glob(filepath.Join(goldenDir, "*.in.yaml"))
	if len(ins) < 10 {
		t.Fatalf("found %d golden inputs, want at least 10", len(ins))
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := convertFile(t, m, in, data)
			outPath := filepath.Join(goldenDir, name+".out.yaml")
			if *update {
				if err := os.WriteFile(outPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("output differs from %s:\n%s", outPath, got)
			}
			// R5: converting the output again changes nothing.
			if again := convertFile(t, m, outPath, got); !bytes.Equal(again, got) {
				t.Fatalf("second conversion changed the output:\n%s", again)
			}
			// Every output document is still valid YAML of the same object count.
			if n, k := len(document.Split(in, data)), len(document.Split(outPath, got)); n != k {
				t.Fatalf("%d documents became %d", n, k)
			}
		})
	}
}

// TestLossless checks that the YAML rewrite keeps comments and untouched
// formatting, and leaves unchanged documents byte for byte.
func TestLossless(t *testing.T) {
	m, _ := engine.New(engine.Options{})
	src := `# leading comment kept
apiVersion: v1
kind: Pod
metadata:
  name: p   # trailing comment kept
  annotations:
    custom.example.com/keep: "yes"
spec:
  # app first
  containers:
  - name: app
    image: nginx
    x-unknown: {kept: true}
  # the proxy
  - name: istio-proxy   # moves with its comments
    image: proxy
    args: ["a", 'b']
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:   {k: v}   # odd spacing survives
`
	got := string(convertFile(t, m, "x.yaml", []byte(src)))
	for _, want := range []string{
		"# leading comment kept", "name: p # trailing comment kept", `custom.example.com/keep: "yes"`,
		"# app first", "x-unknown: {kept: true}", "# moves with its comments", `args: ["a", 'b']`,
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:   {k: v}   # odd spacing survives\n",
		"  initContainers:\n  # the proxy\n  - name: istio-proxy # moves with its comments\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestBadDocumentKept checks that a document that does not parse is
// reported with file and line and kept, and the others are converted.
func TestBadDocumentKept(t *testing.T) {
	m, _ := engine.New(engine.Options{})
	src := "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: app}, {name: istio-proxy}]\n---\nkind: Pod\nmetadata: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers: [{name: app}, {name: linkerd-proxy}]\n"
	docs := document.Split("in.yaml", []byte(src))
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3", len(docs))
	}
	var errs []string
	converted := 0
	for i := range docs {
		r := Doc(m, &docs[i])
		if r.Err != nil {
			errs = append(errs, r.Err.Error())
			if !bytes.Equal(r.Out, docs[i].Raw) {
				t.Errorf("broken document not kept as is")
			}
		} else if r.Changed {
			converted++
		}
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "in.yaml:8: ") {
		t.Fatalf("errors = %q, want one at in.yaml:8", errs)
	}
	if converted != 2 {
		t.Fatalf("converted %d documents, want 2", converted)
	}
}

// FuzzDoc feeds arbitrary bytes through read → plan → apply → write: it must
// never panic, and any output must parse and be stable under reconversion.
func FuzzDoc(f *testing.F) {
	ins, _ := filepath.Glob(filepath.Join(goldenDir, "*.in.yaml"))
	for _, in := range ins {
		data, _ := os.ReadFile(in)
		f.Add(data)
	}
	g := podgen.New(7)
	for i := 0; i < 20; i++ {
		b, _ := yaml.Marshal(g.Object(i))
		f.Add(b)
	}
	m, _ := engine.New(engine.Options{})
	pf := catalog.Default().Prefilter()
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		for _, d := range document.Split("fuzz.yaml", data) {
			r := Doc(m, &d)
			if r.Err != nil {
				out.Write(d.Raw)
				continue
			}
			if r.Changed && !pf.MayMatter(d.Raw) {
				t.Fatalf("prefilter false negative:\n%s", d.Raw)
			}
			out.Write(r.Out)
			if r.Changed {
				again := document.Split("again.yaml", r.Out)
				for _, a := range again {
					if a.Err != nil {
						t.Fatalf("output does not parse: %v\n%s", a.Err, r.Out)
					}
					if a.Object == nil {
						continue
					}
					p, err := m.Plan(a.Object)
					if err != nil || !p.Empty() {
						t.Fatalf("reconversion not idempotent:\n%s", r.Out)
					}
				}
			}
		}
	})
}

// TestPrefilterNeverMisses converts generated objects and checks that every
// document that changes passes the prefilter.
func TestPrefilterNeverMisses(t *testing.T) {
	m, _ := engine.New(engine.Options{})
	pf := catalog.Default().Prefilter()
	g := podgen.New(99)
	changed := 0
	for i := 0; i < 2000; i++ {
		b, _ := yaml.Marshal(g.Object(i))
		d := document.Split("gen.yaml", b)[0]
		r := Doc(m, &d)
		if r.Changed {
			changed++
			if !pf.MayMatter(b) {
				t.Fatalf("prefilter would skip a document that changes:\n%s", b)
			}
		}
	}
	if changed == 0 {
		t.Fatal("no generated document changed")
	}
}

// BenchmarkMutate converts a realistic multi-document stream and reports docs/s.
func BenchmarkMutate(b *testing.B) {
	g := podgen.New(3)
	var stream bytes.Buffer
	const n = 500
	for i := 0; i < n; i++ {
		y, _ := yaml.Marshal(g.Object(i))
		stream.WriteString("---\n")
		stream.Write(y)
	}
	m, _ := engine.New(engine.Options{})
	data := stream.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range document.Split("bench.yaml", data) {
			if r := Doc(m, &d); r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "docs/s")
}
