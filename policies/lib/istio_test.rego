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
