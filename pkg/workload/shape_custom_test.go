package workload_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/document"
	"github.com/nativize/nativize/pkg/workload"
)

// TestShapeCustomKindPaths: a kind from --config (podSpecPaths) whose path
// meets a value that is not an object is a located shape error, as for the
// built-in kinds, instead of a pod spec skipped without a word; a level
// shared by several paths is reported once, and a missing template is not
// an error (a kind with several templates rarely sets them all).
func TestShapeCustomKindPaths(t *testing.T) {
	cat, err := catalog.Parse([]byte("containers: []\nkinds: [{group: example.com, kind: Pipeline, podSpecPaths: [spec.build.template.spec, spec.run.template.spec]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	const head = "apiVersion: example.com/v1\nkind: Pipeline\nmetadata:\n  name: p\n"
	cases := []struct {
		name string
		src  string
		want []string // FILE:LINE: document N: message, in order
	}{
		{name: "pod spec a list", src: head + "spec:\n  build:\n    template:\n      spec:\n      - name: app\n",
			want: []string{"in.yaml:9: document 1: spec.build.template.spec: expected an object, got a list"}},
		{name: "template a string, the other path fine", src: head + "spec:\n  build:\n    template: oops\n  run:\n    template:\n      spec:\n        containers: [{name: app}]\n",
			want: []string{"in.yaml:7: document 1: spec.build.template: expected an object, got a string"}},
		{name: "shared level a list: once", src: head + "spec:\n- build\n",
			want: []string{"in.yaml:6: document 1: spec: expected an object, got a list"}},
		{name: "one template missing: accepted", src: head + "spec:\n  run:\n    template:\n      spec:\n        containers: [{name: app}]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := document.Split("in.yaml", []byte(tc.src))[0]
			if d.Err != nil {
				t.Fatal(d.Err)
			}
			var got []string
			for _, se := range workload.Shape(d.Object, cat) {
				if !errors.Is(se, workload.ErrShape) {
					t.Errorf("%v is not ErrShape", se)
				}
				got = append(got, d.At(se.Path, se).Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
