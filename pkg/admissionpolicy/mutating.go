package admissionpolicy

import (
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nativize/nativize/pkg/gatekeeper"
	"github.com/nativize/nativize/pkg/validate"
)

// MutatingPolicyName names the MutatingAdmissionPolicy and its binding.
const MutatingPolicyName = "nativize-convert-pods"

// mutating is the MutatingAdmissionPolicy converting Pods at creation, and
// its binding. docs/RULES.md is the contract; the CEL covers the rules it
// can express (R1–R3, restartPolicy, Istio's drain hook and status
// annotation, see Convertible) and leaves every other pod unchanged: its one
// JSON patch is either the whole conversion or empty, so no pod is ever
// half converted.
func mutating() []runtime.Object {
	return []runtime.Object{
		&admissionregistrationv1.MutatingAdmissionPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: vapVersion, Kind: "MutatingAdmissionPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: MutatingPolicyName, Labels: labels(), Annotations: map[string]string{
				"description": "Converts classic sidecars of Pods into native sidecars as nativize mutate does (docs/RULES.md), where CEL can express it; other Pods are left unchanged.",
			}},
			Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
				// Ignore, as the webhook's: an error (the CEL cost budget, a
				// patch that does not apply) admits the pod unchanged.
				FailurePolicy: ptrTo(admissionregistrationv1.Ignore),
				MatchConstraints: matchResources([]admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						// Only creation: a Pod's containers cannot change afterwards.
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
						Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
							Resources: []string{"pods"}, Scope: ptrTo(admissionregistrationv1.NamespacedScope)},
					}}}),
				// matchConditions cannot read variables (they run before
				// them): a cheap one skips pods with a single container,
				// which have nothing to move; the full test is the
				// mutation's variables.convertible.
				MatchConditions: []admissionregistrationv1.MatchCondition{{
					Name:       "has-init-or-several-containers",
					Expression: `has(object.spec.initContainers) || object.spec.containers.size() > 1`,
				}},
				Variables: mutatingVariables(),
				Mutations: []admissionregistrationv1.Mutation{{
					PatchType: admissionregistrationv1.PatchTypeJSONPatch,
					JSONPatch: &admissionregistrationv1.JSONPatch{Expression: patchExpression},
				}},
				// The conversion is idempotent (R5): a later webhook's or
				// policy's change gets the pod converted again.
				ReinvocationPolicy: admissionregistrationv1.IfNeededReinvocationPolicy,
			},
		},
		&admissionregistrationv1.MutatingAdmissionPolicyBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: vapVersion, Kind: "MutatingAdmissionPolicyBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: MutatingPolicyName, Labels: labels()},
			Spec:       admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{PolicyName: MutatingPolicyName},
		},
	}
}

// sharedVariables are the checks' CEL variables the conversion reuses, in
// order and once each: locating the pod spec and its metadata,
// classification with the default catalog, the opt-outs (NS001's) and the
// init containers' roles and nativize.dev/before-sidecars (NS002's).
func sharedVariables() []admissionregistrationv1.Variable {
	vars := []admissionregistrationv1.Variable{paramsVariable}
	seen := map[string]bool{paramsVariable.Name: true}
	for _, c := range gatekeeper.CELChecks() {
		if c.ID != validate.CheckClassicSidecar && c.ID != validate.CheckInitBeforeProxy {
			continue
		}
		for _, v := range c.Variables {
			if !seen[v.Name] {
				seen[v.Name] = true
				vars = append(vars, admissionregistrationv1.Variable{Name: v.Name, Expression: v.Expression})
			}
		}
	}
	return vars
}

// celName is container x's name, "" when it has none.
func celName(x string) string {
	return fmt.Sprintf(`(has(%[1]s.name) && type(%[1]s.name) == string ? string(%[1]s.name) : "")`, x)
}

// celEntry is the catalog entry giving container x its role (docs/RULES.md
// "Classification": by name, else by image glob, among the applying
// entries), {} when none.
func celEntry(x string) string {
	byName := fmt.Sprintf(`variables.applying.filter(e, e.name == %s)`, celName(x))
	byImage := fmt.Sprintf(`variables.applying.filter(e, type(e.?images.orValue([])) == list && e.?images.orValue([]).exists(g, %s.image.matches("^" + g.replace("\\", "\\\\").replace(".", "\\.").replace("+", "\\+").replace("(", "\\(").replace(")", "\\)").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]").replace("{", "\\{").replace("}", "\\}").replace("^", "\\^").replace("$", "\\$").replace("*", ".*").replace("?", ".") + "$")))`, x)
	return fmt.Sprintf(`(%[1]s.size() > 0 ? %[1]s[0] : has(%[3]s.image) && type(%[3]s.image) == string && %[3]s.image != "" && %[2]s.size() > 0 ? %[2]s[0] : dyn({}))`,
		byName, byImage, x)
}

