package nativize.lib.annotations_test

import data.nativize.lib.annotations

ps(pod_ann, own_ann, labels) := {
	"meta": {"annotations": pod_ann, "labels": labels},
	"workload": {"metadata": {"annotations": own_ann}},
}

test_value_precedence if {
	annotations.value(ps({"k": "pod"}, {"k": "own"}, {}), "k") == "pod"
	annotations.value(ps({}, {"k": "own"}, {}), "k") == "own"
	annotations.value(ps({"k": 1}, {"k": "own"}, {}), "k") == "own"
	not annotations.value(ps({}, {}, {}), "k")
}

test_names if {
	annotations.names(ps({"k": " a, b ,,c "}, {}, {}), "k") == ["a", "b", "c"]
	annotations.names(ps({}, {}, {}), "k") == []
}

test_is_false if {
	every v in ["false", " FALSE ", "False"] {
		annotations.is_false(v)
	}
	every v in ["true", "no", "0"] {
		not annotations.is_false(v)
	}
}

test_opted_out if {
	every key in ["nativize.dev/convert", "sidecar.istio.io/nativeSidecar", "sidecar.istio.io/inject", "config.linkerd.io/proxy-enable-native-sidecar", "config.beta.linkerd.io/proxy-enable-native-sidecar", "config.alpha.linkerd.io/proxy-enable-native-sidecar"] {
		annotations.opted_out(ps({key: "false"}, {}, {}))
		annotations.opted_out(ps({}, {key: "false"}, {}))
	}
	annotations.opted_out(ps({}, {}, {"sidecar.istio.io/inject": "false"}))
	not annotations.opted_out(ps({"nativize.dev/convert": "true"}, {}, {"sidecar.istio.io/inject": "true"}))
	not annotations.opted_out(ps({}, {}, {"nativize.dev/convert": "false"}))
}

test_linkerd_native_precedence if {
	stable := "config.linkerd.io/proxy-enable-native-sidecar"
	beta := "config.beta.linkerd.io/proxy-enable-native-sidecar"
	alpha := "config.alpha.linkerd.io/proxy-enable-native-sidecar"
	not annotations.opted_out(ps({stable: "true", alpha: "false"}, {}, {}))
	not annotations.opted_out(ps({beta: "true", alpha: "false"}, {}, {}))
	not annotations.opted_out(ps({stable: "maybe", beta: "false"}, {}, {}))
	annotations.opted_out(ps({beta: "0", alpha: "true"}, {}, {}))
	annotations.opted_out(ps({alpha: "F"}, {}, {}))
	not annotations.opted_out(ps({alpha: "no"}, {}, {}))
}

# consul-k8s reads its switch with strconv.ParseBool: only its false values,
# untrimmed, opt out (mutate.TestConvert "consul opt-out" cases).
test_consul_opt_out if {
	key := "consul.hashicorp.com/enable-consul-dataplane-as-sidecar"
	every v in ["0", "f", "F", "false", "FALSE", "False"] {
		annotations.opted_out(ps({key: v}, {}, {}))
		annotations.opted_out(ps({}, {key: v}, {}))
	}
	every v in ["true", "1", " false", "false ", "fAlse", "no", ""] {
		not annotations.opted_out(ps({key: v}, {}, {}))
	}
}
