package nativize.lib.istio_test

import data.nativize.lib.annotations
import data.nativize.lib.istio

_status := `{"initContainers":["istio-init"],"containers":["istio-proxy"]}`

# ps is a pod spec descriptor: pod template annotations, and for a CronJob
# (jt != null) its spec.jobTemplate.metadata annotations.
ps(pt, jt) := {
	"meta": {"annotations": pt},
	"workload": {"metadata": {}, "spec": {"jobTemplate": {"metadata": {"annotations": jt}}}},
	"extra_rel": [["spec", "jobTemplate", "metadata"]],
} if jt != null

else := {"meta": {"annotations": pt}, "workload": {"metadata": {}}, "extra_rel": []}

_t := "inject.istio.io/templates"

_s := "sidecar.istio.io/status"

test_keeps_classic if {
	not istio.keeps_classic(ps({_s: _status}, null))
	istio.keeps_classic(ps({_s: _status, _t: "gateway"}, null))
	istio.keeps_classic(ps({_t: " grpc-agent "}, null))
	istio.keeps_classic(ps({_t: ""}, null))
	istio.keeps_classic(ps({_t: "Sidecar"}, null))
	not istio.keeps_classic(ps({_t: "spire, sidecar"}, null))
	not istio.keeps_classic(ps({_t: "sidecar,sidecar"}, null))
	not istio.keeps_classic(ps({_t: 1}, null))

	# CronJob: kube-inject read the metadata that carries the status.
	istio.keeps_classic(ps({}, {_s: _status, _t: "gateway"}))
	not istio.keeps_classic(ps({_t: "gateway"}, {_s: _status}))
	istio.keeps_classic(ps({_t: "gateway"}, {}))
	istio.keeps_classic(ps({_s: _status, _t: "gateway"}, {_t: "sidecar"}))

	# such a pod spec is left alone, as an opted-out one is
	annotations.opted_out(ps({_s: _status, _t: "gateway"}, null))
	not annotations.opted_out(ps({_s: _status, _t: "sidecar"}, null))
}

test_port if {
	p := "status.sidecar.istio.io/port"
	istio.port(ps({p: "15030"}, null)) == "15030"
	istio.port(ps({_s: _status, p: "15030"}, null)) == "15030"
	istio.port(ps({_s: _status, p: ""}, null)) == "15020"
	istio.port(ps({p: "15030"}, {_s: _status})) == "15020"
	istio.port(ps({p: "15030"}, {_s: _status, p: "15031"})) == "15031"
	istio.port(ps({}, {p: "15031"})) == "15031"
	istio.port(ps({}, null)) == "15020"
}

# The cases of mutate.TestRewriteIstioOverrides: [in, want], want "" = kept.
_overrides_cases := [
	[
		`{"containers":[{"name":"istio-proxy","resources":{"requests":{"cpu":"200m"}}}]}`,
		`{"initContainers":[{"name":"istio-proxy","resources":{"requests":{"cpu":"200m"}}}]}`,
	],
	[
		`{"containers":[{"name":"istio-proxy","image":"auto","lifecycle":{"preStop":{"exec":{"command":["sleep","10"]}}}}]}`,
		`{"initContainers":[{"name":"istio-proxy","image":"auto","lifecycle":{"preStop":{"exec":{"command":["sleep","10"]}}}}]}`,
	],
	[
		`{"containers":[{"name":"traffic","image":"t"},{"name":"istio-proxy","image":"p"}],"initContainers":[{"name":"istio-init","image":"i"}]}`,
		`{"containers":[{"name":"traffic","image":"t"}],"initContainers":[{"name":"istio-init","image":"i"},{"name":"istio-proxy","image":"p"}]}`,
	],
	[
		`{"initContainers":[{"name":"istio-init"}],"containers":[{"name":"a"},{"name":"istio-proxy"}]}`,
		`{"containers":[{"name":"a"}],"initContainers":[{"name":"istio-init"},{"name":"istio-proxy"}]}`,
	],
	[
		` { "containers" : [ {"name": "istio-proxy", "x": [1, 2]} ] } `,
		`{"initContainers":[{"name": "istio-proxy", "x": [1, 2]}]}`,
	],
	[
		`{"containers":[{"name":"istio-proxy","a":1}],"initContainers":[{"name":"istio-proxy","a":2}]}`,
		`{"initContainers":[{"name":"istio-proxy","a":2}]}`,
	],
	[`{"containers":[{"name":"app","cmd":"{\"containers\":[{\"name\":\"x\"}]}"},{"name":"istio-proxy","p":[{"q":"}"}]}]}`, `{"containers":[{"name":"app","cmd":"{\"containers\":[{\"name\":\"x\"}]}"}],"initContainers":[{"name":"istio-proxy","p":[{"q":"}"}]}]}`],
	[`{"containers":[{"name":"traffic"}]}`, ""],
	[`{"initContainers":[{"name":"istio-proxy"}]}`, ""],
	[`{"containers":[{"name":"istio-proxy"}],"volumes":[]}`, ""],
	[`{"containers":[{"name":"istio-proxy"}],"containers":[{"name":"istio-proxy"}]}`, ""],
	[`{"containers":[{"name":"istio-proxy"},"x"]}`, ""],
	[`{"containers":{"name":"istio-proxy"}}`, ""],
	[`{"containers":[{"name":"istio-proxy"}]}x`, ""],
	[`containers: [istio-proxy]`, ""],
]

