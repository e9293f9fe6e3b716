package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelmPostRenderer renders the test chart with the real helm, once with
// nativize as --post-renderer and once piped, and checks both convert the
// CronJob and keep helm's "# Source" comments and the other objects.
func TestHelmPostRenderer(t *testing.T) {
	helm := tool(t, "HELM", ".tools/bin/helm", "helm.sh/helm/v3/cmd/helm@v3.22.0 could not be installed")
	bin := nativize(t)
	// helm looks the post-renderer up in $PATH, as users install it.
	path := []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")}
	chart := filepath.Join("tests", "integration", "testdata", "chart")
	plain := run(t, root, nil, helm, "template", "shop", chart)
	if plain.code != 0 {
		t.Fatalf("helm template: exit %d\n%s", plain.code, plain.stderr)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"--post-renderer", []string{"template", "shop", chart, "--post-renderer", "nativize",
			"--post-renderer-args", "mutate", "--post-renderer-args", "-f", "--post-renderer-args", "-"}},
		{"--post-renderer with a path", []string{"template", "shop", chart, "--post-renderer", bin,
			"--post-renderer-args=mutate", "--post-renderer-args=-f", "--post-renderer-args=-"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, root, path, helm, c.args...)
			if r.code != 0 {
				t.Fatalf("helm: exit %d\n%s", r.code, r.stderr)
			}
			objs := objects(t, r.stdout)
			if len(objs) != len(objects(t, plain.stdout)) {
				t.Fatalf("post-rendered %d objects, helm alone %d", len(objs), len(objects(t, plain.stdout)))
			}
			spec := podSpec(find(t, objs, "CronJob", "shop-nightly"))
			if got := strings.Join(containers(spec, "initContainers"), " "); got != "sql-proxy(Always)" {
				t.Errorf("initContainers = %q, want the Cloud SQL proxy as a native sidecar", got)
			}
			if got := strings.Join(containers(spec, "containers"), " "); got != "report" {
				t.Errorf("containers = %q, want report", got)
			}
			find(t, objs, "Service", "shop-reports")
			for _, s := range []string{"# Source: reports/templates/cronjob.yaml", "# the report exits. nativize matches the proxy by its image."} {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output lost %q", s)
				}
			}
		})
	}
	// The pipe form gives the same documents.
	piped := run(t, root, nil, "bash", "-c", helm+" template shop "+chart+" | "+bin+" mutate -f -")
	if piped.code != 0 {
		t.Fatalf("pipe: exit %d\n%s", piped.code, piped.stderr)
	}
	spec := podSpec(find(t, objects(t, piped.stdout), "CronJob", "shop-nightly"))
	if got := strings.Join(containers(spec, "initContainers"), " "); got != "sql-proxy(Always)" {
		t.Errorf("piped initContainers = %q", got)
	}
}
