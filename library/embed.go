// Package library embeds the Gatekeeper library of nativize: one folder per
// check NS001–NS008 with its ConstraintTemplate (template.yaml, generated
// from policies/ by `make generate-library`) and the Constraint to deploy
// (constraint.yaml). pkg/gatekeeper evaluates them for `nativize check
// --engine gatekeeper`.
package library

import "embed"

// FS holds every check folder's template.yaml and constraint.yaml.
//
//go:embed ns*/template.yaml ns*/constraint.yaml
var FS embed.FS
