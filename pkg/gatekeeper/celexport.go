package gatekeeper

// CELCheck is the CEL of one check as its ConstraintTemplate's
// K8sNativeValidation source carries it, for generators of other policy
// forms (pkg/admissionpolicy writes it as a ValidatingAdmissionPolicy).
type CELCheck struct {
	// ID is the check id (NS001); Name its PascalCase name; Summary one line.
	ID, Name, Summary string
	// Folder is the check's library folder, e.g. ns001-classic-sidecar.
	Folder string
	// Variables are the named expressions, in evaluation order. They read
	// Gatekeeper's variables.params (the constraint's parameters, null when
	// none) and object.
	Variables []CELExpression
	// Validations are the checks' expressions and message expressions.
	Validations []CELValidation
}

// CELExpression is one named CEL variable.
type CELExpression struct{ Name, Expression string }

// CELValidation is one CEL validation: Expression false means a finding,
// whose message MessageExpression builds.
type CELValidation struct{ Expression, MessageExpression string }

// CELChecks returns the checks that have a CEL source, in check id order,
// with the exact text written into library/*/template.yaml.
func CELChecks() []CELCheck {
	var out []CELCheck
	for _, c := range checks() {
		if c.cel == nil {
			continue
		}
		cc := CELCheck{ID: c.rule.ID, Name: c.rule.Name, Summary: c.rule.Summary, Folder: c.folder()}
		for _, v := range lookup(c.cel, "variables").([]any) {
			m := v.(omap)
			cc.Variables = append(cc.Variables, CELExpression{Name: lookup(m, "name").(string), Expression: lookup(m, "expression").(string)})
		}
		for _, v := range lookup(c.cel, "validations").([]any) {
			m := v.(omap)
			cc.Validations = append(cc.Validations, CELValidation{Expression: lookup(m, "expression").(string),
				MessageExpression: lookup(m, "messageExpression").(string)})
		}
		out = append(out, cc)
	}
	return out
}

// lookup is the value of key k in m, nil when absent.
func lookup(m omap, k string) any {
	for _, e := range m {
		if e.k == k {
			return e.v
		}
	}
	return nil
}
