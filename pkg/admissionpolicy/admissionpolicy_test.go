package admissionpolicy

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/nativize/nativize/pkg/gatekeeper"
)

// dir is the committed output.
const dir = "../../library/admission"

// TestGeneratedFilesUpToDate fails when library/admission drifts from what
// the generator writes (run make generate-admission), or holds a generated
// file it no longer writes.
func TestGeneratedFilesUpToDate(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v (run make generate-admission)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator writes (run make generate-admission)", name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := files[e.Name()]; !ok && bytes.HasPrefix(b, []byte(Header)) {
			t.Errorf("%s is generated but no longer written", e.Name())
		}
	}
}

// TestValidatingPolicies: one policy per check with CEL but NS006, carrying the
// Gatekeeper template's CEL unchanged behind the params constant, and one
// Warn and one Deny binding of the same name per policy.
func TestValidatingPolicies(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	var policies []admissionregistrationv1.ValidatingAdmissionPolicy
	decodeAll(t, files["validating-policies.yaml"], &policies)
	checks := validatingChecks()
	if len(policies) != len(checks) || len(checks) != len(gatekeeper.CELChecks())-1 {
		t.Fatalf("%d policies for %d checks with CEL", len(policies), len(checks))
	}
	for i, c := range checks {
		p := policies[i]
		if p.Name != PolicyName(c.Folder) || p.Annotations["nativize.dev/check"] != c.ID {
			t.Errorf("policy %d is %s (%s), want %s", i, p.Name, p.Annotations["nativize.dev/check"], c.ID)
		}
		if v := p.Spec.Variables; len(v) != len(c.Variables)+1 || v[0] != paramsVariable {
			t.Errorf("%s: variables do not start with the params constant", c.ID)
		}
		for j, v := range c.Variables {
			if got := p.Spec.Variables[j+1]; got.Name != v.Name || got.Expression != v.Expression {
				t.Errorf("%s: variable %s differs from the template's", c.ID, v.Name)
			}
		}
		if len(p.Spec.Validations) != len(c.Validations) {
			t.Errorf("%s: %d validations, the template has %d", c.ID, len(p.Spec.Validations), len(c.Validations))
		}
		if strings.Contains(strings.Join(exprs(p), "\n"), "anyObject") {
			t.Errorf("%s: uses Gatekeeper's anyObject", c.ID)
		}
	}
	for name, action := range map[string]admissionregistrationv1.ValidationAction{
		"validating-bindings-warn.yaml": admissionregistrationv1.Warn,
		"validating-bindings-deny.yaml": admissionregistrationv1.Deny,
	} {
		var bindings []admissionregistrationv1.ValidatingAdmissionPolicyBinding
		decodeAll(t, files[name], &bindings)
		if len(bindings) != len(policies) {
			t.Fatalf("%s: %d bindings for %d policies", name, len(bindings), len(policies))
		}
		for i, b := range bindings {
			if b.Name != policies[i].Name || b.Spec.PolicyName != policies[i].Name ||
				len(b.Spec.ValidationActions) != 1 || b.Spec.ValidationActions[0] != action {
				t.Errorf("%s: binding %s: policy %s, actions %v", name, b.Name, b.Spec.PolicyName, b.Spec.ValidationActions)
			}
		}
	}
}

func exprs(p admissionregistrationv1.ValidatingAdmissionPolicy) []string {
	var out []string
	for _, v := range p.Spec.Variables {
		out = append(out, v.Expression)
	}
	for _, v := range p.Spec.Validations {
		out = append(out, v.Expression, v.MessageExpression)
	}
	return out
}

// decodeAll decodes every document of stream strictly into *out.
func decodeAll[T any](t *testing.T, stream []byte, out *[]T) {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufioReader(stream))
	for {
		doc, err := r.Read()
		if err != nil {
			break
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var v T
		if err := yaml.UnmarshalStrict(doc, &v); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		*out = append(*out, v)
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
