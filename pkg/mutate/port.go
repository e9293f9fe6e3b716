package mutate

import "encoding/json"

// Port numbers as the meshes' profiles read them from probes, ports,
// annotations and arguments.

// portNumber returns v when it is a whole number in 1..65535 (a named
// port is not one).
func portNumber(v any) (int64, bool) {
	var n int64
	switch t := v.(type) {
	case int:
		n = int64(t)
	case int64:
		n = t
	case float64:
		if t != float64(int64(t)) {
			return 0, false
		}
		n = int64(t)
	case json.Number:
		i, err := t.Int64()
		if err != nil {
			return 0, false
		}
		n = i
	default:
		return 0, false
	}
	return n, n >= 1 && n <= 65535
}

// portString parses 1 to 5 ASCII digits as a port in 1..65535.
func portString(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 5 {
		return 0, false
	}
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	return n, n >= 1 && n <= 65535
}
