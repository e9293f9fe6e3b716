package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nativize/nativize/pkg/validate"
)

// Sentinel errors for requests the server refuses; wrapped with details.
var (
	// ErrMalformed is a body that is not the JSON the endpoint expects.
	ErrMalformed = errors.New("malformed request")
	// ErrWrongKind is well-formed JSON of another apiVersion or kind.
	ErrWrongKind = errors.New("wrong apiVersion or kind")
	// ErrNotObject is a value that is not a Kubernetes object.
	ErrNotObject = errors.New("not a Kubernetes object")
)

// admissionAPIVersion is the only AdmissionReview version served.
const admissionAPIVersion = "admission.k8s.io/v1"

// decodeReview parses and checks an AdmissionReview v1 request envelope.
// Its errors name the JSON pointer (or byte offset) of the problem.
func decodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	var review admissionv1.AdmissionReview
	if err := strictJSON(body, &review); err != nil {
		return nil, err
	}
	if err := checkJSON(body, ""); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if review.APIVersion != admissionAPIVersion || review.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("%w: got apiVersion %q kind %q, want %s AdmissionReview",
			ErrWrongKind, review.APIVersion, review.Kind, admissionAPIVersion)
	}
	if review.Request == nil {
		return nil, fmt.Errorf("%w: /request: AdmissionReview without request", ErrMalformed)
	}
	if review.Request.UID == "" {
		return nil, fmt.Errorf("%w: /request/uid: AdmissionReview request without uid", ErrMalformed)
	}
	return &review, nil
}

// trailing reports whether anything but white space follows the value dec
// decoded. (dec.More is false before a stray "}" or "]", so it cannot tell.)
func trailing(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err != io.EOF
}

// strictJSON decodes exactly one JSON value from body into v; errors name
// the JSON pointer of a wrongly typed field or the offset of a syntax error.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, locate(err, ""), err)
	}
	if trailing(dec) {
		return fmt.Errorf("%w: / (byte %d): data after the JSON value", ErrMalformed, dec.InputOffset())
	}
	return nil
}

// decodeObject parses raw JSON into an unstructured Kubernetes object: a JSON
// object whose apiVersion and kind are non-empty strings. Numbers stay
// json.Number so that values copied into a patch keep their exact text.
func decodeObject(raw []byte) (map[string]any, error) { return decodeObjectAt(raw, "") }

// decodeObjectAt is decodeObject for the value at JSON pointer at of a
// request: its errors start with the pointer of the problem. Duplicate keys
// and nesting past maxJSONDepth are refused.
func decodeObjectAt(raw []byte, at string) (map[string]any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", locate(err, at), ErrNotObject, err)
	}
	if trailing(dec) {
		return nil, fmt.Errorf("%s (byte %d): %w: data after the JSON value", orRoot(at), dec.InputOffset(), ErrNotObject)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %w: JSON %s, want an object", orRoot(at), ErrNotObject, jsonType(v))
	}
	if err := checkJSON(raw, at); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	for _, k := range []string{"apiVersion", "kind"} {
		if s, ok := obj[k].(string); !ok || s == "" {
			return nil, fmt.Errorf("%s: %w: %s missing or not a string", pointerTo(at, k), ErrNotObject, k)
		}
	}
	return obj, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "value"
}

// reviewReply wraps a response in the AdmissionReview envelope.
func reviewReply(review admissionv1.AdmissionReview, resp *admissionv1.AdmissionResponse) *admissionv1.AdmissionReview {
	resp.UID = review.Request.UID
	return &admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionAPIVersion, Kind: "AdmissionReview"},
		Response: resp,
	}
}

// admissionObject returns the object under review, or nil when there is none
// to act on (DELETE, CONNECT, or a subresource such as status or scale,
// whose object is not the workload).
func admissionObject(req *admissionv1.AdmissionRequest) (map[string]any, error) {
	if req.SubResource != "" || len(bytes.TrimSpace(req.Object.Raw)) == 0 || string(bytes.TrimSpace(req.Object.Raw)) == "null" {
		return nil, nil
	}
	return decodeObjectAt(req.Object.Raw, "/request/object")
}

