//go:build tools

// Package regal pins the Rego linter Regal for `make lint`. It is its own
// module because the module proxy serves Regal only at exact versions (its
// version list is refused, which `go install …@version` needs), and so its
// dependencies never enter the main module.
package regal

import _ "github.com/open-policy-agent/regal"
