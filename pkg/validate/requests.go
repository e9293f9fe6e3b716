package validate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/nativize/nativize/pkg/mutate"
)

// quantityPattern is the quantity syntax both engines accept (docs/CHECKS.md).
var quantityPattern = regexp.MustCompile(`^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][0-9]+)?$`)

// milli converts a quantity value to integer milli-units, rounded up; anything
// that is not a quantity counts as 0.
func milli(v any) int64 {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case float64:
		s = strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		s = strconv.Itoa(t)
	case int64:
		s = strconv.FormatInt(t, 10)
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return 0
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
	default:
		return 0
	}
	if !quantityPattern.MatchString(s) {
		return 0
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0
	}
	return q.MilliValue()
}

// request returns a container's request for r in milli-units: requests, else
// limits (the API server defaults requests to limits), else 0.
func request(ct any, r string) int64 {
	m, _ := ct.(map[string]any)
	res, _ := m["resources"].(map[string]any)
	for _, field := range []string{"requests", "limits"} {
		if vals, ok := res[field].(map[string]any); ok {
			if v, ok := vals[r]; ok {
				return milli(v)
			}
		}
	}
	return 0
}

// resourceNames adds every requests and limits key of the containers to names.
func resourceNames(names map[string]bool, lists ...[]any) {
	for _, list := range lists {
		for _, ct := range list {
			m, _ := ct.(map[string]any)
			res, _ := m["resources"].(map[string]any)
			for _, field := range []string{"requests", "limits"} {
				vals, _ := res[field].(map[string]any)
				for k := range vals {
					names[k] = true
				}
			}
		}
	}
}

// effective is the pod's effective request for r: the larger of the biggest
// init step (sidecars started so far plus the init container) and the steady
// state (all containers plus all sidecars).
func effective(initCtrs, ctrs []any, r string) int64 {
	var sidecars, initMax int64
	for _, ct := range initCtrs {
		req := request(ct, r)
		initMax = max(initMax, sidecars+req)
		if m, _ := ct.(map[string]any); m["restartPolicy"] == "Always" {
			sidecars += req
		}
	}
	steady := sidecars
	for _, ct := range ctrs {
		steady += request(ct, r)
	}
	return max(initMax, steady)
}

// formatQuantity writes milli-units: cpu as millicores, other resources as
// integers with the largest exact binary suffix.
func formatQuantity(r string, m int64) string {
	if r == "cpu" {
		return fmt.Sprintf("%dm", m)
	}
	n := m / 1000
	if m%1000 != 0 {
		n++
	}
	if n == 0 {
		return "0"
	}
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"Ti", 1 << 40}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.suffix)
		}
	}
	return strconv.FormatInt(n, 10)
}

// listField returns a container list field of a pod spec (nil when absent or not a list).
func listField(spec map[string]any, field string) []any {
	l, _ := spec[field].([]any)
	return l
}

// checkRequests is NS008: the conversion changes the pod's effective requests
// (a proxy moved ahead of init containers adds its requests to theirs).
func checkRequests(s *spec, sp mutate.SpecPlan) []Finding {
	beforeInit, beforeCtrs := listField(s.ps.Spec, "initContainers"), listField(s.ps.Spec, "containers")
	names := map[string]bool{}
	resourceNames(names, beforeInit, beforeCtrs, sp.InitContainers, sp.Containers)
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var changes []string
	for _, r := range sorted {
		b := effective(beforeInit, beforeCtrs, r)
		a := effective(sp.InitContainers, sp.Containers, r)
		if a != b {
			changes = append(changes, fmt.Sprintf("%s %s → %s", r, formatQuantity(r, b), formatQuantity(r, a)))
		}
	}
	if len(changes) == 0 {
		return nil
	}
	return []Finding{finding(CheckEffectiveRequests, SeverityInfo, s.obj, "",
		"effective pod requests change: %s", strings.Join(changes, ", "))}
}
