package gatekeeper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const (
	templatesGroup    = "templates.gatekeeper.sh"
	constraintsGroup  = "constraints.gatekeeper.sh"
	externalDataGroup = "externaldata.gatekeeper.sh"
)

// bundle is what a library directory holds for evaluation.
type bundle struct {
	templates   []*templates.ConstraintTemplate
	constraints []*unstructured.Unstructured
	// providers are the names of the external data Providers.
	providers []string
}

// loadBundle reads every YAML file of lib (samples/ folders skipped: they
// hold test constraints) and keeps the ConstraintTemplates and Constraints.
// Other objects (suites, mutators, Provider manifests) are ignored.
func loadBundle(lib fs.FS) (*bundle, error) {
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return nil, err
	}
	b := &bundle{}
	err := fs.WalkDir(lib, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "samples" {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		raw, err := fs.ReadFile(lib, p)
		if err != nil {
			return err
		}
		objs, err := decodeAll(raw)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrLibrary, p, err)
		}
		for _, u := range objs {
			group := u.GroupVersionKind().Group
			switch {
			case group == templatesGroup && u.GetKind() == "ConstraintTemplate":
				t, err := toTemplate(scheme, u)
				if err != nil {
					return fmt.Errorf("%w: %s: %w", ErrLibrary, p, err)
				}
				b.templates = append(b.templates, t)
			case group == constraintsGroup:
				b.constraints = append(b.constraints, u)
			case group == externalDataGroup && u.GetKind() == "Provider":
				b.providers = append(b.providers, u.GetName())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(b.templates) == 0 {
		return nil, fmt.Errorf("%w: no ConstraintTemplate found", ErrLibrary)
	}
	return b, nil
}

// decodeAll splits a multi-document YAML file into objects.
func decodeAll(raw []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// versionless is what every versioned ConstraintTemplate type implements.
type versionless interface {
	ToVersionless() (*templates.ConstraintTemplate, error)
}

// toTemplate converts an unstructured ConstraintTemplate of any served
// version into the client's versionless type.
func toTemplate(scheme *runtime.Scheme, u *unstructured.Unstructured) (*templates.ConstraintTemplate, error) {
	obj, err := scheme.New(u.GroupVersionKind())
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(u.Object)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, obj); err != nil {
		return nil, err
	}
	v, ok := obj.(versionless)
	if !ok {
		return nil, fmt.Errorf("%w: cannot convert %T", ErrLibrary, obj)
	}
	return v.ToVersionless()
}
