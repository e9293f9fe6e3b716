package catalog

import (
	"errors"
	"reflect"
	"testing"
)

func TestClassify(t *testing.T) {
	c := Default()
	cases := []struct {
		name, image string
		inits       []string
		want        Role
		found       bool
	}{
		{"istio-proxy", "", nil, RoleProxy, true},
		{"istio-init", "", nil, RoleSetup, true},
		{"linkerd-network-validator", "", nil, RoleSetup, true},
		{"envoy", "envoyproxy/envoy", nil, "", false},
		{"envoy", "", []string{"osm-init"}, RoleProxy, true},
		{"envoy", "", []string{"proxyinit"}, RoleProxy, true},
		{"sql", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0", nil, RoleSidecar, true},
		{"sql", "gcr.io/cloudsql-docker/gce-proxy:1.33", nil, RoleSidecar, true},
		{"sql", "cloud-sql-proxy:2", nil, "", false}, // the glob wants a registry path
		{"app", "nginx", nil, "", false},
		{"daprd", "", nil, RoleSidecar, true},
	}
	for _, tc := range cases {
		e, ok := c.Classify(tc.name, tc.image, tc.inits)
		if ok != tc.found || e.Role != tc.want {
			t.Errorf("Classify(%q, %q, %v) = %q, %v; want %q, %v", tc.name, tc.image, tc.inits, e.Role, ok, tc.want, tc.found)
		}
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		glob, s string
		want    bool
	}{
		{"*/proxy*", "a/b/proxy:1", true},
		{"*/proxy*", "proxy:1", false},
		{"a?c", "abc", true},
		{"a?c", "abbc", false},
		{"a.c", "abc", false},
		{"x[1]", "x[1]", true},
	}
	for _, tc := range cases {
		if got := GlobRegexp(tc.glob).MatchString(tc.s); got != tc.want {
			t.Errorf("glob %q on %q = %v, want %v", tc.glob, tc.s, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, src string
		ok        bool
	}{
		{"minimal", "containers: [{name: x, role: proxy}]", true},
		{"kinds", "containers: []\nkinds: [{group: g, kind: K, podSpecPath: spec.template.spec}]", true},
		{"bad role", "containers: [{name: x, role: helper}]", false},
		{"no name", "containers: [{role: proxy}]", false},
		{"unknown field", "containers: [{name: x, role: proxy, colour: red}]", false},
		{"wrong kind", "kind: Other\ncontainers: []", false},
		{"kind without path", "containers: []\nkinds: [{group: g, kind: K}]", false},
		{"kind with paths", "containers: []\nkinds: [{group: g, kind: K, podSpecPaths: [spec.a.spec, spec.b.spec]}]", true},
		{"kind with both path fields", "containers: []\nkinds: [{group: g, kind: K, podSpecPath: spec, podSpecPaths: [spec.a.spec]}]", false},
		{"kind without a kind", "containers: []\nkinds: [{group: g, podSpecPath: spec}]", false},
		{"empty path field", "containers: []\nkinds: [{group: g, kind: K, podSpecPaths: [spec..spec]}]", false},
		{"trailing dot", "containers: []\nkinds: [{group: g, kind: K, podSpecPath: spec.template.}]", false},
		{"path listed twice", "containers: []\nkinds: [{group: g, kind: K, podSpecPaths: [spec.a.spec, spec.a.spec]}]", false},
		{"empty paths list", "containers: []\nkinds: [{group: g, kind: K, podSpecPaths: []}]", false},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.src))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v does not wrap ErrInvalid", tc.name, err)
		}
	}
	c, _ := Parse([]byte("containers: []\nkinds: [{group: apps.kruise.io, kind: CloneSet, podSpecPath: spec.template.spec}, {group: g, kind: K, podSpecPaths: [a.spec, b.spec]}]"))
	if p, ok := c.KindPaths("apps.kruise.io", "CloneSet"); !ok || !reflect.DeepEqual(p, [][]string{{"spec", "template", "spec"}}) {
		t.Errorf("KindPaths(CloneSet) = %v, %v", p, ok)
	}
	if p, ok := c.KindPaths("g", "K"); !ok || !reflect.DeepEqual(p, [][]string{{"a", "spec"}, {"b", "spec"}}) {
		t.Errorf("KindPaths(K) = %v, %v", p, ok)
	}
	if _, ok := c.KindPaths("apps", "CloneSet"); ok {
		t.Error("KindPaths matched another group")
	}
}

func TestPrefilter(t *testing.T) {
	p := Default().Prefilter()
	cases := []struct {
		doc  string
		want bool
	}{
		{"kind: ConfigMap\ndata: {a: b}\n", false},
		{"kind: Service\nspec: {ports: [{port: 80}]}\n", false},
		{"containers: [{name: istio-proxy}]", true},
		{"image: gcr.io/x/cloud-sql-proxy:2", true},
		{"annotations: {nativize.dev/sidecars: shipper}", true},
		{"initContainers: [{name: x, restartPolicy: Always}]", true},
		{`name: "istio\x2dproxy"`, true},
	}
	for _, tc := range cases {
		if got := p.MayMatter([]byte(tc.doc)); got != tc.want {
			t.Errorf("MayMatter(%q) = %v, want %v", tc.doc, got, tc.want)
		}
	}
}
