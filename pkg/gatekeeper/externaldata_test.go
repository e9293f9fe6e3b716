package gatekeeper

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"
)

// echoLibrary is a library whose template asks the "echo" Provider about
// the object's name and reports the answer (or the provider's error).
var echoLibrary = fstest.MapFS{
	"echo/template.yaml": {Data: []byte(`apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: echoname
spec:
  crd:
    spec:
      names:
        kind: EchoName
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: v1
            rego: |
              package echoname

              _response := external_data({"provider": "echo", "keys": [input.review.object.metadata.name]})

              violation contains {"msg": sprintf("echo says %v", [value])} if {
              	some [_, value] in _response.responses
              }

              violation contains {"msg": sprintf("echo failed: %v", [err])} if {
              	some [_, err] in _response.errors
              }

              violation contains {"msg": sprintf("echo system error: %v", [_response.system_error])} if {
              	_response.system_error != ""
              }
`)},
	"echo/constraint.yaml": {Data: []byte(`apiVersion: constraints.gatekeeper.sh/v1beta1
kind: EchoName
metadata:
  name: echo
spec:
  enforcementAction: warn
`)},
	"echo/provider.yaml": {Data: []byte(`apiVersion: externaldata.gatekeeper.sh/v1beta1
kind: Provider
metadata:
  name: echo
spec:
  url: https://echo.example:443/
  timeout: 3
  caBundle: bm90IGEgY2E=
`)},
}

func TestExternalData(t *testing.T) {
	pod := func(name string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name}}
	}
	upper := func(_ context.Context, provider string, keys []string) ([]externaldata.Item, error) {
		if provider != "echo" {
			return nil, errors.New("unknown provider " + provider)
		}
		var out []externaldata.Item
		for _, k := range keys {
			if k == "bad" {
				out = append(out, externaldata.Item{Key: k, Error: "bad name"})
				continue
			}
			out = append(out, externaldata.Item{Key: k, Value: strings.ToUpper(k)})
		}
		return out, nil
	}
	broken := func(context.Context, string, []string) ([]externaldata.Item, error) {
		return nil, errors.New("backend down")
	}
	tests := []struct {
		name string
		fn   ExternalDataFunc
		obj  map[string]any
		want string // message of the single finding, prefix
	}{
		{name: "value from the hook", fn: upper, obj: pod("web"), want: "echo says WEB"},
		{name: "per-key error", fn: upper, obj: pod("bad"), want: "echo failed: bad name"},
		{name: "hook error is a system error", fn: broken, obj: pod("web"), want: "echo system error: backend down"},
		{name: "no hook: the provider is unknown", obj: pod("web"), want: "echo system error: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Options{Library: echoLibrary, ExternalData: tt.fn})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			fs, err := e.Check(context.Background(), tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 {
				t.Fatalf("want 1 finding, got %+v", fs)
			}
			f := fs[0]
			if !strings.HasPrefix(f.Message, tt.want) {
				t.Errorf("message %q, want prefix %q", f.Message, tt.want)
			}
			if f.Check != "EchoName" || f.Severity != "warning" || f.Object.Name != tt.obj["metadata"].(map[string]any)["name"] {
				t.Errorf("finding %+v: want check EchoName, severity warning (enforcementAction warn), the pod", f)
			}
		})
	}
}
