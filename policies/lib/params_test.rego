package nativize.lib.params_test

import data.nativize.fixtures_test as fx
import data.nativize.lib.params

test_raw_object if {
	params.obj == fx.job with input as fx.job
	params.parameters == {} with input as fx.job
	not params.review with input as fx.job
}

test_review_form if {
	params.obj == fx.job with input as fx.review(fx.job, {"kubeVersion": "1.29"})
	params.parameters == {"kubeVersion": "1.29"} with input as fx.review(fx.job, {"kubeVersion": "1.29"})
	params.parameters == {} with input as {"review": {"object": fx.job}}
}

test_catalog_default_and_override if {
	params.catalog == data.nativize.lib.catalog.default_catalog with input as fx.job
	own := {"containers": [{"name": "x", "role": "proxy"}]}
	params.catalog == own with input as fx.review(fx.job, {"catalog": own})
}

test_kube_version if {
	cases := {
		"1.29": [1, 29],
		"v1.30": [1, 30],
		" v1.27.3 ": [1, 27],
		"1.28.x": [1, 28],
		"+1.+26": [1, 26],
	}
	every s, want in cases {
		params.kube_version == want with input as fx.review({}, {"kubeVersion": s})
	}
	every s in ["", "1", "one.two", "1.2.3.4"] {
		not params.kube_version with input as fx.review({}, {"kubeVersion": s})
	}
}

test_kube_below if {
	params.kube_below([1, 28]) with input as fx.review({}, {"kubeVersion": "1.27"})
	not params.kube_below([1, 28]) with input as fx.review({}, {"kubeVersion": "1.28"})
	not params.kube_below([1, 28]) with input as fx.review({}, {})
}
