// Command gen renders the tests/linkerd fixtures with Linkerd's own injection
// templates: for every case it builds the values Linkerd's proxy injector
// builds (charts/linkerd-control-plane/values.yaml, then the pod annotations
// nativize cares about, as linkerd2 pkg/inject ApplyAnnotationOverrides reads
// them), renders charts/patch/templates/patch.json with the chart partials, and
// applies the resulting JSON patch to the workload, once with
// proxy.nativeSidecar=false (testdata/<case>.classic.yaml) and once with
// proxy.nativeSidecar=true (testdata/<case>.native.yaml).
//
//	git clone --depth 1 --branch edge-26.8.3 https://github.com/linkerd/linkerd2 /tmp/linkerd2
//	cd tests/linkerd/gen && go run . -charts /tmp/linkerd2/charts -out ../testdata
//
// It is its own module so that the main module does not depend on sprig; the
// templates run on text/template with sprig and the few functions Helm adds
// (include, toYaml, fromYaml, required, fail), as Helm's engine does, with
// "<no value>" removed as Helm removes it. The output is deterministic.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	jsonpatch "github.com/evanphx/json-patch/v5"
	"sigs.k8s.io/yaml"
)

// release is the Linkerd release the templates come from.
const release = "edge-26.8.3"

// trustAnchors is a stand-in for identityTrustAnchorsPEM (required by the
// template; its content only feeds an env value and a checksum annotation).
const trustAnchors = "-----BEGIN CERTIFICATE-----\nMIIBfixture\n-----END CERTIFICATE-----"

