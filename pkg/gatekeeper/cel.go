package gatekeeper

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/workload"
)

// celPodSpec are the CEL variables every K8sNativeValidation source shares:
// the object's pod spec (celLocate), its init containers when the container
// lists are well formed, the `<kind>/<name>` message ref and the least
// severity reported.
var celPodSpec = append(celLocate(), []any{
	celVar("spec", `variables.podSpec.orValue(null) != null && type(variables.podSpec.value()) == map
  ? variables.podSpec.value() : {}`),
	// A container list that is neither absent, null nor a list of maps
	// makes the pod spec malformed: no check looks at it.
	celVar("wellFormed", `["initContainers", "containers"].all(f, !(f in variables.spec) || variables.spec[f] == null ||
  (type(variables.spec[f]) == list && variables.spec[f].all(c, type(c) == map)))`),
	celVar("inits", `variables.wellFormed && "initContainers" in variables.spec && variables.spec.initContainers != null
  ? variables.spec.initContainers : []`),
	celVar("natives", `variables.inits.filter(c, c.?restartPolicy.orValue("") == "Always")`),
	celVar("ref", `object.kind + "/" + (has(object.metadata) && has(object.metadata.name) ? object.metadata.name : "")`),
	celVar("minSeverity", `variables.params == null ? "info" : variables.params.?minSeverity.orValue("info")`),
}...)

func celVar(name, expr string) omap { return omap{{"name", name}, {"expression", expr}} }

func celSource(vars []any, validations ...omap) omap {
	vs := make([]any, len(validations))
	for i, v := range validations {
		vs[i] = v
	}
	return omap{{"variables", vars}, {"validations", vs}}
}

func celValidation(expr, message string) omap {
	return omap{{"expression", expr}, {"messageExpression", message}}
}

// ns005CEL: a native sidecar without a startupProbe key (warning).
var ns005CEL = celSource(append(append([]any(nil), celPodSpec...),
	celVar("noProbe", `variables.natives.filter(c, !has(c.startupProbe))`),
),
	celValidation(`variables.minSeverity == "error" || variables.noProbe.size() == 0`,
		`"NS005: " + variables.ref + ": native sidecar \"" + (has(variables.noProbe[0].name) && type(variables.noProbe[0].name) == string ? string(variables.noProbe[0].name) : "") + "\" has no startupProbe; the next container starts before it is ready"`),
)

// ns006CEL: native sidecars for a kube version below 1.28 (error) or 1.28
// (warning). The version is parsed as the policies do: 1.N, v1.N, 1.N.P.
var ns006CEL = celSource(append(append([]any(nil), celPodSpec...),
	celVar("kubeVersion", `variables.params == null ? "" : string(variables.params.?kubeVersion.orValue("")).trim()`),
	celVar("kubeParts", `variables.kubeVersion.matches("^v?\\+?[0-9]+\\.\\+?[0-9]+(\\.[^.]*)?$")
  ? (variables.kubeVersion.startsWith("v") ? variables.kubeVersion.substring(1) : variables.kubeVersion).replace("+", "").split(".")
  : []`),
	celVar("kube", `variables.kubeParts.size() >= 2 ? [int(variables.kubeParts[0]), int(variables.kubeParts[1])] : []`),
	celVar("below128", `variables.kube.size() == 2 && (variables.kube[0] < 1 || (variables.kube[0] == 1 && variables.kube[1] < 28))`),
	celVar("is128", `variables.kube == [1, 28]`),
),
	celValidation(`!variables.below128 || variables.natives.size() == 0`,
		`"NS006: " + variables.ref + ": native sidecar \"" + (has(variables.natives[0].name) && type(variables.natives[0].name) == string ? string(variables.natives[0].name) : "") + "\" needs Kubernetes 1.28 or later; an older API server drops restartPolicy and the pod hangs in Init"`),
	celValidation(`!variables.is128 || variables.minSeverity == "error" || variables.natives.size() == 0`,
		`"NS006: " + variables.ref + ": native sidecar \"" + (has(variables.natives[0].name) && type(variables.natives[0].name) == string ? string(variables.natives[0].name) : "") + "\" needs the SidecarContainers feature gate on Kubernetes 1.28 (on by default from 1.29)"`),
)

