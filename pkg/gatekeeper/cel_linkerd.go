package gatekeeper

import (
	"fmt"
	"strconv"

	"github.com/nativize/nativize/pkg/mutate"
)

// celHasAnnotation is the CEL test that annotation k (a CEL string
// expression) is a string in one of the places celAnnotation reads.
func celHasAnnotation(k string) string {
	return fmt.Sprintf(`((%[1]s in variables.metaAnn && type(variables.metaAnn[%[1]s]) == string) ||
  (%[1]s in variables.extraAnn && type(variables.extraAnn[%[1]s]) == string) ||
  (%[1]s in variables.ownAnn && type(variables.ownAnn[%[1]s]) == string))`, k)
}

// celLinkerdOptedOut is the CEL of the Linkerd opt-out (docs/RULES.md
// "Annotations"): the first of mutate.LinkerdNativeSidecarKeys present
// decides, and opts out when it is "false", "0" or "f", lower-cased and
// trimmed. Reading a lower-precedence key past a present higher one would
// disagree with Linkerd's injector (pkg/inject ApplyAnnotationOverrides).
func celLinkerdOptedOut() string {
	keys := mutate.LinkerdNativeSidecarKeys
	isFalse := func(k string) string {
		return `[` + celAnnotation(strconv.Quote(k)) + `.lowerAscii().trim()].exists(v, v == "false" || v == "0" || v == "f")`
	}
	expr := isFalse(keys[len(keys)-1])
	for i := len(keys) - 2; i >= 0; i-- {
		expr = `(` + celHasAnnotation(strconv.Quote(keys[i])) + ` ?
  ` + isFalse(keys[i]) + ` :
  ` + expr + `)`
	}
	return expr
}