func main() {
	charts := flag.String("charts", "/tmp/linkerd2/charts", "charts/ directory of a linkerd2 checkout at "+release)
	out := flag.String("out", "../testdata", "output directory")
	flag.Parse()
	tpl, err := load(*charts)
	if err != nil {
		log.Fatal(err)
	}
	base, err := os.ReadFile(filepath.Join(*charts, "linkerd-control-plane", "values.yaml"))
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cases {
		for _, native := range []bool{false, true} {
			doc, err := inject(tpl, base, c, native)
			if err != nil {
				log.Fatalf("%s: %v", c.name, err)
			}
			mode := "classic"
			if native {
				mode = "native"
			}
			header := fmt.Sprintf("# Rendered by tests/linkerd/gen from linkerd2 %s charts (proxy.nativeSidecar=%t%s).\n# %s\n",
				release, native, cniNote(c.cni), c.about)
			name := filepath.Join(*out, c.name+"."+mode+".yaml")
			if err := os.WriteFile(name, append([]byte(header), doc...), 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
}

func cniNote(cni bool) string {
	if cni {
		return ", cniEnabled=true"
	}
	return ""
}

// load parses patch.json and every partial into one template set.
func load(charts string) (*template.Template, error) {
	t := template.New("patch").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	funcs["include"] = func(name string, data any) (string, error) {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, name, data); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	funcs["toYaml"] = func(v any) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	funcs["fromYaml"] = func(s string) map[string]any {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["required"] = func(msg string, v any) (any, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	t.Funcs(funcs)
	files, err := filepath.Glob(filepath.Join(charts, "partials", "templates", "_*.tpl"))
	if err != nil {
		return nil, err
	}
	files = append(files, filepath.Join(charts, "patch", "templates", "patch.json"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(filepath.Base(f)).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return t, nil
}

// rTrail is the trailing comma fix-up of linkerd2 pkg/inject GetPodPatch.
var rTrail = regexp.MustCompile(`\},\s*\]`)

// inject renders the patch for case c and applies it to c's workload.
func inject(t *template.Template, base []byte, c fixture, native bool) ([]byte, error) {
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(c.workload), &obj); err != nil {
		return nil, err
	}
	kind, _ := obj["kind"].(string)
	meta, spec, prefix := podTemplate(obj, kind)
	ann, _ := meta["annotations"].(map[string]any)

	var values map[string]any
	if err := yaml.Unmarshal(base, &values); err != nil {
		return nil, err
	}
	proxy := values["proxy"].(map[string]any)
	values["linkerdVersion"] = release
	values["identityTrustAnchorsPEM"] = trustAnchors
	values["cniEnabled"] = c.cni
	proxy["nativeSidecar"] = native
	overrides(values, ann)
	proxy["podInboundPorts"] = inboundPorts(spec)

	// podPatch (pkg/inject): the chart values plus the patch bookkeeping.
	sum := sha256.Sum256([]byte(trustAnchors))
	values["pathPrefix"] = prefix
	values["addRootMetadata"] = len(meta) == 0
	values["addRootAnnotations"] = len(ann) == 0
	values["annotations"] = map[string]any{
		"linkerd.io/proxy-version":     release,
		"linkerd.io/trust-root-sha256": hex.EncodeToString(sum[:]),
	}
	labels, _ := meta["labels"].(map[string]any)
	values["addRootLabels"] = len(labels) == 0
	values["labels"] = map[string]any{
		"linkerd.io/control-plane-ns": "linkerd",
		"linkerd.io/workload-ns":      "shop",
	}
	inits, _ := spec["initContainers"].([]any)
	values["addRootInitContainers"] = len(inits) == 0
	vols, _ := spec["volumes"].([]any)
	values["addRootVolumes"] = len(vols) == 0
	values["debugContainer"] = nil

	var buf bytes.Buffer
	data := map[string]any{"Values": values, "Release": map[string]any{"Namespace": "linkerd", "Name": "linkerd"}}
	if err := t.ExecuteTemplate(&buf, "patch.json", data); err != nil {
		return nil, err
	}
	rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
	patchJSON := rTrail.ReplaceAll([]byte(rendered), []byte("}\n]"))
	patch, err := jsonpatch.DecodePatch(patchJSON)
	if err != nil {
		return nil, fmt.Errorf("patch: %w\n%s", err, patchJSON)
	}
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	doc, err = patch.Apply(doc)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	return yaml.JSONToYAML(doc)
}

// podTemplate returns the pod template metadata and spec of obj and the
// patch path prefix pkg/inject uses for its kind.
func podTemplate(obj map[string]any, kind string) (meta, spec map[string]any, prefix string) {
	tmpl := obj
	switch kind {
	case "Pod":
	case "CronJob":
		prefix = "/spec/jobTemplate/spec/template"
		tmpl = obj["spec"].(map[string]any)["jobTemplate"].(map[string]any)["spec"].(map[string]any)["template"].(map[string]any)
	default:
		prefix = "/spec/template"
		tmpl = obj["spec"].(map[string]any)["template"].(map[string]any)
	}
	meta, _ = tmpl["metadata"].(map[string]any)
	spec, _ = tmpl["spec"].(map[string]any)
	return meta, spec, prefix
}

// overrides applies the pod annotations the fixtures use, as
// pkg/inject ApplyAnnotationOverrides does.
func overrides(values map[string]any, ann map[string]any) {
	proxy := values["proxy"].(map[string]any)
	str := func(k string) (string, bool) { v, ok := ann[k].(string); return v, ok }
	if v, ok := str("config.linkerd.io/admin-port"); ok {
		if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			proxy["ports"].(map[string]any)["admin"] = n
		}
	}
	if v, ok := str("config.alpha.linkerd.io/proxy-wait-before-exit-seconds"); ok {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			proxy["waitBeforeExitSeconds"] = n
		}
	}
	for _, k := range []string{
		"config.linkerd.io/proxy-enable-native-sidecar",
		"config.beta.linkerd.io/proxy-enable-native-sidecar",
		"config.alpha.linkerd.io/proxy-enable-native-sidecar",
	} {
		if v, ok := str(k); ok {
			if b, err := strconv.ParseBool(v); err == nil {
				proxy["nativeSidecar"] = b
			}
			break
		}
	}
	if v, ok := str("config.linkerd.io/proxy-await"); ok && (v == "enabled" || v == "disabled") {
		proxy["await"] = v == "enabled"
	}
}

// inboundPorts is pkg/inject getPodInboundPorts: every container port and
// every integer httpGet readiness/liveness port, sorted as strings.
func inboundPorts(spec map[string]any) string {
	set := map[string]bool{}
	lists := [][]any{}
	for _, f := range []string{"initContainers", "containers"} {
		l, _ := spec[f].([]any)
		lists = append(lists, l)
	}
	for _, l := range lists {
		for _, c := range l {
			cm := c.(map[string]any)
			ports, _ := cm["ports"].([]any)
			for _, p := range ports {
				if n, ok := p.(map[string]any)["containerPort"].(float64); ok {
					set[strconv.Itoa(int(n))] = true
				}
			}
			for _, probe := range []string{"readinessProbe", "livenessProbe"} {
				pm, _ := cm[probe].(map[string]any)
				hg, _ := pm["httpGet"].(map[string]any)
				if n, ok := hg["port"].(float64); ok {
					set[strconv.Itoa(int(n))] = true
				}
			}
		}
	}
	var out []string
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
