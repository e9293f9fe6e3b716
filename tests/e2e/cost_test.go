package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/mutating/patch"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
)

// TestMutatingPolicyCost evaluates the shipped MutatingAdmissionPolicy's
// CEL as the API server compiles it (k8s.io/apiserver's composited
// compiler, the base environment of this version) on every golden Pod and
// logs the runtime cost against the per-policy budget: the API server
// stops an evaluation past it (and, failurePolicy Ignore, admits the pod
// unchanged). The test fails above a tenth of the budget, a margin for
// pods with more containers than the goldens.
func TestMutatingPolicyCost(t *testing.T) {
	var policy admissionregistrationv1.MutatingAdmissionPolicy
	for _, doc := range readDocuments(t, filepath.Join(admissionDir, "mutating-policy.yaml")) {
		var u unstructured.Unstructured
		if err := u.UnmarshalJSON(doc); err != nil {
			t.Fatal(err)
		}
		if u.GetKind() == "MutatingAdmissionPolicy" {
			strict(t, doc, &policy)
		}
	}
	opts := plugincel.OptionalVariableDeclarations{}
	compiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range policy.Spec.Variables {
		if r := compiler.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, opts, environment.StoredExpressions); r.Error != nil {
			t.Fatalf("variable %s: %v", v.Name, r.Error)
		}
	}
	patchOpts := opts
	patchOpts.HasPatchTypes = true
	eval := compiler.CompileMutatingEvaluator(&patch.JSONPatchCondition{Expression: policy.Spec.Mutations[0].JSONPatch.Expression},
		patchOpts, environment.StoredExpressions)
	if errs := eval.CompilationErrors(); len(errs) > 0 {
		t.Fatalf("compilation: %v", errs)
	}
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	gvr := corev1.SchemeGroupVersion.WithResource("pods")
	var costs []int64
	worst := ""
	// And a large pod: 40 init containers, 40 containers, one of each a
	// catalog sidecar, to show how the cost grows.
	big := classicPod("big")
	for i := range 40 {
		big.Spec.InitContainers = append(big.Spec.InitContainers, corev1.Container{Name: fmt.Sprintf("init-%d", i), Image: "busybox"})
		big.Spec.Containers = append(big.Spec.Containers, corev1.Container{Name: fmt.Sprintf("app-%d", i), Image: "nginx"})
	}
	big.Spec.Containers = append(big.Spec.Containers, corev1.Container{Name: "vault-agent", Image: "hashicorp/vault"})
	for _, pc := range append(goldenPods(t), podCase{"synthetic: 40 init containers, 43 containers", big}) {
		pod := pc.pod.DeepCopy()
		pod.APIVersion, pod.Kind, pod.Namespace = "v1", "Pod", policiesNamespace
		attrs := admission.NewAttributesRecord(pod, nil, gvk, pod.Namespace, pod.Name, gvr, "", admission.Create,
			&metav1.CreateOptions{}, false, nil)
		va := &admission.VersionedAttributes{Attributes: attrs, VersionedKind: gvk, VersionedObject: admission.NewLazyObject(pod)}
		ctx := compiler.CreateContext(context.Background())
		res, remaining, err := eval.ForInput(ctx, va, plugincel.CreateAdmissionRequest(attrs, metav1.GroupVersionResource(gvr), metav1.GroupVersionKind(gvk)),
			plugincel.OptionalVariableBindings{}, nil, celconfig.RuntimeCELCostBudget)
		if err != nil || res.Error != nil {
			t.Fatalf("%s: %v %v", pc.name, err, res.Error)
		}
		// The patch expression's own cost and its variables', which the
		// composition context accumulates (all count against the budget).
		cost := celconfig.RuntimeCELCostBudget - remaining + ctx.GetAndResetCost()
		if len(costs) == 0 || cost > slices.Max(costs) {
			worst = pc.name
		}
		costs = append(costs, cost)
	}
	max := slices.Max(costs)
	t.Logf("large pod: cost %d", costs[len(costs)-1])
	t.Logf("runtime cost on %d Pods: max %d (%s), budget %d per policy (%.2f%%)",
		len(costs), max, worst, celconfig.RuntimeCELCostBudget, 100*float64(max)/celconfig.RuntimeCELCostBudget)
	if max > celconfig.RuntimeCELCostBudget/10 {
		t.Errorf("cost %d is over a tenth of the budget %d", max, celconfig.RuntimeCELCostBudget)
	}
}
