package validate

import (
	"strings"

	"github.com/nativize/nativize/pkg/catalog"
	"github.com/nativize/nativize/pkg/mutate"
	"github.com/nativize/nativize/pkg/workload"
)

// spec is one pod spec under check, with everything the checks share.
type spec struct {
	ps       workload.PodSpec
	obj      Object
	cl       mutate.Classified
	optedOut bool
	// completes is set when the pod runs to completion (Job, CronJob,
	// restartPolicy other than Always): a classic sidecar keeps it from ending.
	completes bool
	// proxy is the index of the proxy among the init containers; with a
	// classic proxy it is len(init containers), since it starts after all of them.
	proxy     int
	proxyName string
	hasProxy  bool
	initProxy bool
}

// checkSpec runs every check on one pod spec.
func (c *Checker) checkSpec(ps workload.PodSpec, o *owner) []Finding {
	cl := mutate.Classify(ps, c.cat)
	if cl.Malformed {
		return nil
	}
	id := ps.Identify()
	s := &spec{
		ps:       ps,
		obj:      Object{APIVersion: id.APIVersion, Kind: id.Kind, Namespace: id.Namespace, Name: id.Name},
		cl:       cl,
		optedOut: mutate.OptedOut(ps),
	}
	isJob := strings.HasPrefix(id.APIVersion, "batch/") && (id.Kind == "Job" || id.Kind == "CronJob")
	rp, hasRP := ps.Spec["restartPolicy"]
	s.completes = isJob || (hasRP && rp != "Always")
	for i, ct := range cl.Init {
		if ct.Role() == catalog.RoleProxy {
			s.proxy, s.proxyName, s.hasProxy, s.initProxy = i, ct.Name, true, true
			break
		}
	}
	if !s.hasProxy {
		for _, ct := range cl.Move {
			if ct.Entry.Role == catalog.RoleProxy {
				s.proxy, s.proxyName, s.hasProxy = len(cl.Init), ct.Name, true
				break
			}
		}
	}

	var out []Finding
	if !s.optedOut {
		// The conversion fixes these three, so they carry its patch.
		out = append(out, checkClassicSidecar(s)...)
		out = append(out, checkInitBeforeProxy(s)...)
		out = append(out, checkSetupAfterProxy(s)...)
		for i := range out {
			out[i].Fix = o.fix
		}
	}
	out = append(out, c.checkRestartPolicy(s)...)
	out = append(out, checkStartupProbe(s)...)
	out = append(out, c.checkKubeVersion(s)...)
	out = append(out, checkWorkarounds(s)...)
	if !s.optedOut {
		if sp, ok := o.specPlan(ps.Path[len(ps.OwnerPath):]); ok {
			out = append(out, checkRequests(s, sp)...)
		}
	}
	return out
}

// checkClassicSidecar is NS001: a sidecar still in spec.containers.
func checkClassicSidecar(s *spec) []Finding {
	var out []Finding
	for _, ct := range s.cl.Move {
		if s.completes {
			out = append(out, finding(CheckClassicSidecar, SeverityError, s.obj, ct.Name,
				`container "%s" is a classic sidecar; the %s will never complete — run "nativize mutate"`, ct.Name, s.obj.Kind))
		} else {
			out = append(out, finding(CheckClassicSidecar, SeverityWarning, s.obj, ct.Name,
				`container "%s" is a classic sidecar; make it a native sidecar (an init container with restartPolicy: Always) — run "nativize mutate"`, ct.Name))
		}
	}
	return out
}

// checkInitBeforeProxy is NS002: an init container that needs traffic starts
// before the proxy exists, so its connections go nowhere.
func checkInitBeforeProxy(s *spec) []Finding {
	if !s.hasProxy {
		return nil
	}
	before := map[string]bool{}
	if v, ok := s.ps.Annotation(mutate.AnnotationBeforeSidecars); ok {
		before = mutate.SplitList(v)
	}
	var out []Finding
	for _, ct := range s.cl.Init[:s.proxy] {
		if initGroup(ct, before) != mutate.GroupRest {
			continue
		}
		out = append(out, finding(CheckInitBeforeProxy, SeverityError, s.obj, ct.Name,
			`init container "%s" runs before the mesh proxy "%s" and has no network — run "nativize mutate"`, ct.Name, s.proxyName))
	}
	return out
}

// initGroup is the R3 group of an init container (docs/RULES.md "Order").
func initGroup(ct mutate.Container, before map[string]bool) int {
	switch {
	case ct.Role() == catalog.RoleSetup:
		return mutate.GroupSetup
	case before[ct.Name]:
		return mutate.GroupBeforeSidecars
	case ct.Role() == catalog.RoleProxy, ct.Role() == catalog.RoleCompanion: // companion: e.g. Istio's enable-core-dump
		return mutate.GroupProxy
	}
	return mutate.GroupRest
}

// checkSetupAfterProxy is NS003: network setup after the proxy leaves the
// proxy's (and everyone's) traffic unredirected until it runs.
func checkSetupAfterProxy(s *spec) []Finding {
	if !s.initProxy {
		return nil
	}
	var out []Finding
	for _, ct := range s.cl.Init[s.proxy+1:] {
		if ct.Role() == catalog.RoleSetup {
			out = append(out, finding(CheckSetupAfterProxy, SeverityError, s.obj, ct.Name,
				`network setup init container "%s" runs after the mesh proxy "%s" — run "nativize mutate"`, ct.Name, s.proxyName))
		}
	}
	return out
}

