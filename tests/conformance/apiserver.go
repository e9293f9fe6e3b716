// Package conformance replays manifests through the create path of a
// Kubernetes v1.37 API server, in process: decoding with defaulting, the
// system metadata, the ServiceAccount admission default for Pods, and the REST
// strategy of each workload kind (PrepareForCreate, then validation). It
// reports what the API server would reject and every field PrepareForCreate
// would silently drop.
package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	api "k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/pkg/registry/apps/daemonset"
	"k8s.io/kubernetes/pkg/registry/apps/deployment"
	"k8s.io/kubernetes/pkg/registry/apps/replicaset"
	"k8s.io/kubernetes/pkg/registry/apps/statefulset"
	"k8s.io/kubernetes/pkg/registry/batch/cronjob"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/core/pod"
	"k8s.io/kubernetes/pkg/registry/core/podtemplate"
	"k8s.io/kubernetes/pkg/registry/core/replicationcontroller"

	// The API server registers these groups into legacyscheme at start-up;
	// without them nothing decodes, defaults or converts.
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
)

// DefaultNamespace is the request namespace used for objects that name none,
// as kubectl does with a context that sets no namespace.
const DefaultNamespace = "default"

// defaultServiceAccountName is what the ServiceAccount admission plugin
// (plugin/pkg/admission/serviceaccount, DefaultServiceAccountName) puts on a
// Pod that names no service account.
const defaultServiceAccountName = "default"

// kindInfo tells how the API server stores one workload kind.
type kindInfo struct {
	// resource is the REST resource name, as in the request path.
	resource string
	// strategy is the kind's create strategy from pkg/registry.
	strategy rest.RESTCreateStrategy
	// resets lists the external field paths whose value PrepareForCreate
	// legitimately overwrites, beyond those every kind shares (see Lost).
	resets []string
}

// servedVersion is the only version of the core, apps and batch groups that
// a v1.37 API server serves for the workload kinds. legacyscheme still knows
// apps/v1beta1 and v1beta2 (for storage and conversion), but the server
// stopped serving them in 1.16, so a manifest using them cannot be applied.
const servedVersion = "v1"

// workloads maps each workload kind the API server validates itself to its
// REST resource and create strategy.
var workloads = map[schema.GroupKind]kindInfo{
	{Group: "", Kind: "Pod"}:                   {resource: "pods", strategy: pod.Strategy},
	{Group: "", Kind: "PodTemplate"}:           {resource: "podtemplates", strategy: podtemplate.Strategy},
	{Group: "", Kind: "ReplicationController"}: {resource: "replicationcontrollers", strategy: replicationcontroller.Strategy},
	{Group: "apps", Kind: "Deployment"}:        {resource: "deployments", strategy: deployment.Strategy},
	{Group: "apps", Kind: "ReplicaSet"}:        {resource: "replicasets", strategy: replicaset.Strategy},
	{Group: "apps", Kind: "StatefulSet"}:       {resource: "statefulsets", strategy: statefulset.Strategy},
	// The internal spec.templateGeneration, which apps/v1 carries as this
	// annotation, is raised to at least 1 on create (defaulting leaves 0).
	{Group: "apps", Kind: "DaemonSet"}: {resource: "daemonsets", strategy: daemonset.Strategy,
		resets: []string{"metadata.annotations.deprecated.daemonset.template.generation"}},
	{Group: "batch", Kind: "Job"}:     {resource: "jobs", strategy: job.Strategy},
	{Group: "batch", Kind: "CronJob"}: {resource: "cronjobs", strategy: cronjob.Strategy},
}

// codecs decodes strictly, as `kubectl apply` asks the API server to
// (fieldValidation=Strict): an unknown or duplicated field is an error, not a
// field the server silently drops while decoding.
var codecs = serializer.NewCodecFactory(legacyscheme.Scheme, serializer.EnableStrict)

// Outcome is what the create path made of one object: a workload, a v1 List
// item, or the pod template of a kind the API server does not know, wrapped in
// a PodTemplate.
type Outcome struct {
	// Where locates the object inside the document: "" for the document
	// itself, "items[2]" for a List item, "spec.template (as PodTemplate)" for
	// a wrapped pod template.
	Where string
	// Kind, Namespace and Name identify the object that was created.
	Kind, Namespace, Name string
	// Problems lists why the API server would reject the object or lose part
	// of it; empty when it is created intact.
	Problems []string
}

// Failed reports whether the object would not be created intact.
func (o Outcome) Failed() bool { return len(o.Problems) > 0 }

