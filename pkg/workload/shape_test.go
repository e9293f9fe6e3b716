package workload_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/rewrite"
	"github.com/nativize/nativize/pkg/workload"
)

// classicJob must be converted after every hostile document.
const classicJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: good
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: report
        image: report
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.22.0
`

func TestShape(t *testing.T) {
	cases := []struct {
		name string
		src  string
		line int      // 0: accepted
		has  []string // substrings of the message (path, key, expected type)
	}{
		{name: "containers a mapping, initContainers a number", src: "apiVersion: v1\nkind: Pod\nspec:\n  initContainers: 7\n  containers:\n    app: {image: a}\n",
			line: 4, has: []string{"spec.initContainers: expected a list, got a number"}},
		{name: "containers a mapping", src: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    app: {image: a}\n",
			line: 5, has: []string{"spec.containers: expected a list, got an object"}},
		{name: "same name in init and regular containers", src: "apiVersion: v1\nkind: Pod\nspec:\n  initContainers:\n  - name: istio-proxy\n    image: p\n  containers:\n  - name: app\n    image: a\n  - name: istio-proxy\n    image: p\n",
			line: 10, has: []string{`spec.containers[1].name: duplicate container name "istio-proxy" (also at spec.initContainers[0])`}},
		{name: "number where a name is", src: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: 7\n    image: a\n",
			line: 5, has: []string{"spec.containers[0].name: expected a string, got a number"}},
		{name: "name not a DNS label", src: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: App_1\n    image: a\n",
			line: 5, has: []string{`spec.containers[0].name: invalid container name "App_1"`, "DNS-1123"}},
		{name: "container without a name", src: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: a\n",
			line: 5, has: []string{"spec.containers[0].name: a container needs a name"}},
		{name: "container not an object", src: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - istio-proxy\n",
			line: 5, has: []string{"spec.containers[0]: expected a container (an object), got a string"}},
		{name: "args with a number", src: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    args: [x, 1]\n",
			line: 6, has: []string{"spec.containers[0].args[1]: expected a string, got a number"}},
		{name: "template a list", src: "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n  - x\n",
			line: 5, has: []string{"spec.template: expected an object, got a list"}},
		{name: "boolean annotation", src: "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/inject: true\n    spec:\n      containers:\n      - name: a\n",
			line: 7, has: []string{"spec.template.metadata.annotations.sidecar.istio.io/inject: expected a string, got a boolean"}},
		{name: "List item not an object", src: "apiVersion: v1\nkind: List\nitems:\n- 7\n",
			line: 4, has: []string{"items[0]: expected an object, got a number"}},
		{name: "List item with a bad container", src: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers: 5\n",
			line: 7, has: []string{"items[0].spec.containers: expected a list, got a number"}},
		{name: "nulls count as absent", src: "apiVersion: v1\nkind: Pod\nspec:\n  initContainers: null\n  containers:\n  - name: a\n    ports: null\n"},
		{name: "other kinds are not checked", src: "apiVersion: v1\nkind: ConfigMap\ndata:\n  containers: 7\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := engine.New(engine.Options{Catalog: catalog.Default()})
			if err != nil {
				t.Fatal(err)
			}
			docs := document.Split("in.yaml", []byte(tc.src+"---\n"+classicJob))
			bad := rewrite.Doc(m, &docs[0])
			next := rewrite.Doc(m, &docs[1])
			if next.Err != nil || !next.Changed || !strings.Contains(string(next.Out), "restartPolicy: Always") {
				t.Errorf("the next document was not converted: %v\n%s", next.Err, next.Out)
			}
			if tc.line == 0 {
				if bad.Err != nil {
					t.Errorf("refused: %v", bad.Err)
				}
				return
			}
			if bad.Err == nil {
				t.Fatal("accepted")
			}
			want := fmt.Sprintf("in.yaml:%d: document 1: ", tc.line)
			if msg := bad.Err.Error(); !strings.HasPrefix(msg, want) {
				t.Errorf("error %q, want prefix %q", msg, want)
			}
			for _, s := range tc.has {
				if !strings.Contains(bad.Err.Error(), s) {
					t.Errorf("error %q lacks %q", bad.Err, s)
				}
			}
			if !errors.Is(bad.Err, workload.ErrShape) || bad.Changed || string(bad.Out) != string(docs[0].Raw) {
				t.Errorf("not a shape error, or the document changed: %v", bad.Err)
			}
		})
	}
}

// TestShapeSameForBothPaths holds check's path (rewrite.Shape with the
// catalog) to the mutate path's message.
func TestShapeSameForBothPaths(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: Bad\n"
	d := document.Split("p.yaml", []byte(src))[0]
	m, _ := engine.New(engine.Options{Catalog: catalog.Default()})
	viaMutate := rewrite.Doc(m, &d).Err
	viaCheck := rewrite.Shape(catalog.Default(), &d)
	if viaMutate == nil || viaCheck == nil || viaMutate.Error() != viaCheck.Error() {
		t.Errorf("mutate %v, check %v", viaMutate, viaCheck)
	}
}
