package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"

	"github.com/nativize/nativize/pkg/engine"
	"github.com/nativize/nativize/pkg/validate"
)

// externalDataAPIVersions are the ProviderRequest versions Gatekeeper sends.
var externalDataAPIVersions = map[string]bool{
	"externaldata.gatekeeper.sh/v1beta1":  true,
	"externaldata.gatekeeper.sh/v1alpha1": true,
}

// ItemValue is the value of one external data item: what the checks found in
// the object and the JSON patch that converts it.
type ItemValue struct {
	// Findings are the check results, in the checker's order.
	Findings []validate.Finding `json:"findings"`
	// Patch is the RFC 6902 conversion patch; empty when nothing changes.
	Patch []any `json:"patch"`
}

// providerReply builds a ProviderResponse envelope around resp.
func providerReply(resp externaldata.Response) *externaldata.ProviderResponse {
	return &externaldata.ProviderResponse{
		APIVersion: "externaldata.gatekeeper.sh/v1beta1",
		Kind:       externaldata.ProviderResponseKind,
		Response:   resp,
	}
}

// systemError is a ProviderResponse that fails the whole request.
func systemError(msg string) any {
	return providerReply(externaldata.Response{Idempotent: true, SystemError: msg})
}

// externalData answers POST /externaldata, Gatekeeper's external data
// protocol: one item per key, each key a JSON-encoded Kubernetes object.
func (s *Server) externalData(ctx context.Context, body []byte) (int, any) {
	var req providerRequestBody
	if err := strictJSON(body, &req); err != nil {
		s.metrics.errors.WithLabelValues("externaldata", "bad_request").Inc()
		return http.StatusBadRequest, systemError(err.Error())
	}
	if !externalDataAPIVersions[req.APIVersion] || req.Kind != string(externaldata.ProviderRequestKind) {
		s.metrics.errors.WithLabelValues("externaldata", "bad_request").Inc()
		return http.StatusBadRequest, systemError(fmt.Sprintf(
			"%v: got apiVersion %q kind %q, want externaldata.gatekeeper.sh/v1beta1 ProviderRequest",
			ErrWrongKind, req.APIVersion, req.Kind))
	}
	if n := len(req.Request.Keys); n > s.opts.MaxKeys {
		s.metrics.errors.WithLabelValues("externaldata", "too_many_keys").Inc()
		return http.StatusOK, systemError(fmt.Sprintf("%d keys exceed the limit of %d per request", n, s.opts.MaxKeys))
	}
	resp := externaldata.Response{Idempotent: true, Items: make([]externaldata.Item, 0, len(req.Request.Keys))}
	for i, raw := range req.Request.Keys {
		at := fmt.Sprintf("/request/keys/%d", i)
		var key string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &key) != nil {
			// Gatekeeper sends strings; anything else is answered per item,
			// so that the other keys are still answered.
			s.metrics.errors.WithLabelValues("externaldata", "item").Inc()
			var v any
			_ = json.Unmarshal(raw, &v)
			resp.Items = append(resp.Items, externaldata.Item{Key: string(raw),
				Error: fmt.Sprintf("%s: %v: key is JSON %s, want a string holding a JSON-encoded object", at, ErrNotObject, jsonType(v))})
			continue
		}
		resp.Items = append(resp.Items, s.itemAt(key, at))
	}
	return http.StatusOK, providerReply(resp)
}

// providerRequestBody is Gatekeeper's ProviderRequest with the keys kept raw,
// so that a key that is not a string is an item error, not a refusal.
type providerRequestBody struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Request    struct {
		Keys []json.RawMessage `json:"keys"`
	} `json:"request"`
}

// ExternalData answers a list of external data keys in process: the same
// reply /externaldata sends, for callers that evaluate templates calling
// external_data without a network hop.
func (s *Server) ExternalData(ctx context.Context, keys []string) externaldata.Response {
	resp := externaldata.Response{Idempotent: true, Items: make([]externaldata.Item, 0, len(keys))}
	for i, key := range keys {
		resp.Items = append(resp.Items, s.itemAt(key, fmt.Sprintf("/request/keys/%d", i)))
	}
	return resp
}

// inProcessMetrics are the metrics of Items' servers, never served.
var inProcessMetrics = sync.OnceValue(newMetrics)

// Items answers external data keys in process, without a server: the items
// /externaldata sends for the same keys, in order. `nativize check --engine
// gatekeeper` answers templates that call external_data with it.
func Items(e engine.Engine, keys []string) []externaldata.Item {
	s := &Server{opts: Options{Engine: e}, log: slog.New(slog.DiscardHandler), metrics: inProcessMetrics()}
	return s.ExternalData(context.Background(), keys).Items
}

// itemAt answers the key at JSON pointer at of the request; a key that is
// not a Kubernetes object is an item error naming the pointer of the key
// and, inside the key's own JSON, the pointer of the problem.
func (s *Server) itemAt(key, at string) externaldata.Item {
	obj, err := decodeObject([]byte(key))
	if err != nil {
		s.metrics.errors.WithLabelValues("externaldata", "item").Inc()
		msg := err.Error()
		if at != "" {
			msg = at + ": " + strings.TrimPrefix(msg, "/: ")
		}
		return externaldata.Item{Key: key, Error: msg}
	}
	findings, err := s.check(obj)
	if err != nil {
		s.metrics.errors.WithLabelValues("externaldata", "engine").Inc()
		return externaldata.Item{Key: key, Error: err.Error()}
	}
	ops, _, err := s.patch(obj)
	if err != nil {
		s.metrics.errors.WithLabelValues("externaldata", "engine").Inc()
		return externaldata.Item{Key: key, Error: err.Error()}
	}
	if findings == nil {
		findings = []validate.Finding{}
	}
	if ops == nil {
		ops = []any{}
	}
	if len(ops) > 0 {
		s.metrics.patches.WithLabelValues("externaldata").Inc()
		s.metrics.patchOps.WithLabelValues("externaldata").Add(float64(len(ops)))
	}
	return externaldata.Item{Key: key, Value: ItemValue{Findings: findings, Patch: ops}}
}