// ns007CEL: obsolete workarounds (warnings): (a) a native sidecar keeping
// the postStart "pilot-agent wait" hook; in a pod that runs to completion, a
// container whose command and args call (b) /quitquitquit or (c)
// linkerd-await --shutdown.
var ns007CEL = celSource(append(append([]any(nil), celPodSpec...),
	celVar("conts", `variables.wellFormed && "containers" in variables.spec && variables.spec.containers != null
  ? variables.spec.containers : []`),
	celVar("completes", `(object.apiVersion.startsWith("batch/") && object.kind in ["Job", "CronJob"]) ||
  ("restartPolicy" in variables.spec && variables.spec.restartPolicy != "Always")`),
	celVar("waits", `variables.natives.filter(c, c.?lifecycle.?postStart.?exec.?command.orValue(null) != null &&
  type(c.lifecycle.postStart.exec.command) == list && c.lifecycle.postStart.exec.command.size() >= 2 &&
  c.lifecycle.postStart.exec.command[0] == "pilot-agent" && c.lifecycle.postStart.exec.command[1] == "wait")`),
	celVar("lines", `!variables.completes ? [] : variables.conts.map(c, {
  "name": has(c.name) && type(c.name) == string ? string(c.name) : "",
  "line": (("command" in c && type(c.command) == list ? c.command : []) + ("args" in c && type(c.args) == list ? c.args : []))
    .filter(x, type(x) == string).map(x, string(x)).join(" ")})`),
	celVar("quits", `variables.lines.filter(l, l.line.contains("/quitquitquit"))`),
	celVar("awaits", `variables.lines.filter(l, l.line.contains("linkerd-await") && l.line.contains("--shutdown"))`),
),
	celValidation(`variables.minSeverity == "error" || variables.waits.size() == 0`,
		`"NS007: " + variables.ref + ": native sidecar \"" + (has(variables.waits[0].name) && type(variables.waits[0].name) == string ? string(variables.waits[0].name) : "") + "\" keeps the obsolete postStart \"pilot-agent wait\" hook"`),
	celValidation(`variables.minSeverity == "error" || variables.quits.size() == 0`,
		`"NS007: " + variables.ref + ": container \"" + variables.quits[0].name + "\" calls /quitquitquit to stop the proxy; obsolete once the proxy is a native sidecar"`),
	celValidation(`variables.minSeverity == "error" || variables.awaits.size() == 0`,
		`"NS007: " + variables.ref + ": container \"" + variables.awaits[0].name + "\" wraps its command in linkerd-await --shutdown; obsolete once the proxy is a native sidecar"`),
)

// celKube parses parameters.kubeVersion as the policies do (1.N, v1.N,
// 1.N.P) into variables.kube, [major, minor] or [] when unset.
var celKube = []any{
	celVar("kubeVersion", `variables.params == null ? "" : string(variables.params.?kubeVersion.orValue("")).trim()`),
	celVar("kubeParts", `variables.kubeVersion.matches("^v?\\+?[0-9]+\\.\\+?[0-9]+(\\.[^.]*)?$")
  ? (variables.kubeVersion.startsWith("v") ? variables.kubeVersion.substring(1) : variables.kubeVersion).replace("+", "").split(".")
  : []`),
	celVar("kube", `variables.kubeParts.size() >= 2 ? [int(variables.kubeParts[0]), int(variables.kubeParts[1])] : []`),
}

// celName is the CEL expression of container x's name: the string, else "".
func celName(x string) string {
	return fmt.Sprintf(`(has(%[1]s.name) && type(%[1]s.name) == string ? string(%[1]s.name) : "")`, x)
}

