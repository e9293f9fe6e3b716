package admissionpolicy

import (
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/gatekeeper"
	"github.com/nativize/nativize/pkg/validate"
	"github.com/nativize/nativize/pkg/workload"
)

// vapVersion is the API version of the generated policies and bindings.
var vapVersion = admissionregistrationv1.SchemeGroupVersion.String()

// PolicyName is the name of the ValidatingAdmissionPolicy (and of its
// bindings) of a check's library folder: nativize-ns001-classic-sidecar.
func PolicyName(folder string) string { return "nativize-" + folder }

// paramsVariable replaces Gatekeeper's variables.params (the constraint's
// parameters) by a constant: a ValidatingAdmissionPolicy reads parameters
// from a resource its binding must name (paramRef), so the checks run with
// the defaults of an unparameterised Constraint — the current Kubernetes
// version (NS006 never fires; the API server itself refuses what NS004's
// version rules report), every severity, the default catalog, which the
// CEL already carries as a literal. dyn: a null-typed variable would make
// the CEL's selections on it type errors.
var paramsVariable = admissionregistrationv1.Variable{Name: "params", Expression: "dyn(null)"}

// validatingChecks are the checks shipped as ValidatingAdmissionPolicies:
// those with CEL but NS006, which judges a target Kubernetes version below
// 1.29, and a cluster that runs ValidatingAdmissionPolicies (1.30 or
// later) is never one.
func validatingChecks() []gatekeeper.CELCheck {
	var out []gatekeeper.CELCheck
	for _, c := range gatekeeper.CELChecks() {
		if c.ID != validate.CheckKubeVersion {
			out = append(out, c)
		}
	}
	return out
}

// validatingPolicies are one ValidatingAdmissionPolicy per validatingChecks.
func validatingPolicies() []runtime.Object {
	var out []runtime.Object
	for _, c := range validatingChecks() {
		vars := []admissionregistrationv1.Variable{paramsVariable}
		for _, v := range c.Variables {
			vars = append(vars, admissionregistrationv1.Variable{Name: v.Name, Expression: v.Expression})
		}
		var vals []admissionregistrationv1.Validation
		for _, v := range c.Validations {
			vals = append(vals, admissionregistrationv1.Validation{Expression: v.Expression, MessageExpression: v.MessageExpression})
		}
		out = append(out, &admissionregistrationv1.ValidatingAdmissionPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: vapVersion, Kind: "ValidatingAdmissionPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: PolicyName(c.Folder), Labels: labels(),
				Annotations: map[string]string{"nativize.dev/check": c.ID, "description": c.Summary + " See docs/CHECKS.md (" + c.ID + ")."}},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				// Ignore, as the webhook's: an expression error (cost
				// limit, unexpected shape) never blocks a workload.
				FailurePolicy:    ptrTo(admissionregistrationv1.Ignore),
				MatchConstraints: matchResources(workloadRules()),
				Variables:        vars,
				Validations:      vals,
			},
		})
	}
	return out
}

// validatingBindings bind every check's policy with one action: Warn (the
// findings are admission warnings, which kubectl prints) or Deny. Both
// sets use the same names, so applying one replaces the other.
func validatingBindings(action admissionregistrationv1.ValidationAction) []runtime.Object {
	var out []runtime.Object
	for _, c := range validatingChecks() {
		name := PolicyName(c.Folder)
		out = append(out, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: vapVersion, Kind: "ValidatingAdmissionPolicyBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels()},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        name,
				ValidationActions: []admissionregistrationv1.ValidationAction{action},
			},
		})
	}
	return out
}

// labels mark every generated object.
func labels() map[string]string { return map[string]string{"app.kubernetes.io/name": "nativize"} }

// excludedNamespaces are left alone, as by the shipped webhooks
// (library/provider/webhooks.yaml): the cluster's own and nativize's.
var excludedNamespaces = []string{"kube-system", "nativize-system"}

// matchResources matches rules on create and update outside the excluded
// namespaces.
func matchResources(rules []admissionregistrationv1.NamedRuleWithOperations) *admissionregistrationv1.MatchResources {
	return &admissionregistrationv1.MatchResources{
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: excludedNamespaces,
		}}},
		ResourceRules: rules,
	}
}

// workloadRules match the kinds the checks read: the built-in workload
// kinds the API server serves (not extensions/, which it no longer
// serves) and the default catalog's custom kinds, one rule per API group.
func workloadRules() []admissionregistrationv1.NamedRuleWithOperations {
	byGroup := map[string][]string{}
	var groups []string
	add := func(group, kind string) {
		if _, ok := byGroup[group]; !ok {
			groups = append(groups, group)
		}
		if r := plural(kind); !slices.Contains(byGroup[group], r) {
			byGroup[group] = append(byGroup[group], r)
		}
	}
	var builtin []string
	for gk := range workload.Builtin() {
		builtin = append(builtin, gk)
	}
	slices.Sort(builtin)
	for _, gk := range builtin {
		group, kind, _ := strings.Cut(gk, "/")
		if group != "extensions" {
			add(group, kind)
		}
	}
	for _, k := range catalog.Default().Kinds {
		add(k.Group, k.Kind)
	}
	var out []admissionregistrationv1.NamedRuleWithOperations
	for _, g := range groups {
		out = append(out, rule(g, byGroup[g]...))
	}
	return out
}

// rule matches resources of group, any version, on create and update.
func rule(group string, resources ...string) admissionregistrationv1.NamedRuleWithOperations {
	return admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"*"},
			Resources: resources, Scope: ptrTo(admissionregistrationv1.NamespacedScope)},
	}}
}

// ptrTo is a pointer to v.
func ptrTo[T any](v T) *T { return &v }
