package regoengine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestQuantityMilli holds policies/lib/quantity.rego's milli to Kubernetes'
// own parser (resource.ParseQuantity, MilliValue) on random quantities.
func TestQuantityMilli(t *testing.T) {
	pattern := regexp.MustCompile(`^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][0-9]+)?$`)
	modules, err := Modules()
	if err != nil {
		t.Fatal(err)
	}
	opts := []func(*rego.Rego){rego.Query("x := [data.nativize.lib.quantity.milli(q) | some q in input]")}
	for name, src := range modules {
		opts = append(opts, rego.Module(name, src))
	}
	q, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 5))
	suffixes := []string{"", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti", "e2", "E3", "e0"}
	inputs := []string{"1", "0", "0.5", ".5", "1.", "+2", "100m", "0.0001m", "1.999999999m", "64Mi", "1.5Gi", "abc", "-1", "1Z", ""}
	for range 2000 {
		s := fmt.Sprint(r.IntN(100000))
		if r.IntN(2) == 0 {
			s += "." + fmt.Sprint(r.IntN(10000))
		}
		inputs = append(inputs, s+suffixes[r.IntN(len(suffixes))])
	}
	in, err := ast.InterfaceToValue(inputs)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := q.Eval(context.Background(), rego.EvalParsedInput(in))
	if err != nil || len(rs) != 1 {
		t.Fatalf("eval: %v %v", rs, err)
	}
	got := rs[0].Bindings["x"].([]any)
	// Beyond int64 milli-units MilliValue overflows; Rego stays exact.
	limit := resource.MustParse("9223372036854775")
	compared := 0
	for i, s := range inputs {
		var want int64
		if pattern.MatchString(s) {
			if qty, err := resource.ParseQuantity(s); err == nil {
				if qty.Cmp(limit) > 0 {
					continue
				}
				want = qty.MilliValue()
			}
		}
		compared++
		if fmt.Sprint(got[i]) != fmt.Sprint(want) {
			t.Errorf("milli(%q) = %v, Kubernetes says %d", s, got[i], want)
		}
	}
	if compared < 1000 {
		t.Fatalf("only %d quantities compared", compared)
	}
}
