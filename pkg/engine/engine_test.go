package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/validate"
)

// classicPod is a Pod with a classic istio-proxy: NS001 and a plan.
func classicPod() map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p", "namespace": "ns"},
		"spec": map[string]any{"containers": []any{
			map[string]any{"name": "app", "image": "app:1"},
			map[string]any{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.0"},
		}},
	}
}

func TestGoEngine(t *testing.T) {
	for _, tt := range []struct {
		name        string
		kube        string
		wantRefused bool
		wantWarning bool
		wantCheck   string
	}{
		{name: "current version converts", wantCheck: "NS001"},
		{name: "1.28 converts with a warning", kube: "1.28", wantWarning: true, wantCheck: "NS001"},
		{name: "1.27 checks but refuses to plan", kube: "1.27", wantRefused: true, wantCheck: "NS001"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Options{KubeVersion: tt.kube})
			if err != nil {
				t.Fatal(err)
			}
			if e.Catalog() == nil {
				t.Fatal("nil catalog")
			}
			if got := len(e.Warnings()) > 0; got != tt.wantWarning {
				t.Errorf("warnings %q, want some: %v", e.Warnings(), tt.wantWarning)
			}
			plan, err := e.Plan(classicPod())
			if tt.wantRefused {
				if !errors.Is(err, mutate.ErrKubeVersion) {
					t.Errorf("Plan error %v, want ErrKubeVersion", err)
				}
			} else if err != nil || plan.Empty() {
				t.Errorf("Plan = %v, %v; want a conversion", plan, err)
			}
			fs, err := e.Check(context.Background(), classicPod())
			if err != nil {
				t.Fatal(err)
			}
			if !hasCheck(fs, tt.wantCheck) {
				t.Errorf("findings %v lack %s", fs, tt.wantCheck)
			}
			// Below 1.28 no fix is offered: nothing could apply it.
			for _, f := range fs {
				if tt.wantRefused && len(f.Fix) > 0 {
					t.Errorf("%s offers a fix below 1.28: %v", f.Check, f.Fix)
				}
			}
		})
	}
	if _, err := New(Options{KubeVersion: "one.two"}); err == nil {
		t.Error("an unparsable version must be refused")
	}
}

func TestWithChecks(t *testing.T) {
	base, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []validate.Finding{{Check: "X001"}}
	e := WithChecks(base, func(context.Context, map[string]any) ([]validate.Finding, error) { return want, nil })
	fs, _ := e.Check(context.Background(), classicPod())
	if len(fs) != 1 || fs[0].Check != "X001" {
		t.Errorf("Check = %v, want the replacement's", fs)
	}
	if plan, err := e.Plan(classicPod()); err != nil || plan.Empty() {
		t.Errorf("Plan = %v, %v; want the base engine's conversion", plan, err)
	}
}

func hasCheck(fs []validate.Finding, id string) bool {
	for _, f := range fs {
		if f.Check == id {
			return true
		}
	}
	return false
}
