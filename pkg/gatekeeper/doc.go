// Package gatekeeper evaluates the Gatekeeper library of nativize (library/:
// ConstraintTemplates and Constraints for the checks NS001–NS008) offline, as
// gator does: frameworks/constraint's client with the Rego driver and
// Gatekeeper's K8sValidationTarget. It maps the violations to the same
// findings the Go and Rego engines give (`nativize check --engine gatekeeper`).
//
// It also generates the library from the Rego policies (Generate, used by
// `make generate-library`).
package gatekeeper
