package krm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/nativize/nativize/pkg/document"
)

// TestGoldenParity wraps every golden input of pkg/mutate in a ResourceList
// and checks that the function's items equal the golden outputs, object for
// object: the KRM path converts exactly as `nativize mutate` does.
func TestGoldenParity(t *testing.T) {
	ins, _ := filepath.Glob("../mutate/testdata/golden/*.in.yaml")
	if len(ins) < 5 {
		t.Fatalf("found %d golden inputs", len(ins))
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			items := &yaml.Node{Kind: yaml.SequenceNode}
			for _, d := range split(t, in) {
				if d.Node == nil { // a JSON document
					var n yaml.Node
					if err := n.Encode(d.Object); err != nil {
						t.Fatal(err)
					}
					items.Content = append(items.Content, &n)
					continue
				}
				items.Content = append(items.Content, d.Node.Content[0])
			}
			root := &yaml.Node{Kind: yaml.MappingNode}
			for _, kv := range [][2]string{{"apiVersion", "config.kubernetes.io/v1"}, {"kind", "ResourceList"}} {
				root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[0]}, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[1]})
			}
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "items"}, items)
			input, err := yaml.Marshal(root)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Process(input, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Items []yaml.Node `yaml:"items"`
			}
			if err := yaml.Unmarshal(out.ResourceList, &got); err != nil {
				t.Fatal(err)
			}
			want := split(t, strings.TrimSuffix(in, ".in.yaml")+".out.yaml")
			if len(got.Items) != len(want) {
				t.Fatalf("%d items, want %d", len(got.Items), len(want))
			}
			for i := range want {
				b, err := yaml.Marshal(&got.Items[i])
				if err != nil {
					t.Fatal(err)
				}
				docs := document.Split("item", b)
				if len(docs) != 1 || docs[0].Err != nil {
					t.Fatalf("item %d does not parse: %v", i, docs)
				}
				if !reflect.DeepEqual(jsonOf(t, docs[0].Object), jsonOf(t, want[i].Object)) {
					t.Errorf("item %d differs from the golden output:\n%s", i, b)
				}
			}
		})
	}
}

// split reads the non-empty documents of a file.
func split(t *testing.T, path string) []document.Doc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []document.Doc
	for _, d := range document.Split(path, data) {
		if d.Err != nil {
			t.Fatal(d.Err)
		}
		if d.Object != nil {
			out = append(out, d)
		}
	}
	return out
}

// jsonOf normalizes an object through JSON so number types compare equal.
func jsonOf(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
