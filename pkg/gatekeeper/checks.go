package gatekeeper

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/nativize/nativize/pkg/validate"
)

// libraryCheck is one folder of library/: a check, its shipped constraint
// and its sample cases.
type libraryCheck struct {
	rule validate.Rule
	// action is the enforcementAction of the shipped constraint.
	action string
	// cel is the K8sNativeValidation source, for the checks CEL can express.
	cel omap
	// cases are the samples (samples/<name>/ holds the two example objects).
	cases []sampleCase
	// invalid are constraints the template's parameter schema must reject.
	invalid []invalidCase
}

// invalidCase is a samples/<name>/constraint.yaml with bad parameters.
type invalidCase struct {
	name       string
	parameters omap
}

// sampleCase is one samples/<name>/ folder: a constraint with parameters,
// an allowed and a disallowed example object.
type sampleCase struct {
	name       string
	parameters omap
	// violations is how many violations the disallowed example gives.
	violations int
	// message is the literal start of the first disallowed violation.
	message string
}

// folder is the library folder of a check: "ns001-classic-sidecar".
func (c libraryCheck) folder() string { return strings.ToLower(c.rule.ID) + "-" + kebab(c.rule.Name) }

// kind is the Constraint kind of a check: "NativizeClassicSidecar".
func (c libraryCheck) kind() string { return "Nativize" + c.rule.Name }

// messageRegexp anchors a literal message start for a suite assertion.
func (s sampleCase) messageRegexp() string { return "^" + regexp.QuoteMeta(s.message) }

// kebab turns PascalCase into kebab-case.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// checks returns the library folders, in check id order.
func checks() []libraryCheck {
	rules := map[string]validate.Rule{}
	for _, r := range validate.Rules() {
		rules[r.ID] = r
	}
	kube := func(v string) omap { return omap{{"kubeVersion", v}} }
	return []libraryCheck{
		{rule: rules[validate.CheckClassicSidecar], action: "warn", cel: ns001CEL, cases: []sampleCase{
			{name: "job-classic-proxy", violations: 1,
				message: `NS001: Job/migrate: container "istio-proxy" is a classic sidecar; the Job will never complete`},
			{name: "errors-only", parameters: omap{{"minSeverity", "error"}}, violations: 1,
				message: `NS001: CronJob/nightly-report: container "linkerd-proxy" is a classic sidecar; the CronJob will never complete`},
			{name: "custom-catalog", violations: 1, parameters: omap{{"catalog", omap{
				{"containers", []any{omap{{"name", "acme-proxy"}, {"role", "proxy"}}}},
			}}}, message: `NS001: Pod/batch-task: container "acme-proxy" is a classic sidecar; the Pod will never complete`},
		}, invalid: []invalidCase{
			{name: "invalid-min-severity", parameters: omap{{"minSeverity", "fatal"}}},
			{name: "invalid-catalog-role", parameters: omap{{"catalog", omap{
				{"containers", []any{omap{{"name", "acme-proxy"}, {"role", "gateway"}}}},
			}}}},
			{name: "invalid-kube-version-type", parameters: omap{{"kubeVersion", 1.29}}},
		}},
		{rule: rules[validate.CheckInitBeforeProxy], action: "warn", cel: ns002CEL, cases: []sampleCase{
			{name: "init-before-proxy", violations: 1,
				message: `NS002: Deployment/api: init container "migrate" runs before the mesh proxy "istio-proxy"`},
		}},
		{rule: rules[validate.CheckSetupAfterProxy], action: "warn", cel: ns003CEL, cases: []sampleCase{
			{name: "setup-after-proxy", violations: 1,
				message: `NS003: StatefulSet/db: network setup init container "linkerd-init" runs after the mesh proxy "linkerd-proxy"`},
		}},
		{rule: rules[validate.CheckRestartPolicy], action: "warn", cel: ns004CEL, cases: []sampleCase{
			{name: "proxy-without-always", violations: 1,
				message: `NS004: Pod/web: mesh proxy "istio-proxy" is an init container without restartPolicy: Always`},
			{name: "before-1-35", parameters: kube("1.34"), violations: 1,
				message: `NS004: DaemonSet/agent: container "agent" has restartPolicy "Never"; regular containers accept restartPolicy only from Kubernetes 1.35`},
		}},
		{rule: rules[validate.CheckNoStartupProbe], action: "warn", cel: ns005CEL, cases: []sampleCase{
			{name: "sidecar-without-startup-probe", violations: 1,
				message: `NS005: Deployment/web: native sidecar "istio-proxy" has no startupProbe`},
		}},
		{rule: rules[validate.CheckKubeVersion], action: "warn", cel: ns006CEL, cases: []sampleCase{
			{name: "kube-1-27", parameters: kube("1.27"), violations: 1,
				message: `NS006: Deployment/web: native sidecar "istio-proxy" needs Kubernetes 1.28 or later`},
			{name: "kube-1-28", parameters: kube("v1.28.3"), violations: 1,
				message: `NS006: Job/migrate: native sidecar "linkerd-proxy" needs the SidecarContainers feature gate on Kubernetes 1.28`},
		}},
		{rule: rules[validate.CheckObsoleteWorkaround], action: "warn", cel: ns007CEL, cases: []sampleCase{
			{name: "pilot-agent-wait", violations: 1,
				message: `NS007: Deployment/web: native sidecar "istio-proxy" keeps the obsolete postStart "pilot-agent wait" hook`},
			{name: "quitquitquit", violations: 1,
				message: `NS007: Job/migrate: container "migrate" calls /quitquitquit to stop the proxy`},
		}},
		{rule: rules[validate.CheckEffectiveRequests], action: "dryrun", cases: []sampleCase{
			{name: "requests-change", violations: 1,
				message: `NS008: Pod/web: effective pod requests change: cpu 500m → 600m`},
		}},
	}
}