// String names the object and its problems, one per line.
func (o Outcome) String() string {
	id := o.Kind + " " + o.Name
	if o.Namespace != "" {
		id = o.Kind + " " + o.Namespace + "/" + o.Name
	}
	if o.Where != "" {
		id += " at " + o.Where
	}
	if len(o.Problems) == 0 {
		return id + ": ok"
	}
	return id + ":\n\t" + strings.Join(o.Problems, "\n\t")
}

// Check runs one document (JSON) through the create path. A workload kind
// goes through its own strategy, a v1 List item by item, and any other kind
// contributes each pod template found inside it, wrapped in a PodTemplate. A
// document with none of these yields no outcome.
func Check(doc []byte) ([]Outcome, error) {
	var obj map[string]any
	if err := json.Unmarshal(doc, &obj); err != nil {
		return nil, fmt.Errorf("document is not a JSON object: %w", err)
	}
	return check(obj, doc, ""), nil
}

func check(obj map[string]any, raw []byte, where string) []Outcome {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return []Outcome{{Where: where, Kind: kind, Problems: []string{"apiVersion: " + err.Error()}}}
	}
	if gv == (schema.GroupVersion{Version: "v1"}) && kind == "List" {
		items, _ := obj["items"].([]any)
		var out []Outcome
		for i, it := range items {
			item, ok := it.(map[string]any)
			if !ok {
				continue
			}
			out = append(out, check(item, nil, join(where, fmt.Sprintf("items[%d]", i)))...)
		}
		return out
	}
	if info, ok := workloads[gv.WithKind(kind).GroupKind()]; ok {
		if gv.Version != servedVersion {
			return []Outcome{{Where: where, Kind: kind, Problems: []string{fmt.Sprintf(
				"%s %s is not served by a v1.37 API server (use %s)", apiVersion, kind,
				schema.GroupVersion{Group: gv.Group, Version: servedVersion})}}}
		}
		if raw == nil {
			if raw, err = json.Marshal(obj); err != nil {
				return []Outcome{{Where: where, Kind: kind, Problems: []string{err.Error()}}}
			}
		}
		out := create(raw, info, where)
		if out.Name == "" {
			// Decoding failed before the name was read; name it from the map.
			metadata, _ := obj["metadata"].(map[string]any)
			out.Name, _ = metadata["name"].(string)
			out.Namespace, _ = metadata["namespace"].(string)
		}
		return []Outcome{out}
	}
	return checkTemplates(obj, where)
}

// checkTemplates wraps every pod template inside an object of a kind the API
// server has no strategy for (an Argo Rollout, an OpenKruise CloneSet, …) in a
// PodTemplate named after the object, so the core pod template validation and
// PodTemplate strategy judge it.
func checkTemplates(obj map[string]any, where string) []Outcome {
	metadata, _ := obj["metadata"].(map[string]any)
	name, _ := metadata["name"].(string)
	if name == "" {
		name = "unnamed"
	}
	namespace, _ := metadata["namespace"].(string)
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	partial, isPartial := partialTemplates[schema.FromAPIVersionAndKind(apiVersion, kind).GroupKind()]
	var out []Outcome
	for _, tmpl := range findTemplates(obj, "") {
		value := asTemplateSpec(tmpl.value)
		if isPartial && partial[tmpl.path] {
			value = withOperatorImage(value)
		}
		wrapper := map[string]any{
			"apiVersion": "v1",
			"kind":       "PodTemplate",
			"metadata":   map[string]any{"name": name},
			"template":   value,
		}
		if namespace != "" {
			wrapper["metadata"].(map[string]any)["namespace"] = namespace
		}
		raw, err := json.Marshal(wrapper)
		at := join(where, tmpl.path+" (as PodTemplate)")
		if err != nil {
			out = append(out, Outcome{Where: at, Kind: "PodTemplate", Name: name, Problems: []string{err.Error()}})
			continue
		}
		out = append(out, create(raw, workloads[schema.GroupKind{Kind: "PodTemplate"}], at))
	}
	return out
}

type template struct {
	path  string
	value map[string]any
}

