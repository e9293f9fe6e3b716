package nativize.lib.classify_test

import data.nativize.fixtures_test as fx
import data.nativize.lib.classify

entries := classify.entries

role(c, init_names) := classify.entry(classify.applying(init_names), c).role

test_by_name if {
	role(fx.container("istio-proxy"), []) == "proxy"
	role(fx.container("istio-init"), []) == "setup"
	role(fx.container("daprd"), []) == "sidecar"
	classify.entry(entries, fx.container("app")) == null
	classify.entry(entries, {"image": "x"}) == null
}

test_by_image_glob if {
	role({"name": "sql", "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8"}, []) == "sidecar"
	role({"name": "sql", "image": "gcr.io/cloudsql-docker/gce-proxy:1.33"}, []) == "sidecar"
	classify.entry(entries, {"name": "sql", "image": "cloud-sql-proxy:2"}) == null
	classify.entry(entries, {"name": "sql", "image": ""}) == null
	classify.entry(entries, {"name": "sql", "image": 7}) == null
}

test_requires_setup if {
	classify.entry(classify.applying(["istio-init"]), fx.container("envoy")) == null
	role(fx.container("envoy"), ["osm-init"]) == "proxy"
	role(fx.container("envoy"), ["proxyinit"]) == "proxy"
}

test_glob_regex if {
	cases := [
		["*/x*", "a/b/x:1", true],
		["*/x*", "x:1", false],
		["a?c", "abc", true],
		["a?c", "ac", false],
		["a.c", "abc", false],
		["a.c", "a.c", true],
		["x[1]+(y)", "x[1]+(y)", true],
		["^$|\\", "^$|\\", true],
	]
	every c in cases {
		regex.match(classify.glob_regex(c[0]), c[1]) == c[2]
	}
}

test_catalog_override if {
	own := {"containers": [{"name": "proxy-x", "role": "proxy", "images": ["*/px:*"]}]}
	inp := fx.review(fx.job, {"catalog": own})
	classify.entry(classify.entries, {"name": "a", "image": "r/px:1"}).name == "proxy-x" with input as inp
	classify.entry(classify.entries, fx.container("istio-proxy")) == null with input as inp
}
