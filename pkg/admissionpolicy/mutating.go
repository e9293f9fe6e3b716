package admissionpolicy

import "k8s.io/apimachinery/pkg/runtime"

// mutating is the MutatingAdmissionPolicy converting Pods and its binding.
func mutating() []runtime.Object { return nil }
