# METADATA
# description: Catalog lookup by name and image glob (docs/RULES.md "Classification").
package nativize.lib.classify

import data.nativize.lib.params

# entries are the catalog's container entries, in catalog order.
entries := object.get(params.catalog, "containers", [])

# glob_regex turns an image glob ("*" any run, "?" one character, the rest
# literal, whole string) into a regular expression.
glob_regex(g) := concat("", ["^", body, "$"]) if {
	quoted := regex.replace(g, `[.+()|\[\]{}^$\\]`, `\$0`)
	body := replace(replace(quoted, "*", ".*"), "?", ".")
}

# applying returns the entries that apply to a pod spec whose init containers
# have the given names: no requiresSetup, or one of its names is present.
applying(init_names) := [e |
	some e in entries
	_applies(e, init_names)
]

_applies(e, _) if count(object.get(e, "requiresSetup", [])) == 0

_applies(e, init_names) if {
	some n in e.requiresSetup
	n in init_names
}

# entry returns the first applying entry named like container c, else the
# first whose image glob matches c's image, else null.
entry(es, c) := es[i] if {
	c.name in _names
	[i, _] := [[j, 0] | some j, e in es; e.name == c.name][0]
} else := es[i] if {
	is_string(c.image)
	c.image != ""
	[i, _] := [[j, 0] | some j, e in es; some g in object.get(e, "images", []); regex.match(glob_regex(g), c.image)][0]
} else := null

_names := {e.name | some e in entries}

# name returns a container's name, or "" when it has none.
name(c) := c.name if is_string(c.name)

else := ""