// mutate answers POST /mutate: the conversion as a JSON patch. It allows
// every request; an engine failure or a request it cannot read is answered
// allowed with a warning, so that a bug never blocks pod creation.
func (s *Server) mutate(ctx context.Context, body []byte) (int, any) {
	review, err := decodeReview(body)
	if err != nil {
		s.metrics.errors.WithLabelValues("mutate", "bad_request").Inc()
		return http.StatusBadRequest, errorReply{Error: err.Error()}
	}
	req := review.Request
	resp := &admissionv1.AdmissionResponse{Allowed: true}
	obj, err := admissionObject(req)
	if err != nil {
		resp.Warnings = []string{"nativize: object not converted: " + err.Error()}
		s.metrics.errors.WithLabelValues("mutate", "bad_object").Inc()
		return http.StatusOK, reviewReply(*review, resp)
	}
	if obj == nil {
		return http.StatusOK, reviewReply(*review, resp)
	}
	ops, warnings, err := s.patch(obj)
	if err != nil {
		s.metrics.errors.WithLabelValues("mutate", "engine").Inc()
		s.log.Warn("conversion failed, allowing unchanged", "uid", string(req.UID),
			"kind", req.Kind.Kind, "namespace", req.Namespace, "name", req.Name, "error", err.Error())
		resp.Warnings = []string{"nativize: object not converted: " + err.Error()}
		return http.StatusOK, reviewReply(*review, resp)
	}
	resp.Warnings = prefixed(warnings)
	if len(ops) > 0 {
		patch, err := json.Marshal(ops)
		if err != nil {
			s.metrics.errors.WithLabelValues("mutate", "engine").Inc()
			resp.Warnings = append(resp.Warnings, "nativize: object not converted: encoding the patch: "+err.Error())
			return http.StatusOK, reviewReply(*review, resp)
		}
		pt := admissionv1.PatchTypeJSONPatch
		resp.Patch, resp.PatchType = patch, &pt
		dryRun := req.DryRun != nil && *req.DryRun
		if !dryRun {
			s.metrics.patches.WithLabelValues("mutate").Inc()
			s.metrics.patchOps.WithLabelValues("mutate").Add(float64(len(ops)))
		}
		s.log.Info("converted", "uid", string(req.UID), "kind", req.Kind.Kind, "namespace", req.Namespace,
			"name", objectName(req, obj), "operations", len(ops), "dry_run", dryRun)
	}
	return http.StatusOK, reviewReply(*review, resp)
}

// validate answers POST /validate: error findings deny, warning findings
// become AdmissionReview warnings.
func (s *Server) validate(ctx context.Context, body []byte) (int, any) {
	review, err := decodeReview(body)
	if err != nil {
		s.metrics.errors.WithLabelValues("validate", "bad_request").Inc()
		return http.StatusBadRequest, errorReply{Error: err.Error()}
	}
	req := review.Request
	resp := &admissionv1.AdmissionResponse{Allowed: true}
	obj, err := admissionObject(req)
	if err != nil {
		s.metrics.errors.WithLabelValues("validate", "bad_object").Inc()
		resp.Warnings = []string{"nativize: object not checked: " + err.Error()}
		return http.StatusOK, reviewReply(*review, resp)
	}
	if obj == nil {
		return http.StatusOK, reviewReply(*review, resp)
	}
	findings, err := s.check(obj)
	if err != nil {
		s.metrics.errors.WithLabelValues("validate", "engine").Inc()
		s.log.Warn("check failed, allowing", "uid", string(req.UID), "error", err.Error())
		resp.Warnings = []string{"nativize: object not checked: " + err.Error()}
		return http.StatusOK, reviewReply(*review, resp)
	}
	var denials []string
	for _, f := range findings {
		switch f.Severity {
		case validate.SeverityError:
			denials = append(denials, findingText(f))
		case validate.SeverityWarning:
			resp.Warnings = append(resp.Warnings, findingText(f))
		}
	}
	if len(denials) > 0 {
		resp.Allowed = false
		resp.Result = &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusForbidden,
			Reason:  metav1.StatusReasonForbidden,
			Message: "nativize: " + strings.Join(denials, "; "),
		}
		s.log.Info("denied", "uid", string(req.UID), "kind", req.Kind.Kind, "namespace", req.Namespace,
			"name", objectName(req, obj), "findings", len(denials))
	}
	return http.StatusOK, reviewReply(*review, resp)
}

// findingText is one finding as a line a kubectl user reads. The message
// already starts with the check id and the object, and names the container
// (docs/CHECKS.md), so it is not prefixed again.
func findingText(f validate.Finding) string {
	return f.Message
}

func prefixed(warnings []string) []string {
	out := make([]string, 0, len(warnings))
	for _, w := range warnings {
		out = append(out, "nativize: "+w)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// objectName is the request's name, or the object's generateName for a
// create that has none yet.
func objectName(req *admissionv1.AdmissionRequest, obj map[string]any) string {
	if req.Name != "" {
		return req.Name
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		if g, ok := md["generateName"].(string); ok {
			return g + "*"
		}
	}
	return ""
}
