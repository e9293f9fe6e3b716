// Package policies embeds the nativize Rego policies (lib, mutate, validate,
// conftest) so Go code can compile them; see pkg/regoengine.
package policies

import "embed"

// FS holds every .rego file under policies/, tests included.
//
//go:embed lib/*.rego mutate/*.rego validate/*.rego conftest/*.rego
var FS embed.FS
