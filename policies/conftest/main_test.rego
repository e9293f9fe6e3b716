package main_test

import data.main
import data.nativize.fixtures_test as fx

test_deny_on_classic_job if {
	main.deny == {
		`NS001: Job/nightly-report: container "istio-proxy" is a classic sidecar; the Job will never complete — run "nativize mutate"`,
		`NS002: Job/nightly-report: init container "migrate" runs before the mesh proxy "istio-proxy" and has no network — run "nativize mutate"`,
	} with input as fx.job
}

test_converted_job_passes if {
	out := data.nativize.mutate.result with input as fx.job
	count(main.deny) == 0 with input as out
	main.warn == {`NS005: Job/nightly-report: native sidecar "istio-proxy" has no startupProbe; the next container starts before it is ready`} with input as out
}