// findTemplates returns, in a stable order, every map below the root whose
// "spec" is a map holding a "containers" list: the shape of a pod template
// wherever a kind keeps it. It does not look inside a template it found.
func findTemplates(node map[string]any, path string) []template {
	keys := make([]string, 0, len(node))
	for k := range node {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []template
	for _, k := range keys {
		child, ok := node[k].(map[string]any)
		if !ok {
			continue
		}
		p := join(path, k)
		if spec, ok := child["spec"].(map[string]any); ok {
			if _, ok := spec["containers"].([]any); ok {
				out = append(out, template{path: p, value: child})
				continue
			}
		}
		out = append(out, findTemplates(child, p)...)
	}
	return out
}

// create is the API server's create path for one object of a kind it serves:
// decode with defaulting (as the request body is), mutating admission,
// FillObjectMetaSystemFields, then rest.BeforeCreate's PrepareForCreate and
// ValidateCreate, split so the object can be compared around PrepareForCreate.
func create(raw []byte, info kindInfo, where string) Outcome {
	out := Outcome{Where: where}
	obj, gvk, err := codecs.UniversalDecoder().Decode(raw, nil, nil)
	if gvk != nil {
		out.Kind = gvk.Kind
	} else {
		out.Kind = info.resource
	}
	if err != nil {
		// A strict decoding error still returns the decoded object; the
		// unknown field is reported either way and nothing else is checked.
		out.Problems = append(out.Problems, "decode: "+err.Error())
		return out
	}
	objMeta, err := meta.Accessor(obj)
	if err != nil {
		out.Problems = append(out.Problems, "metadata: "+err.Error())
		return out
	}

	namespace := objMeta.GetNamespace()
	if namespace == "" {
		namespace = DefaultNamespace
	}
	ctx := genericapirequest.WithNamespace(context.Background(), namespace)
	apiPrefix := "apis"
	if gvk.Group == "" {
		apiPrefix = "api"
	}
	// Declarative validation reads the group and version it validates
	// against from the request, as the API server's handler chain sets it.
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true,
		Verb:              "create",
		APIPrefix:         apiPrefix,
		APIGroup:          gvk.Group,
		APIVersion:        gvk.Version,
		Namespace:         namespace,
		Resource:          info.resource,
		Name:              objMeta.GetName(),
	})

	// Mutating admission: of the plugins a default API server enables, only
	// ServiceAccount changes these objects in a way validation depends on.
	if p, ok := obj.(*api.Pod); ok {
		admitServiceAccount(p)
	}

	// genericregistry.Store.Create: system fields, then the generated name.
	rest.FillObjectMetaSystemFields(objMeta)
	if objMeta.GetName() == "" && objMeta.GetGenerateName() != "" {
		objMeta.SetName(info.strategy.GenerateName(objMeta.GetGenerateName()))
	}
	// rest.BeforeCreate: the object's namespace must match the request's.
	if err := rest.EnsureObjectNamespaceMatchesRequestNamespace(rest.ExpectedNamespaceForScope(namespace, info.strategy.NamespaceScoped()), objMeta); err != nil {
		out.Problems = append(out.Problems, err.Error())
	}
	out.Namespace, out.Name = objMeta.GetNamespace(), objMeta.GetName()

	before, err := fieldValues(obj, gvk.GroupVersion())
	if err != nil {
		out.Problems = append(out.Problems, "before PrepareForCreate: "+err.Error())
		return out
	}
	info.strategy.PrepareForCreate(ctx, obj)
	after, err := fieldValues(obj, gvk.GroupVersion())
	if err != nil {
		out.Problems = append(out.Problems, "after PrepareForCreate: "+err.Error())
		return out
	}
	out.Problems = append(out.Problems, Lost(before, after, info.resets...)...)

	for _, e := range rest.ValidateCreate(ctx, obj, info.strategy) {
		out.Problems = append(out.Problems, "invalid: "+e.Error())
	}
	return out
}

// admitServiceAccount applies what the ServiceAccount admission plugin does
// to a Pod on create and its own validation step then requires ("no service
// account specified for pod"): name the "default" service account when the
// Pod names none, keeping the deprecated serviceAccount alias in step. The plugin also mounts the service account token volume and
// copies the account's imagePullSecrets; both need the ServiceAccount object
// from a cluster, only add fields, and nothing in the validation of
// containers, init containers or restart policies depends on them, so they
// are left out.
func admitServiceAccount(p *api.Pod) {
	if p.Spec.ServiceAccountName == "" {
		p.Spec.ServiceAccountName = defaultServiceAccountName
		p.Spec.DeprecatedServiceAccount = defaultServiceAccountName //nolint:staticcheck // the plugin keeps the alias in step
	}
}

