package e2e

import (
	"context"
	"fmt"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller/cronjob"
	"k8s.io/kubernetes/pkg/controller/deployment"
	"k8s.io/kubernetes/pkg/controller/job"
	"k8s.io/kubernetes/pkg/controller/replicaset"
	"k8s.io/kubernetes/pkg/controller/serviceaccount"
)

// StartControllers runs, until ctx ends, the kube-controller-manager
// controllers the tests need, built as kube-controller-manager builds them
// (cmd/kube-controller-manager/app: apps.go, batch.go, core.go) on one shared
// informer factory: Deployment → ReplicaSet → Pod, Job → Pod, CronJob → Job,
// and the "default" ServiceAccount of every namespace, without which the
// ServiceAccount admission plugin refuses pods. Running them directly rather
// than through the kube-controller-manager app package leaves out the ~285
// packages of every other controller, which this suite would only compile.
func StartControllers(ctx context.Context, config *rest.Config) error {
	cfg := rest.CopyConfig(config)
	cfg.UserAgent = "kube-controller-manager"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	f := informers.NewSharedInformerFactory(client, 0)
	dc, err := deployment.NewDeploymentController(ctx, f.Apps().V1().Deployments(), f.Apps().V1().ReplicaSets(), f.Core().V1().Pods(), client)
	if err != nil {
		return fmt.Errorf("deployment controller: %w", err)
	}
	rsc := replicaset.NewReplicaSetController(ctx, f.Apps().V1().ReplicaSets(), f.Core().V1().Pods(), client, replicaset.BurstReplicas)
	// The Workload and PodGroup informers are for the WorkloadWithJob
	// feature, off by default in v1.37.
	jc, err := job.NewController(ctx, client, f.Core().V1().Pods(), f.Batch().V1().Jobs(), nil, nil)
	if err != nil {
		return fmt.Errorf("job controller: %w", err)
	}
	cjc, err := cronjob.NewControllerV2(ctx, f.Batch().V1().Jobs(), f.Batch().V1().CronJobs(), client)
	if err != nil {
		return fmt.Errorf("cronjob controller: %w", err)
	}
	sac, err := serviceaccount.NewServiceAccountsController(klog.FromContext(ctx), f.Core().V1().ServiceAccounts(), f.Core().V1().Namespaces(), client, serviceaccount.DefaultServiceAccountsControllerOptions())
	if err != nil {
		return fmt.Errorf("serviceaccount controller: %w", err)
	}
	f.Start(ctx.Done())
	go dc.Run(ctx, 2)
	go rsc.Run(ctx, 2)
	go jc.Run(ctx, 2)
	go cjc.Run(ctx, 2)
	go sac.Run(ctx, 1)
	return nil
}
