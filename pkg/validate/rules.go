package validate

// Rule describes one check for reports (SARIF rules, JUnit test cases).
type Rule struct {
	// ID is the check id, NS001 … NS008.
	ID string
	// Name is a short PascalCase name (SARIF rule name).
	Name string
	// Summary is the one-line description of the check (README, docs/CHECKS.md).
	Summary string
	// Severity is the most serious severity the check reports.
	Severity Severity
	// Help says how to fix what the check finds.
	Help string
}

// The check ids.
const (
	CheckClassicSidecar     = "NS001"
	CheckInitBeforeProxy    = "NS002"
	CheckSetupAfterProxy    = "NS003"
	CheckRestartPolicy      = "NS004"
	CheckNoStartupProbe     = "NS005"
	CheckKubeVersion        = "NS006"
	CheckObsoleteWorkaround = "NS007"
	CheckEffectiveRequests  = "NS008"
)

var rules = []Rule{
	{CheckClassicSidecar, "ClassicSidecar", "A sidecar is still a classic container in spec.containers.", SeverityError,
		`Run "nativize mutate" to move the sidecar to initContainers with restartPolicy: Always (Kubernetes 1.29+, or 1.28 with the SidecarContainers gate). Opt out with the annotation nativize.dev/convert: "false".`},
	{CheckInitBeforeProxy, "InitContainerBeforeProxy", "An init container that needs traffic runs before the mesh proxy.", SeverityError,
		`Run "nativize mutate" to place the mesh proxy ahead of the init containers that need traffic; name init containers that must run before the sidecars in the annotation nativize.dev/before-sidecars.`},
	{CheckSetupAfterProxy, "NetworkSetupAfterProxy", "A network-setup init container runs after the mesh proxy.", SeverityError,
		`Run "nativize mutate": network setup (iptables or its CNI check) must run before the proxy.`},
	{CheckRestartPolicy, "InvalidRestartPolicy", "Invalid restartPolicy on an init container or a regular container.", SeverityError,
		`Give a mesh proxy in initContainers restartPolicy: Always; elsewhere use Always, OnFailure or Never, and only where the target Kubernetes version accepts it (ContainerRestartRules, 1.35).`},
	{CheckNoStartupProbe, "NativeSidecarWithoutStartupProbe", "A native sidecar has no startupProbe, so the next container starts before it is ready.", SeverityWarning,
		`Add a startupProbe to the native sidecar so that the containers after it start once it is ready.`},
	{CheckKubeVersion, "NativeSidecarKubeVersion", "Native sidecars in manifests for a Kubernetes version below 1.29.", SeverityError,
		`Native sidecars need Kubernetes 1.29 (or 1.28 with the SidecarContainers feature gate); keep classic sidecars for older clusters.`},
	{CheckObsoleteWorkaround, "ObsoleteWorkaround", "An obsolete classic-sidecar workaround is left behind.", SeverityWarning,
		`Remove the hook or wrapper: a native sidecar starts before the next container and stops after the main containers exit.`},
	{CheckEffectiveRequests, "EffectiveRequestsChange", "The conversion changes the pod's effective resource requests.", SeverityInfo,
		`Review the pod's resource requests and quotas: a sidecar moved ahead of init containers adds its requests to theirs.`},
}

// Rules returns every check, in id order.
func Rules() []Rule { return append([]Rule(nil), rules...) }
