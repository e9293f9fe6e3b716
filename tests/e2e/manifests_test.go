package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// manifestsNamespace is where documents that name no namespace are created.
const manifestsNamespace = "e2e-manifests"

// notServed are the kinds in examples/ that are configuration for other
// tools, not objects of any API server: they are skipped, and any other kind
// the API server does not serve fails the test.
var notServed = map[string]bool{
	"kustomize.config.k8s.io/v1beta1, Kind=Kustomization": true, // kustomize's own file
	"nativize.dev/v1alpha1, Kind=Config":                  true, // the KRM function's config
}

// knownIssues maps a document (path#index, items as in the messages) owned
// by another part of the project to the rejection it is known to get, until
// its owner fixes it. Only that very rejection is excused; a fix is logged
// so that the entry can go.
var knownIssues = map[string]struct{ problem, reason string }{}

// testManifests creates every document of examples/** and of the golden
// outputs in the API server (dry run, strict server-side field validation,
// with the webhooks in the path), as `kubectl apply --server-side
// --dry-run=server` would: each must be accepted. A v1 List is expanded
// into its items, as kubectl does.
func (c *cluster) testManifests(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(examplesDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goldens, err := filepath.Glob(filepath.Join(goldenDir, "*.out.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, goldens...)
	sort.Strings(files)
	c.namespace(t, manifestsNamespace)

	created, skipped := 0, map[string]int{}
	for _, f := range files {
		rel, _ := filepath.Rel(repoRoot, f)
		for i, doc := range readDocuments(t, f) {
			var u unstructured.Unstructured
			if err := u.UnmarshalJSON(doc); err != nil {
				t.Errorf("%s#%d: %v", rel, i, err)
				continue
			}
			objs := []unstructured.Unstructured{u}
			if u.IsList() {
				list, err := u.ToList()
				if err != nil {
					t.Errorf("%s#%d: %v", rel, i, err)
					continue
				}
				objs = list.Items
			}
			for j, o := range objs {
				name := fmt.Sprintf("%s#%d", rel, i)
				if u.IsList() {
					name = fmt.Sprintf("%s.items[%d]", name, j)
				}
				gvk := o.GroupVersionKind().String()
				ok, err := c.createDryRun(t, &o)
				known, isKnown := knownIssues[name]
				switch {
				case isKnown && err != nil && strings.Contains(err.Error(), known.problem):
					t.Logf("%s: known issue (%s): %v", name, known.reason, err)
				case isKnown && err == nil:
					t.Logf("%s: known issue %q no longer shows: its knownIssues entry can go", name, known.problem)
					created++
				case err != nil:
					t.Errorf("%s (%s %s): not accepted: %v", name, gvk, o.GetName(), err)
				case ok:
					created++
				case notServed[gvk] || (strings.HasSuffix(rel, ".out.yaml") && isCustom(gvk)):
					skipped[gvk]++
				default:
					t.Errorf("%s: %s is not served by the API server", name, gvk)
				}
			}
		}
	}
	t.Logf("%d objects from %d files accepted; skipped (not Kubernetes API kinds here): %v", created, len(files), skipped)
	if created < len(files) {
		t.Errorf("only %d objects created from %d files", created, len(files))
	}
}

// isCustom tells a CRD's kind: its group is not a Kubernetes one.
func isCustom(gvk string) bool {
	group := strings.SplitN(gvk, "/", 2)[0]
	return strings.Contains(group, ".") && !strings.HasSuffix(group, ".k8s.io")
}

// createDryRun creates o with dryRun=All and strict field validation; ok is
// false (and err nil) when the API server serves no such kind.
func (c *cluster) createDryRun(t *testing.T, o *unstructured.Unstructured) (ok bool, err error) {
	t.Helper()
	gvk := o.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	opts := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"}
	ctx := context.Background()
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		_, err = c.dynamic.Resource(m.Resource).Create(ctx, o, opts)
		return err == nil, err
	}
	ns := o.GetNamespace()
	if ns == "" {
		ns = manifestsNamespace
	} else {
		c.namespace(t, ns)
	}
	o.SetNamespace(ns)
	_, err = c.dynamic.Resource(m.Resource).Namespace(ns).Create(ctx, o, opts)
	return err == nil, err
}