// fieldValues converts an internal object to its external version (what
// clients read back) and flattens it to leaf field paths and their values.
func fieldValues(obj runtime.Object, gv schema.GroupVersion) (map[string]string, error) {
	external, err := legacyscheme.Scheme.ConvertToVersion(obj.DeepCopyObject(), gv)
	if err != nil {
		return nil, err
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(external)
	if err != nil {
		return nil, err
	}
	leaves := map[string]string{}
	flatten(u, "", leaves)
	return leaves, nil
}

// flatten records every leaf below v: scalars, and maps or lists that are
// empty (an empty value the client set is a field too).
func flatten(v any, path string, leaves map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			leaves[path] = "{}"
		}
		for k, c := range x {
			flatten(c, join(path, k), leaves)
		}
	case []any:
		if len(x) == 0 {
			leaves[path] = "[]"
		}
		for i, c := range x {
			flatten(c, fmt.Sprintf("%s[%d]", path, i), leaves)
		}
	default:
		leaves[path] = fmt.Sprint(x)
	}
}

// Lost compares the leaf fields of an object before and after
// PrepareForCreate and describes, sorted, each one that was removed or given
// another value, except the paths in resets, whose value (not presence) the
// strategy may overwrite. Fields that PrepareForCreate may set (Job selector and
// labels, Pod QOS class, pod-level resource defaults, affinity label keys)
// only add leaves and are not reported. Two resets hold for every kind and are
// always excluded:
//   - status and everything below it: every strategy replaces the status with
//     an empty or initial one (Pod: phase Pending, QOS class and scheduling
//     gate condition), because only the status subresource writes it;
//   - metadata.generation's value: every strategy sets it to 1 on create (the
//     path itself never goes away, so only a value change is excused).
//
// Every other metadata field (labels, annotations, owner references, …) is
// compared: PrepareForCreate must leave them alone, and DropDisabledPodFields
// does delete the legacy pod.beta.kubernetes.io/init-containers annotations
// (unsupported since 1.8), which a manifest must not rely on.
func Lost(before, after map[string]string, resets ...string) []string {
	excused := map[string]bool{"metadata.generation": true}
	for _, r := range resets {
		excused[r] = true
	}
	var lost []string
	for path, was := range before {
		if path == "status" || strings.HasPrefix(path, "status.") {
			continue
		}
		now, ok := after[path]
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("dropped by PrepareForCreate: %s (was %s)", path, was))
		case now != was && !excused[path]:
			lost = append(lost, fmt.Sprintf("changed by PrepareForCreate: %s (%s -> %s)", path, was, now))
		}
	}
	sort.Strings(lost)
	return lost
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// partialTemplates are the pod templates of custom kinds that the kind's
// operator completes before it creates pods: the Flink operator puts
// spec.image into flink-main-container and merges the common spec.podTemplate
// into the job and task manager templates, so the main container of each may
// have no image of its own.
var partialTemplates = map[schema.GroupKind]map[string]bool{
	{Group: "flink.apache.org", Kind: "FlinkDeployment"}: {"spec.podTemplate": true, "spec.jobManager.podTemplate": true, "spec.taskManager.podTemplate": true},
}

// asTemplateSpec returns a pod template as a PodTemplateSpec: kinds such as
// FlinkDeployment and SparkApplication embed a whole Pod (apiVersion v1,
// kind Pod), whose type fields a PodTemplateSpec does not have.
func asTemplateSpec(tmpl map[string]any) map[string]any {
	if tmpl["apiVersion"] != "v1" || tmpl["kind"] != "Pod" {
		return tmpl
	}
	out := make(map[string]any, len(tmpl))
	for k, v := range tmpl {
		if k != "apiVersion" && k != "kind" {
			out[k] = v
		}
	}
	return out
}

// withOperatorImage gives every container without an image the placeholder
// image the operator's merge would supply, so the rest of the template is
// still validated.
func withOperatorImage(tmpl map[string]any) map[string]any {
	spec, _ := tmpl["spec"].(map[string]any)
	containers, _ := spec["containers"].([]any)
	filled := make([]any, len(containers))
	for i, c := range containers {
		m, ok := c.(map[string]any)
		if _, has := m["image"]; !ok || has {
			filled[i] = c
			continue
		}
		cp := make(map[string]any, len(m)+1)
		for k, v := range m {
			cp[k] = v
		}
		cp["image"] = "set-by-the-operator"
		filled[i] = cp
	}
	newSpec := make(map[string]any, len(spec))
	for k, v := range spec {
		newSpec[k] = v
	}
	newSpec["containers"] = filled
	out := make(map[string]any, len(tmpl))
	for k, v := range tmpl {
		out[k] = v
	}
	out["spec"] = newSpec
	return out
}
