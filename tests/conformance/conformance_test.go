package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// goldenDir holds the lead's golden conversion pairs; every *.out.yaml there
// is nativize output that must survive the API server's create path.
const goldenDir = "../../pkg/mutate/testdata/golden"

// TestGoldenOutputs creates every document of every golden output. The
// directory may not exist yet on a branch without the engine; once it does,
// finding no document in it is a failure, not a pass.
func TestGoldenOutputs(t *testing.T) {
	if _, err := os.Stat(goldenDir); os.IsNotExist(err) {
		t.Skipf("%s does not exist (yet)", goldenDir)
	}
	files := glob(t, goldenDir, "*.out.yaml")
	docs, objects := checkFiles(t, files)
	if docs == 0 {
		t.Fatalf("no golden output document under %s", goldenDir)
	}
	t.Logf("%d golden files, %d documents, %d objects created", len(files), docs, objects)
}

// examplesDir holds the shipped examples (manifests users start from).
const examplesDir = "../../examples"

// TestExamples creates every document of every YAML file under examples/
// (kustomize's own files hold no pod template and create nothing).
func TestExamples(t *testing.T) {
	if _, err := os.Stat(examplesDir); os.IsNotExist(err) {
		t.Skipf("%s does not exist (yet)", examplesDir)
	}
	files := glob(t, examplesDir, "*.yaml")
	if len(files) == 0 {
		t.Skipf("no YAML file under %s (yet)", examplesDir)
	}
	docs, objects := checkFiles(t, files)
	t.Logf("%d example files, %d documents, %d objects created", len(files), docs, objects)
}

// TestOwnCases creates this suite's own converted workloads and checks that
// each was really judged as the kind it is, at the place it is.
func TestOwnCases(t *testing.T) {
	tests := []struct {
		file string
		want []string // Outcome kind and where, in order
	}{
		{"istio-pod.yaml", []string{"Pod@"}},
		{"job-native-sidecar.yaml", []string{"Job@"}},
		{"cronjob.yaml", []string{"CronJob@"}},
		{"rollout.yaml", []string{"PodTemplate@spec.template (as PodTemplate)"}},
		{"list.yaml", []string{
			"Deployment@items[0]", "StatefulSet@items[1]", "DaemonSet@items[2]",
			"ReplicaSet@items[3]", "ReplicationController@items[4]", "PodTemplate@items[5]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			docs, err := readDocuments(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range docs {
				outcomes, err := Check(d.json)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range outcomes {
					got = append(got, o.Kind+"@"+o.Where)
					if o.Failed() {
						t.Errorf("%s", o)
					}
				}
			}
			if !equal(got, tt.want) {
				t.Errorf("objects created = %q, want %q", got, tt.want)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