// celGlobRegex is the CEL expression turning image glob g into the regular
// expression the policies use: "*" any run, "?" one character, the rest
// literal, whole string.
func celGlobRegex(g string) string {
	expr := g
	for _, c := range []string{`\`, ".", "+", "(", ")", "|", "[", "]", "{", "}", "^", "$"} {
		lit := strings.ReplaceAll(c, `\`, `\\`)
		expr += fmt.Sprintf(`.replace("%s", "\\%s")`, lit, lit)
	}
	return `"^" + ` + expr + `.replace("*", ".*").replace("?", ".") + "$"`
}

// celLiteral writes v (JSON-shaped) as a CEL literal whose map values are
// dyn, so entries of different shapes fit one list.
func celLiteral(v any) string {
	switch t := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q: dyn(%s)", k, celLiteral(t[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = celLiteral(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return strconv.Quote(t)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// celCatalog is the CEL literal of the default catalog's containers.
func celCatalog() string {
	raw, _ := json.Marshal(catalog.Default().Config.Containers)
	var v any
	_ = json.Unmarshal(raw, &v)
	return celLiteral(v)
}

// celRole is the CEL expression of the catalog role of container x among
// the applying entries (docs/RULES.md "Classification"), "" for none.
func celRole(x string) string {
	byName := fmt.Sprintf(`variables.applying.filter(e, e.name == %s)`, celName(x))
	byImage := fmt.Sprintf(`variables.applying.filter(e, type(e.?images.orValue([])) == list && e.?images.orValue([]).exists(g, %s.image.matches(%s)))`,
		x, celGlobRegex("g"))
	return fmt.Sprintf(`(%[1]s.size() > 0 ? string(%[1]s[0].role) : (has(%[3]s.image) && type(%[3]s.image) == string && %[3]s.image != "" && %[2]s.size() > 0 ? string(%[2]s[0].role) : ""))`,
		byName, byImage, x)
}

// ns004CEL: invalid restartPolicy (errors): (a) a proxy init container
// without Always; otherwise (b) a value that is none of Always, OnFailure,
// Never, on an init container or a container; (c) before Kubernetes 1.35,
// OnFailure/Never on an init container or any value on a container.
var ns004CEL = celSource(append(append(append(append([]any(nil), celPodSpec...), celKube...), celClassify()...),
	celVar("below135", `variables.kube.size() == 2 && (variables.kube[0] < 1 || (variables.kube[0] == 1 && variables.kube[1] < 35))`),
	celVar("conts", `variables.wellFormed && "containers" in variables.spec && variables.spec.containers != null
  ? variables.spec.containers : []`),
	celVar("classified", `variables.inits.map(c, {"c": dyn(c), "role": dyn(`+celRole("c")+`)})`),
	celVar("valid", `["Always", "OnFailure", "Never"]`),
	celVar("proxies", `variables.classified.filter(x, x.role == "proxy" && x.c.?restartPolicy.orValue(null) != "Always").map(x, x.c)`),
	celVar("initInvalid", `variables.classified.filter(x, x.role != "proxy" && type(x.c.?restartPolicy.orValue(null)) == string &&
  !(x.c.restartPolicy in variables.valid)).map(x, x.c)`),
	celVar("initOld", `!variables.below135 ? [] : variables.classified.filter(x, x.role != "proxy" &&
  x.c.?restartPolicy.orValue(null) in ["OnFailure", "Never"]).map(x, x.c)`),
	celVar("contInvalid", `variables.conts.filter(c, type(c.?restartPolicy.orValue(null)) == string && !(c.restartPolicy in variables.valid))`),
	celVar("contOld", `!variables.below135 ? [] : variables.conts.filter(c, c.?restartPolicy.orValue(null) in variables.valid)`),
),
	celValidation(`variables.proxies.size() == 0`,
		`"NS004: " + variables.ref + ": mesh proxy \"" + `+celName("variables.proxies[0]")+` + "\" is an init container without restartPolicy: Always; it never exits and the pod stays in Init"`),
	celValidation(`variables.initInvalid.size() == 0`,
		`"NS004: " + variables.ref + ": init container \"" + `+celName("variables.initInvalid[0]")+` + "\" has invalid restartPolicy \"" + variables.initInvalid[0].restartPolicy + "\""`),
	celValidation(`variables.initOld.size() == 0`,
		`"NS004: " + variables.ref + ": init container \"" + `+celName("variables.initOld[0]")+` + "\" has restartPolicy \"" + variables.initOld[0].restartPolicy + "\"; only Always is valid on an init container before Kubernetes 1.35"`),
	celValidation(`variables.contInvalid.size() == 0`,
		`"NS004: " + variables.ref + ": container \"" + `+celName("variables.contInvalid[0]")+` + "\" has invalid restartPolicy \"" + variables.contInvalid[0].restartPolicy + "\""`),
	celValidation(`variables.contOld.size() == 0`,
		`"NS004: " + variables.ref + ": container \"" + `+celName("variables.contOld[0]")+` + "\" has restartPolicy \"" + variables.contOld[0].restartPolicy + "\"; regular containers accept restartPolicy only from Kubernetes 1.35"`),
)

// celClassify are the variables classification needs: the catalog's
// entries (parameters.catalog, else the default one as a literal) and those
// that apply to the pod spec (no requiresSetup, or one of its init
// containers is named there).
func celClassify() []any {
	return []any{
		celVar("catalog", `variables.params != null && type(variables.params.?catalog.orValue(null)) == map
  ? variables.params.catalog.?containers.orValue([]) : dyn(`+celCatalog()+`)`),
		celVar("initNames", `variables.inits.map(c, `+celName("c")+`)`),
		celVar("applying", `variables.catalog.filter(e, type(e.?requiresSetup.orValue([])) != list || e.?requiresSetup.orValue([]).size() == 0 ||
  e.requiresSetup.exists(n, n in variables.initNames))`),
	}
}

// celAnnotation is the CEL expression of annotation k (a CEL string
// expression) as the policies read it: the pod template's, else (CronJob)
// spec.jobTemplate.metadata's, else the workload's own; "" when none is a
// string.
func celAnnotation(k string) string {
	return fmt.Sprintf(`(%[1]s in variables.metaAnn && type(variables.metaAnn[%[1]s]) == string ? string(variables.metaAnn[%[1]s]) :
  %[1]s in variables.extraAnn && type(variables.extraAnn[%[1]s]) == string ? string(variables.extraAnn[%[1]s]) :
  %[1]s in variables.ownAnn && type(variables.ownAnn[%[1]s]) == string ? string(variables.ownAnn[%[1]s]) : "")`, k)
}

// celMapOr is a CEL expression of optional o's value when it is a map, else {}.
func celMapOr(o string) string {
	return fmt.Sprintf(`(%[1]s.orValue(null) != null && type(%[1]s.value()) == map ? %[1]s.value() : {})`, o)
}

// celPodMeta are the variables for annotations, opt-outs and the regular
// containers (docs/RULES.md "Annotations").
func celPodMeta() []any {
	return []any{
		celVar("meta", celPathSwitch(true)),
		celVar("metaMap", celMapOr("variables.meta")),
		celVar("metaAnn", celMapOr("variables.metaMap.?annotations")),
		celVar("metaLabels", celMapOr("variables.metaMap.?labels")),
		celVar("extraAnn", `variables.groupKind == "batch/CronJob" ? `+celMapOr("object.?spec.?jobTemplate.?metadata.?annotations")+` : {}`),
		celVar("ownAnn", celMapOr("object.?metadata.?annotations")),
		// Istio reads the metadata that carries sidecar.istio.io/status
		// (docs/RULES.md "Istio"); istioAnn is its annotations, or {} with
		// istioStatus false when no metadata carries one.
		celVar("istioStatus", `[variables.metaAnn, variables.extraAnn].exists(a, "sidecar.istio.io/status" in a &&
  type(a["sidecar.istio.io/status"]) == string)`),
		celVar("istioAnn", `"sidecar.istio.io/status" in variables.metaAnn && type(variables.metaAnn["sidecar.istio.io/status"]) == string
  ? variables.metaAnn : variables.istioStatus ? variables.extraAnn : {}`),
		// Istio's native mode keeps istio-proxy in containers when
		// inject.istio.io/templates does not name the "sidecar" template.
		celVar("istioKeepsClassic", `variables.istioStatus
  ? ("inject.istio.io/templates" in variables.istioAnn && type(variables.istioAnn["inject.istio.io/templates"]) == string &&
     !string(variables.istioAnn["inject.istio.io/templates"]).split(",").exists(t, t.trim() == "sidecar"))
  : ([variables.metaAnn, variables.extraAnn, variables.ownAnn].exists(a, "inject.istio.io/templates" in a &&
       type(a["inject.istio.io/templates"]) == string) &&
     !`+celAnnotation(`"inject.istio.io/templates"`)+`.split(",").exists(t, t.trim() == "sidecar"))`),
		celVar("optedOut", `variables.istioKeepsClassic || ["nativize.dev/convert", "sidecar.istio.io/nativeSidecar", "sidecar.istio.io/inject"].exists(k, `+celAnnotation("k")+`.lowerAscii().trim() == "false") ||
  `+celLinkerdOptedOut()+` ||
  `+celAnnotation(`"consul.hashicorp.com/enable-consul-dataplane-as-sidecar"`)+` in ["0", "f", "F", "false", "FALSE", "False"] ||
  ("sidecar.istio.io/inject" in variables.metaLabels && type(variables.metaLabels["sidecar.istio.io/inject"]) == string &&
   string(variables.metaLabels["sidecar.istio.io/inject"]).lowerAscii().trim() == "false")`),
		celVar("conts", `variables.wellFormed && "containers" in variables.spec && variables.spec.containers != null
  ? variables.spec.containers : []`),
	}
}

// celList is the CEL expression of list annotation key: split on ",",
// parts trimmed, empty ones dropped.
func celList(key string) string {
	return celAnnotation(strconv.Quote(key)) + `.split(",").map(p, p.trim()).filter(p, p != "")`
}

// celVars concatenates variable lists.
func celVars(lists ...[]any) []any {
	var out []any
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// ns001CEL: classic sidecars (error when the pod runs to completion, else
// warning), unless the pod spec opts out.
var ns001CEL = celSource(celVars(celPodSpec, celClassify(), celPodMeta(), []any{
	celVar("listed", celList("nativize.dev/sidecars")),
	celVar("completes", `(object.apiVersion.startsWith("batch/") && object.kind in ["Job", "CronJob"]) ||
  ("restartPolicy" in variables.spec && variables.spec.restartPolicy != "Always")`),
	celVar("moved", `variables.optedOut || !variables.wellFormed ? [] : variables.conts.filter(c, `+celRole("c")+` in ["proxy", "sidecar"] ||
  (has(c.name) && type(c.name) == string && string(c.name) in variables.listed))`),
}),
	celValidation(`!variables.completes || variables.moved.size() == 0`,
		`"NS001: " + variables.ref + ": container \"" + `+celName("variables.moved[0]")+` + "\" is a classic sidecar; the " + object.kind + " will never complete — run \"nativize mutate\""`),
	celValidation(`variables.completes || variables.minSeverity == "error" || variables.moved.size() == 0`,
		`"NS001: " + variables.ref + ": container \"" + `+celName("variables.moved[0]")+` + "\" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run \"nativize mutate\""`),
)

// celProxy are the variables locating the proxy: the first init container
// whose role is proxy, else the first classic proxy (which starts after
// every init container).
func celProxy() []any {
	return []any{
		celVar("classified", `variables.inits.map(c, {"c": dyn(c), "role": dyn(`+celRole("c")+`)})`),
		celVar("proxyIndex", `variables.classified.map(x, x.role).indexOf("proxy")`),
		celVar("classicProxies", `variables.conts.filter(c, `+celRole("c")+` == "proxy")`),
		celVar("proxyName", `variables.proxyIndex >= 0 ? `+celName("variables.inits[variables.proxyIndex]")+` :
  variables.classicProxies.size() > 0 ? `+celName("variables.classicProxies[0]")+` : ""`),
	}
}

// ns002CEL: init containers that need traffic (group 4: not setup, not
// named in nativize.dev/before-sidecars, not a proxy or companion) before
// the proxy.
var ns002CEL = celSource(celVars(celPodSpec, celClassify(), celPodMeta(), celProxy(), []any{
	celVar("before", celList("nativize.dev/before-sidecars")),
	celVar("early", `variables.optedOut || !variables.wellFormed || (variables.proxyIndex < 0 && variables.classicProxies.size() == 0) ? [] :
  variables.classified.slice(0, variables.proxyIndex >= 0 ? variables.proxyIndex : variables.classified.size()).filter(x,
    !(x.role in ["setup", "proxy", "companion"]) && !(`+celName("x.c")+` in variables.before)).map(x, x.c)`),
}),
	celValidation(`variables.early.size() == 0`,
		`"NS002: " + variables.ref + ": init container \"" + `+celName("variables.early[0]")+` + "\" runs before the mesh proxy \"" + variables.proxyName + "\" and has no network — run \"nativize mutate\""`),
)

// ns003CEL: network setup init containers after the proxy (proxy in
// initContainers only).
var ns003CEL = celSource(celVars(celPodSpec, celClassify(), celPodMeta(), celProxy(), []any{
	celVar("late", `variables.optedOut || !variables.wellFormed || variables.proxyIndex < 0 ? [] :
  variables.classified.slice(variables.proxyIndex + 1, variables.classified.size()).filter(x, x.role == "setup").map(x, x.c)`),
}),
	celValidation(`variables.late.size() == 0`,
		`"NS003: " + variables.ref + ": network setup init container \"" + `+celName("variables.late[0]")+` + "\" runs after the mesh proxy \"" + variables.proxyName + "\" — run \"nativize mutate\""`),
)

// celLocate are the variables locating the pod spec as docs/RULES.md
// "Locating pod specs" does: groupKind, and kindPath, the dotted path of the
// pod spec — the built-in kind's, else that of the first entry of the
// catalog's kinds (parameters.catalog's, else the default ones) for the
// object's group and kind — and podSpec, the optional value there. CEL has
// no dynamic field paths: only the path shapes known when the library is
// generated (the built-in kinds' and the default catalog's) are followed,
// and a kind with several pod specs (podSpecPaths) is left to the Rego
// source; kindPath is "" then.
func celLocate() []any {
	builtin := map[string]any{}
	for k, p := range workload.Builtin() {
		builtin[k] = strings.Join(p, ".")
	}
	raw, _ := json.Marshal(catalog.Default().Kinds)
	var kinds any
	_ = json.Unmarshal(raw, &kinds)
	return []any{
		celVar("groupKind", `(object.apiVersion.contains("/") ? object.apiVersion.split("/")[0] : "") + "/" + object.kind`),
		celVar("catalogKinds", `variables.params != null && type(variables.params.?catalog.orValue(null)) == map
  ? variables.params.catalog.?kinds.orValue([]) : dyn(`+celLiteral(kinds)+`)`),
		celVar("kindEntries", `type(variables.catalogKinds) != list ? [] : variables.catalogKinds.filter(k, type(k) == map &&
  type(k.?group.orValue(null)) == string && type(k.?kind.orValue(null)) == string &&
  string(k.group) + "/" + string(k.kind) == variables.groupKind)`),
		celVar("kindPaths", `variables.kindEntries.size() == 0 ? [] :
  type(variables.kindEntries[0].?podSpecPaths.orValue(null)) == list && variables.kindEntries[0].podSpecPaths.size() > 0
  ? dyn(variables.kindEntries[0].podSpecPaths) : dyn([variables.kindEntries[0].?podSpecPath.orValue("")])`),
		celVar("kindPath", fmt.Sprintf(`variables.groupKind in %[1]s ? string(%[1]s[variables.groupKind]) :
  variables.kindPaths.size() == 1 && type(variables.kindPaths[0]) == string ? string(variables.kindPaths[0]) : ""`, celLiteral(builtin))),
		celVar("podSpec", celPathSwitch(false)),
	}
}

// celIdent matches the path fields CEL can select with .? (no reserved word
// among the known ones).
var celIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// celPathSwitch is the CEL expression of the optional pod spec (meta false)
// or pod template metadata (meta true, the spec's sibling "metadata") at
// variables.kindPath, for every path shape of the built-in kinds and the
// default catalog's kinds with one pod spec; optional.none() for others.
func celPathSwitch(meta bool) string {
	seen := map[string]bool{}
	var shapes []string
	for _, p := range workload.Builtin() {
		seen[strings.Join(p, ".")] = true
	}
	for _, k := range catalog.Default().Kinds {
		if ps := k.Paths(); len(ps) == 1 {
			seen[strings.Join(ps[0], ".")] = true
		}
	}
	for p := range seen {
		shapes = append(shapes, p)
	}
	slices.Sort(shapes)
	var b strings.Builder
	for _, p := range shapes {
		fields := strings.Split(p, ".")
		if meta {
			fields[len(fields)-1] = "metadata"
		}
		sel := "object"
		ok := true
		for _, f := range fields {
			ok = ok && celIdent.MatchString(f)
			sel += ".?" + f
		}
		if ok {
			fmt.Fprintf(&b, "variables.kindPath == %q ? %s :\n", p, sel)
		}
	}
	return b.String() + "optional.none()"
}
