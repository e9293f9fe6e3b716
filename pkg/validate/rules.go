package validate

// Rule describes one check for reports (SARIF rules, JUnit test cases).
type Rule struct {
	// ID is the check id, NS001 … NS008.
	ID string
	// Name is a short PascalCase name (SARIF rule name).
	Name string
	// Summary is the one-line description from DESIGN.md.
	Summary string
	// Severity is the most serious severity the check reports.
	Severity Severity
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
	{CheckClassicSidecar, "ClassicSidecar", "A sidecar is still a classic container in spec.containers.", SeverityError},
	{CheckInitBeforeProxy, "InitContainerBeforeProxy", "An init container that needs traffic runs before the mesh proxy.", SeverityError},
	{CheckSetupAfterProxy, "NetworkSetupAfterProxy", "A network-setup init container runs after the mesh proxy.", SeverityError},
	{CheckRestartPolicy, "InvalidRestartPolicy", "Invalid restartPolicy on an init container or a regular container.", SeverityError},
	{CheckNoStartupProbe, "NativeSidecarWithoutStartupProbe", "A native sidecar has no startupProbe, so the next container starts before it is ready.", SeverityWarning},
	{CheckKubeVersion, "NativeSidecarKubeVersion", "Native sidecars in manifests for a Kubernetes version below 1.29.", SeverityError},
	{CheckObsoleteWorkaround, "ObsoleteWorkaround", "An obsolete classic-sidecar workaround is left behind.", SeverityWarning},
	{CheckEffectiveRequests, "EffectiveRequestsChange", "The conversion changes the pod's effective resource requests.", SeverityInfo},
}

// Rules returns every check, in id order.
func Rules() []Rule { return append([]Rule(nil), rules...) }
