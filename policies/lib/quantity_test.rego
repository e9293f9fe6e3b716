package nativize.lib.quantity_test

import data.nativize.lib.quantity

test_milli if {
	cases := [
		["100m", 100], ["1.5Gi", 1610612736000], ["0.1", 100], [".5", 500], ["2", 2000],
		["+1", 1000], ["1.", 1000], ["1e3", 1000000], ["2k", 2000000], ["64Mi", 67108864000],
		["0.0001", 1], ["1Ki", 1024000], ["3M", 3000000000], ["1E", 1000000000000000000000],
		[2, 2000], [0.5, 500], ["abc", 0], ["-1", 0], ["1Gb", 0], [true, 0], [null, 0],
	]
	every c in cases {
		quantity.milli(c[0]) == c[1]
	}
}

test_request if {
	quantity.request({"resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}}}, "cpu") == 100
	quantity.request({"resources": {"requests": {"memory": "1Mi"}, "limits": {"cpu": "1"}}}, "cpu") == 1000
	quantity.request({"resources": {"requests": {"cpu": "x"}}}, "cpu") == 0
	quantity.request({}, "cpu") == 0
}

test_names if {
	quantity.names([
		{"resources": {"requests": {"cpu": "1"}, "limits": {"memory": "1"}}},
		{"resources": {"requests": "bad"}},
		{},
	]) == {"cpu", "memory"}
}

test_effective if {
	sidecar := {"restartPolicy": "Always", "resources": {"requests": {"cpu": "100m"}}}
	big_init := {"resources": {"requests": {"cpu": "1"}}}
	app := {"resources": {"requests": {"cpu": "200m"}}}
	quantity.effective([big_init], [app, sidecar], "cpu") == 1000
	quantity.effective([sidecar, big_init], [app], "cpu") == 1100
	quantity.effective([sidecar], [app], "cpu") == 300
	quantity.effective([], [], "cpu") == 0
}

test_format if {
	cases := [
		["cpu", 1500, "1500m"], ["cpu", 0, "0m"], ["memory", 0, "0"], ["memory", 1, "1"],
		["memory", 67108864000, "64Mi"], ["memory", 1610612736000, "1536Mi"], ["memory", 3221225472000, "3Gi"],
		["memory", 1099511627776000, "1Ti"], ["memory", 1024000, "1Ki"], ["memory", 1000000, "1000"],
		["nvidia.com/gpu", 2000, "2"],
	]
	every c in cases {
		quantity.format(c[0], c[1]) == c[2]
	}
}

test_exact_beyond_int64 if {
	quantity.milli("32408.7719Gi") == 34798653853505946
	quantity.milli("8464Ti") == 9306266417496064000
	quantity.ceil_shift(0, 3) == 0
	quantity.ceil_shift(1, 3) == 1
	quantity.ceil_shift(1000, 3) == 1
	quantity.ceil_shift(1001, 3) == 2
}