// statusPattern is the sidecar.istio.io/status value as Istio writes it,
// which the CEL can rewrite: those five keys in that order, lists of plain
// names. Any other form leaves the pod to the webhook.
const statusPattern = `^\{"initContainers":L,"containers":L,"volumes":L,"imagePullSecrets":L,"revision":"[^"\\]*"\}$`

// statusList matches a JSON list of plain names, or null.
const statusList = `(null|\[("[^"\\,\[\]]*"(,"[^"\\,\[\]]*")*)?\])`

// mutatingVariables are the policy's variables: the shared ones, then the
// plan (docs/RULES.md "Order", "Field edits") and convertible.
func mutatingVariables() []admissionregistrationv1.Variable {
	v := func(name, expr string) admissionregistrationv1.Variable {
		return admissionregistrationv1.Variable{Name: name, Expression: expr}
	}
	name := celName
	status := strings.ReplaceAll(statusPattern, "L", statusList)
	return append(sharedVariables(),
		// Moved containers with their catalog entry (role, mesh).
		v("movedEntries", `variables.moved.map(c, {"c": dyn(c), "entry": dyn(`+celEntry("c")+`)})`),
		v("movedNames", `variables.moved.map(c, `+name("c")+`)`),
		// R3 candidates: every init container, then every moved one, with
		// their group (0 setup, 1 before-sidecars, 2 proxy, 3 companion,
		// 4 other moved sidecar, 5 any other init container).
		v("candidates", `variables.classified.map(x, {"c": dyn(x.c), "name": dyn(`+name("x.c")+`), "moved": dyn(false), "mesh": dyn(""),
  "group": dyn(x.role == "setup" ? 0 : `+name("x.c")+` in variables.before ? 1 : x.role == "proxy" ? 2 : x.role == "companion" ? 3 : 5),
  "always": dyn(x.role == "proxy" && x.c.?restartPolicy.orValue("") != "Always")}) +
variables.movedEntries.map(m, {"c": dyn(m.c), "name": dyn(`+name("m.c")+`), "moved": dyn(true),
  "mesh": dyn(type(m.entry.?mesh.orValue("")) == string ? string(m.entry.?mesh.orValue("")) : ""),
  "group": dyn(m.entry.?role.orValue("") == "proxy" ? 2 : 4),
  "always": dyn(m.c.?restartPolicy.orValue("") != "Always")})`),
		v("newInits", `variables.candidates.filter(x, x.group == 0) + variables.candidates.filter(x, x.group == 1) +
variables.candidates.filter(x, x.group == 2) + variables.candidates.filter(x, x.group == 3) +
variables.candidates.filter(x, x.group == 4) + variables.candidates.filter(x, x.group == 5)`),
		v("newNames", `variables.newInits.map(x, x.name)`),
		v("keep", `variables.conts.filter(c, !(`+name("c")+` in variables.movedNames))`),
		v("contNames", `variables.conts.map(c, `+name("c")+`)`),
		// docs/RULES.md "Classification": work when a sidecar moves or an
		// init container is a proxy; none when containers would be left
		// empty (the API server refuses a pod without containers).
		v("needsWork", `!variables.optedOut && variables.wellFormed && variables.keep.size() > 0 &&
  (variables.moved.size() > 0 || variables.classified.exists(x, x.role == "proxy"))`),
		// Istio (docs/RULES.md "Field edits"): a moved istio container
		// with no lifecycle, or exactly the postStart pilot-agent wait
		// hook, gets the preStop drain of Istio's native template.
		v("drained", `variables.newInits.filter(x, x.moved && x.mesh == "istio" && (!has(x.c.lifecycle) ||
  (type(x.c.lifecycle) == map && x.c.lifecycle.size() == 1 && has(x.c.lifecycle.postStart) &&
   type(x.c.lifecycle.postStart) == map && x.c.lifecycle.postStart.size() == 1 && has(x.c.lifecycle.postStart.exec) &&
   type(x.c.lifecycle.postStart.exec) == map && x.c.lifecycle.postStart.exec.size() == 1 && has(x.c.lifecycle.postStart.exec.command) &&
   type(x.c.lifecycle.postStart.exec.command) == list && x.c.lifecycle.postStart.exec.command.size() >= 2 &&
   x.c.lifecycle.postStart.exec.command[0] == "pilot-agent" && x.c.lifecycle.postStart.exec.command[1] == "wait")))`),
		// The drain's port: status.sidecar.istio.io/port; without it
		// 15020, which is only sure when no istio-init (or
		// istio-validation) -d argument names other excluded ports (the
		// engines then read the port from there).
		v("portAnn", `"status.sidecar.istio.io/port" in variables.metaAnn && type(variables.metaAnn["status.sidecar.istio.io/port"]) == string
  ? string(variables.metaAnn["status.sidecar.istio.io/port"]) : ""`),
		v("istioInitArgs", `variables.inits.filter(c, `+name("c")+` in ["istio-init", "istio-validation"]).map(c,
  has(c.args) && type(c.args) == list ? c.args : [])`),
		v("drainPort", `variables.portAnn != "" ? variables.portAnn :
  variables.istioInitArgs.size() == 0 || !variables.istioInitArgs[0].exists(a, a == "-d") ? "15020" :
  !("traffic.sidecar.istio.io/excludeInboundPorts" in variables.metaAnn) &&
  variables.istioInitArgs[0].indexOf("-d") + 1 < variables.istioInitArgs[0].size() &&
  string(variables.istioInitArgs[0][variables.istioInitArgs[0].indexOf("-d") + 1]).split(",").exists(p, p.trim() == "15020") ? "15020" : ""`),
		// The Istio status annotation, rewritten when istio-proxy moves.
		v("status", `"sidecar.istio.io/status" in variables.metaAnn && type(variables.metaAnn["sidecar.istio.io/status"]) == string
  ? string(variables.metaAnn["sidecar.istio.io/status"]) : ""`),
		v("rewriteStatus", `variables.status != "" && "istio-proxy" in variables.movedNames`),
		v("statusCanonical", `variables.status.matches(r'`+status+`')`),
		v("statusParts", `!variables.rewriteStatus || !variables.statusCanonical ? [] : [
  variables.status.substring(18, variables.status.indexOf(",\"containers\":")),
  variables.status.substring(variables.status.indexOf(",\"containers\":") + 14, variables.status.indexOf(",\"volumes\":")),
  variables.status.substring(variables.status.indexOf(",\"volumes\":"))]`),
		v("statusInits", `variables.statusParts.size() == 0 || variables.statusParts[0] in ["null", "[]"] ? [] :
  variables.statusParts[0].substring(1, variables.statusParts[0].size() - 1).split(",")`),
		v("statusConts", `variables.statusParts.size() == 0 || variables.statusParts[1] in ["null", "[]"] ? [] :
  variables.statusParts[1].substring(1, variables.statusParts[1].size() - 1).split(",").filter(n, n != "\"istio-proxy\"")`),
		v("newStatus", `variables.statusParts.size() == 0 ? "" :
  "{\"initContainers\":[" + (variables.statusInits.exists(n, n == "\"istio-proxy\"") ? variables.statusInits : variables.statusInits + ["\"istio-proxy\""]).join(",") +
  "],\"containers\":" + (variables.statusConts.size() == 0 ? "null" : "[" + variables.statusConts.join(",") + "]") + variables.statusParts[2]`),
		// Convertible: the pod needs work and every rule that applies to
		// it is one the CEL expresses. Otherwise it is left unchanged and
		// needs the webhook: Linkerd, Kuma and Consul field edits; an
		// Istio drain port only istio-init's arguments tell; a status
		// annotation of another form; proxy.istio.io/overrides.
		v("convertible", `variables.needsWork &&
  !variables.newInits.exists(x, x.moved && x.mesh in ["linkerd", "kuma", "consul"]) &&
  (variables.drained.size() == 0 || variables.drainPort != "") &&
  (!variables.rewriteStatus || variables.statusCanonical) &&
  !(variables.status != "" && "proxy.istio.io/overrides" in variables.metaAnn)`),
	)
}