test_overrides_string if {
	every c in _overrides_cases {
		_overrides_result(c[0]) == c[1]
	}
}

_overrides_result(raw) := v if {
	v := istio.overrides_string(raw)
} else := ""

# _dps is a pod spec descriptor with pod annotations pt and init containers inits.
_dps(pt, inits) := {"meta": {"annotations": pt}, "workload": {"metadata": {}}, "extra_rel": [], "spec": {"initContainers": inits}}

_init_d(name, d) := {"name": name, "args": ["istio-iptables", "-p", "15001", "-d", d, "-o", "15025"]}

# The cases of mutate.TestIstioStatusPort (tests/istio F6).
test_port_from_excluded_inbound_ports if {
	e := "traffic.sidecar.istio.io/excludeInboundPorts"
	istio.port(_dps({_s: _status}, [_init_d("istio-init", "15090,15021,15020")])) == "15020"
	istio.port(_dps({_s: _status}, [_init_d("istio-init", "15090,15021,15025")])) == "15025"
	istio.port(_dps({_s: _status}, [_init_d("istio-validation", "15090,15021,15025")])) == "15025"
	istio.port(_dps({_s: _status, "status.sidecar.istio.io/port": "15030"}, [_init_d("istio-init", "15090,15021,15025")])) == "15030"
	istio.port(_dps({_s: _status, e: "15020, 8080"}, [_init_d("istio-init", "15090,15021,15020,8080,15025")])) == "15025"
	istio.port(_dps({_s: _status, e: "8080,15025"}, [_init_d("istio-validation", "15090,15021,8080,15025")])) == "15025"
	istio.port(_dps({_s: _status}, [_init_d("istio-init", "15090,15021,15020,8080")])) == "15020"
	istio.port(_dps({_s: _status}, [_init_d("istio-init", "15090,15021,8080,15025")])) == "15025"
	istio.port(_dps({_s: _status}, [_init_d("istio-init", "15090,15021")])) == "15020"
	istio.port(_dps({_s: _status}, [_init_d("istio-init", "8080,15025")])) == "15020"
	istio.port(_dps({_s: _status}, [_init_d("istio-init", "15090,15021,http")])) == "15020"
	istio.port(_dps({_s: _status}, [{"name": "istio-init", "args": ["istio-iptables", "-d"]}])) == "15020"
	istio.port(_dps({_s: _status}, [{"name": "istio-init", "args": "-d 15090,15021,15025"}])) == "15020"
	istio.port(_dps({_s: _status}, [_init_d("setup", "15090,15021,15025")])) == "15020"
	istio.port(_dps({_s: _status}, "not a list")) == "15020"
	istio.port(_dps({_s: _status}, [])) == "15020"
}

_wait := {"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}}

_wait_arg := {"postStart": {"exec": {"command": ["pilot-agent", "wait", "--timeoutSeconds=60"]}}}

_sleep := {"preStop": {"exec": {"command": ["sleep", "10"]}}}

_drain := {"preStop": {"exec": {"command": ["pilot-agent", "request", "--debug-port=15020", "POST", "drain"]}}}

_over(lc) := {_s: _status, "proxy.istio.io/overrides": json.marshal({"containers": [{"name": "istio-proxy", "lifecycle": lc}]})}

_proxy(lc) := {"name": "istio-proxy", "lifecycle": lc}

# The cases of mutate.TestIstioNativeLifecycle (tests/istio F2).
test_native_lifecycle if {
	istio.native_lifecycle({"name": "istio-proxy"}, "15020", _dps({_s: _status}, [])) == _drain
	istio.native_lifecycle(_proxy(_wait), "15020", _dps({_s: _status}, [])) == _drain
	not istio.native_lifecycle(_proxy(_sleep), "15020", _dps({_s: _status}, []))

	# the user's override: merged as Istio's strategic merge does
	istio.native_lifecycle(_proxy(_wait_arg), "15020", _dps(_over(_wait_arg), [])) == object.union(_wait_arg, _drain)
	istio.native_lifecycle(_proxy(object.union(_wait, _sleep)), "15020", _dps(_over(_sleep), [])) == _sleep
	http := {"preStop": {"httpGet": {"path": "/quit", "port": "http"}}}
	istio.native_lifecycle(_proxy(object.union(_wait, http)), "15020", _dps(_over(http), [])) == http

	# already what native mode gives: no edit
	not istio.native_lifecycle(_proxy(_sleep), "15020", _dps(_over(_sleep), []))
	not istio.native_lifecycle(_proxy(http), "15020", _dps(_over(http), []))

	# an install-wide lifecycle merged with the override is kept
	own := object.union({"postStart": {"exec": {"command": ["echo", "hi"]}}}, _sleep)
	not istio.native_lifecycle(_proxy(own), "15020", _dps(_over(_sleep), []))

	# an override without lifecycle, or not JSON: the rule without one
	bare := {_s: _status, "proxy.istio.io/overrides": `{"containers":[{"name":"istio-proxy"}]}`}
	istio.native_lifecycle(_proxy(_wait), "15020", _dps(bare, [])) == _drain
	junk := {_s: _status, "proxy.istio.io/overrides": concat("", [json.marshal({"containers": [_proxy(_sleep)]}), " x"])}
	not istio.native_lifecycle(_proxy(object.union(_wait, _sleep)), "15020", _dps(junk, []))
	arr := {_s: _status, "proxy.istio.io/overrides": "[]"}
	istio.native_lifecycle(_proxy(_wait), "15020", _dps(arr, [])) == _drain
}