// validRestartPolicies are the values ContainerRestartRules (1.35) accepts.
var validRestartPolicies = map[string]bool{"Always": true, "OnFailure": true, "Never": true}

// checkRestartPolicy is NS004.
func (c *Checker) checkRestartPolicy(s *spec) []Finding {
	var out []Finding
	for _, ct := range s.cl.Init {
		v, isString := ct.Map["restartPolicy"].(string)
		switch {
		case ct.Role() == catalog.RoleProxy && v != "Always":
			out = append(out, finding(CheckRestartPolicy, SeverityError, s.obj, ct.Name,
				`mesh proxy "%s" is an init container without restartPolicy: Always; it never exits and the pod stays in Init`, ct.Name))
		case !isString || v == "Always":
		case !validRestartPolicies[v]:
			out = append(out, finding(CheckRestartPolicy, SeverityError, s.obj, ct.Name,
				`init container "%s" has invalid restartPolicy "%s"`, ct.Name, v))
		case c.kubeBelow(35):
			out = append(out, finding(CheckRestartPolicy, SeverityError, s.obj, ct.Name,
				`init container "%s" has restartPolicy "%s"; only Always is valid on an init container before Kubernetes 1.35`, ct.Name, v))
		}
	}
	for _, ct := range s.cl.Containers {
		v, isString := ct.Map["restartPolicy"].(string)
		switch {
		case !isString:
		case !validRestartPolicies[v]:
			out = append(out, finding(CheckRestartPolicy, SeverityError, s.obj, ct.Name,
				`container "%s" has invalid restartPolicy "%s"`, ct.Name, v))
		case c.kubeBelow(35):
			out = append(out, finding(CheckRestartPolicy, SeverityError, s.obj, ct.Name,
				`container "%s" has restartPolicy "%s"; regular containers accept restartPolicy only from Kubernetes 1.35`, ct.Name, v))
		}
	}
	return out
}

// native reports whether an init container is a native sidecar.
func native(ct mutate.Container) bool { return ct.Map["restartPolicy"] == "Always" }

// checkStartupProbe is NS005: without a startupProbe the next container
// starts as soon as the sidecar's process does, before it serves.
func checkStartupProbe(s *spec) []Finding {
	var out []Finding
	for _, ct := range s.cl.Init {
		if _, ok := ct.Map["startupProbe"]; native(ct) && !ok {
			out = append(out, finding(CheckNoStartupProbe, SeverityWarning, s.obj, ct.Name,
				`native sidecar "%s" has no startupProbe; the next container starts before it is ready`, ct.Name))
		}
	}
	return out
}

// checkKubeVersion is NS006.
func (c *Checker) checkKubeVersion(s *spec) []Finding {
	if !c.kubeBelow(29) {
		return nil
	}
	var out []Finding
	for _, ct := range s.cl.Init {
		switch {
		case !native(ct):
		case c.kubeBelow(28):
			out = append(out, finding(CheckKubeVersion, SeverityError, s.obj, ct.Name,
				`native sidecar "%s" needs Kubernetes 1.28 or later; an older API server drops restartPolicy and the pod hangs in Init`, ct.Name))
		default:
			out = append(out, finding(CheckKubeVersion, SeverityWarning, s.obj, ct.Name,
				`native sidecar "%s" needs the SidecarContainers feature gate on Kubernetes 1.28 (on by default from 1.29)`, ct.Name))
		}
	}
	return out
}

// checkWorkarounds is NS007: hooks and wrappers that only classic sidecars need.
func checkWorkarounds(s *spec) []Finding {
	var out []Finding
	for _, ct := range s.cl.Init {
		if native(ct) && startsPilotAgentWait(ct.Map) {
			out = append(out, finding(CheckObsoleteWorkaround, SeverityWarning, s.obj, ct.Name,
				`native sidecar "%s" keeps the obsolete postStart "pilot-agent wait" hook`, ct.Name))
		}
	}
	if !s.completes {
		return out
	}
	for _, ct := range s.cl.Containers {
		line := commandLine(ct.Map)
		if strings.Contains(line, "/quitquitquit") {
			out = append(out, finding(CheckObsoleteWorkaround, SeverityWarning, s.obj, ct.Name,
				`container "%s" calls /quitquitquit to stop the proxy; obsolete once the proxy is a native sidecar`, ct.Name))
		}
		if strings.Contains(line, "linkerd-await") && strings.Contains(line, "--shutdown") {
			out = append(out, finding(CheckObsoleteWorkaround, SeverityWarning, s.obj, ct.Name,
				`container "%s" wraps its command in linkerd-await --shutdown; obsolete once the proxy is a native sidecar`, ct.Name))
		}
	}
	return out
}

// startsPilotAgentWait reports whether lifecycle.postStart.exec.command
// starts with pilot-agent, wait.
func startsPilotAgentWait(ct map[string]any) bool {
	cmd, _ := workload.Lookup(ct, []string{"lifecycle", "postStart", "exec", "command"}).([]any)
	return len(cmd) >= 2 && cmd[0] == "pilot-agent" && cmd[1] == "wait"
}

// commandLine joins the string elements of command then args with spaces.
func commandLine(ct map[string]any) string {
	var parts []string
	for _, field := range []string{"command", "args"} {
		list, _ := ct[field].([]any)
		for _, v := range list {
			if s, ok := v.(string); ok {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, " ")
}
