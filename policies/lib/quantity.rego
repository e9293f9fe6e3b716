# METADATA
# description: |
#   Kubernetes quantities as integer milli-units, effective pod requests and
#   their formatting (docs/CHECKS.md "NS008 arithmetic"). Exact integer
#   arithmetic only: OPA numbers are arbitrary precision.
package nativize.lib.quantity

_pattern := `^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][0-9]+)?$`

# Milli-units per unit of each suffix.
_scale := {
	"": 1000,
	"m": 1,
	"k": 1000000,
	"M": 1000000000,
	"G": 1000000000000,
	"T": 1000000000000000,
	"P": 1000000000000000000,
	"E": 1000000000000000000000,
	"Ki": 1024000,
	"Mi": 1048576000,
	"Gi": 1073741824000,
	"Ti": 1099511627776000,
	"Pi": 1125899906842624000,
	"Ei": 1152921504606846976000,
}

_zeros := "000000000000000000000000000000000000000000000000000000000000"

# pow10 returns 10^n for 0 <= n <= 60.
pow10(n) := to_number(concat("", ["1", substring(_zeros, 0, n)]))

# milli converts a quantity (string or number) to integer milli-units,
# rounded up; anything else counts as 0.
milli(v) := _parse(v) if is_string(v)

else := _parse(format_int(v, 10)) if {
	is_number(v)
	v == floor(v)
} else := _parse(sprintf("%v", [v])) if is_number(v)

else := 0

_parse(s) := ceil_shift(digits * scale, count(frac)) if {
	[m] := regex.find_all_string_submatch_n(_pattern, s, 1)
	parts := split(m[1], ".")
	frac := _frac(parts)
	digits := to_number(concat("", ["0", parts[0], frac]))
	scale := _suffix_scale(m[3])
} else := 0

_frac(parts) := parts[1] if count(parts) > 1

else := ""

_suffix_scale(s) := _scale[s]

_suffix_scale(s) := 1000 * pow10(to_number(substring(s, 1, -1))) if regex.match(`^[eE]`, s)

# ceil_shift returns ceil(n / 10^k) for a non-negative integer n, on its
# decimal digits: OPA's division is not exact beyond about 19 digits.
ceil_shift(n, k) := q + _carry(r) if {
	s := format_int(n, 10)
	count(s) > k
	q := to_number(substring(s, 0, count(s) - k))
	r := substring(s, count(s) - k, k)
} else := _carry(format_int(n, 10))

# _carry is 1 when a string of digits is not all zeros.
_carry(digits) := 1 if regex.match(`[1-9]`, digits)

else := 0

# request is a container's request for resource r in milli-units: requests,
# else limits, else 0.
request(c, r) := milli(c.resources.requests[r]) if {
	is_object(c.resources.requests)
	r in object.keys(c.resources.requests)
} else := milli(c.resources.limits[r]) if {
	is_object(c.resources.limits)
	r in object.keys(c.resources.limits)
} else := 0

# names returns every requests and limits key of the given containers.
names(cs) := {k |
	some c in cs
	some field in ["requests", "limits"]
	is_object(c.resources[field])
	some k, _ in c.resources[field]
}

# effective is the pod's effective request for r: the larger of the biggest
# init step (native sidecars started before it plus the init container) and
# the steady state (all containers plus all native sidecars).
effective(inits, conts, r) := max(array.concat(
	[v | some i, c in inits; v := _sidecars(inits, i, r) + request(c, r)],
	[_sidecars(inits, count(inits), r) + sum([request(c, r) | some c in conts])],
))

_sidecars(inits, n, r) := sum([request(c, r) | some i, c in inits; i < n; c.restartPolicy == "Always"])

_binary := [["Ti", 1099511627776], ["Gi", 1073741824], ["Mi", 1048576], ["Ki", 1024]]

# format writes milli-units: cpu as millicores, any other resource as an
# integer (rounded up) with the largest binary suffix that divides it.
format(r, m) := sprintf("%sm", [format_int(m, 10)]) if r == "cpu"

else := _format_int(ceil_shift(m, 3))

_format_int(0) := "0"

_format_int(n) := s if {
	n != 0
	units := [u | some u in _binary; n % u[1] == 0]
	s := _suffixed(n, units)
}

_suffixed(n, units) := concat("", [format_int(n / units[0][1], 10), units[0][0]]) if count(units) > 0

else := format_int(n, 10)
