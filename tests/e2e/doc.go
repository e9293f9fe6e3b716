// Package e2e runs nativize against a real Kubernetes v1.37 control plane in
// process: etcd (embedded), kube-apiserver and kube-controller-manager's
// workload controllers from k8s.io/kubernetes, all on loopback, with
// `nativize serve` as the admission webhook the API server calls over TLS
// through the shipped library/provider/webhooks.yaml. There is no kubelet: pods are stored,
// never run, and every assertion reads objects back from the API server.
package e2e