// patchExpression is the one JSON patch. Containers cannot be patch
// values (the API server's CEL holds them as typed structs, which it cannot
// write back as JSON), so the new lists are built with copy operations
// into scratch fields that then replace the old lists; then restartPolicy
// and the drain hook by index in the new list (names are unique in a pod),
// and the status annotation.
const patchExpression = `!variables.convertible ? [] :
[
  JSONPatch{op: "add", path: "/spec/nativizeInitContainers", value: []},
  JSONPatch{op: "add", path: "/spec/nativizeContainers", value: []}
] +
variables.newInits.map(x, JSONPatch{op: "copy", path: "/spec/nativizeInitContainers/-",
  from: x.moved ? "/spec/containers/" + string(variables.contNames.indexOf(x.name)) : "/spec/initContainers/" + string(variables.initNames.indexOf(x.name))}) +
variables.keep.map(c, JSONPatch{op: "copy", path: "/spec/nativizeContainers/-",
  from: "/spec/containers/" + string(variables.contNames.indexOf(c.name))}) +
[
  JSONPatch{op: "move", from: "/spec/nativizeInitContainers", path: "/spec/initContainers"},
  JSONPatch{op: "move", from: "/spec/nativizeContainers", path: "/spec/containers"}
] +
variables.newInits.filter(x, x.always).map(x, JSONPatch{op: "add",
  path: "/spec/initContainers/" + string(variables.newNames.indexOf(x.name)) + "/restartPolicy", value: "Always"}) +
variables.drained.map(x, JSONPatch{op: "add",
  path: "/spec/initContainers/" + string(variables.newNames.indexOf(x.name)) + "/lifecycle",
  value: {"preStop": {"exec": {"command": ["pilot-agent", "request", "--debug-port=" + variables.drainPort, "POST", "drain"]}}}}) +
(variables.rewriteStatus ? [JSONPatch{op: "replace", path: "/metadata/annotations/sidecar.istio.io~1status", value: variables.newStatus}] : [])`
