package gatekeeper

// ns005CEL and ns006CEL are the K8sNativeValidation sources of the checks CEL
// can express.
var ns005CEL, ns006CEL omap
