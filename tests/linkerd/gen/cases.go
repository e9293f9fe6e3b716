package main

// fixture is one workload before injection and how the cluster injects it.
type fixture struct {
	name  string
	about string
	// cni is cniEnabled: linkerd-network-validator instead of linkerd-init.
	cni      bool
	workload string
}

// migrateInit is a user init container that needs traffic through the mesh.
const migrateInit = `
      initContainers:
      - name: migrate
        image: registry.example.com/migrate:1.4
        command: [/migrate, --db, postgres.shop:5432]`

// cases is the matrix: kinds, admin port, waitBeforeExitSeconds, proxy-await,
// linkerd-init or CNI, with and without a user init container.
var cases = []fixture{
	{name: "deployment-default", about: "Deployment, defaults, linkerd-init, no user init container.", workload: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {linkerd.io/inject: enabled}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
        ports: [{containerPort: 8080}]
`},
	{name: "deployment-admin-port", about: "Deployment, config.linkerd.io/admin-port 9990, user init container.", workload: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {linkerd.io/inject: enabled, config.linkerd.io/admin-port: "9990"}
    spec:` + migrateInit + `
      containers:
      - name: web
        image: registry.example.com/web:1.0
        ports: [{containerPort: 8080}]
`},
	{name: "deployment-wait-before-exit", about: "Deployment, waitBeforeExitSeconds 30 (preStop /bin/sleep in classic mode).", workload: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {linkerd.io/inject: enabled, config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "30"}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
        ports: [{containerPort: 8080}]
`},
	{name: "deployment-await-disabled", about: "Deployment, proxy-await disabled (no postStart; proxy appended to containers; no startupProbe in native mode).", workload: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {linkerd.io/inject: enabled, config.linkerd.io/proxy-await: disabled}
    spec:` + migrateInit + `
      containers:
      - name: web
        image: registry.example.com/web:1.0
        ports: [{containerPort: 8080}]
`},
	{name: "deployment-await-disabled-wait", about: "Deployment, proxy-await disabled and waitBeforeExitSeconds 15 (lifecycle with preStop only).", workload: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {linkerd.io/inject: enabled, config.linkerd.io/proxy-await: disabled, config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "15"}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
`},
	{name: "deployment-cni", about: "Deployment, CNI (linkerd-network-validator), no init containers before injection.", cni: true, workload: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {linkerd.io/inject: enabled}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: 8081}}
`},
	{name: "job-migrate", about: "Job, linkerd-init, a user init container that needs traffic.", workload: `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  backoffLimit: 2
  template:
    metadata:
      annotations: {linkerd.io/inject: enabled}
    spec:
      restartPolicy: Never` + migrateInit + `
      containers:
      - name: report
        image: registry.example.com/report:2.1
`},
	{name: "job-cni-admin-port", about: "Job, CNI, admin port 4999, user init container, waitBeforeExitSeconds 5.", cni: true, workload: `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    metadata:
      annotations: {linkerd.io/inject: enabled, config.linkerd.io/admin-port: "4999", config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "5"}
    spec:
      restartPolicy: OnFailure` + migrateInit + `
      containers:
      - name: report
        image: registry.example.com/report:2.1
`},
	{name: "cronjob-nightly", about: "CronJob, linkerd-init, admin port 9990, waitBeforeExitSeconds 10, user init container.", workload: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {linkerd.io/inject: enabled, config.linkerd.io/admin-port: "9990", config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "10"}
        spec:
          restartPolicy: Never
          initContainers:
          - name: fetch-config
            image: curlimages/curl:8.5.0
            command: [curl, -sf, -o, /config/app.yaml, "http://config.shop:8080/nightly"]
          containers:
          - name: report
            image: registry.example.com/report:2.1
`},
	{name: "cronjob-await-disabled", about: "CronJob, no pod template metadata before injection, proxy-await disabled on the CronJob's pod template.", workload: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: hourly, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {config.linkerd.io/proxy-await: disabled}
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: registry.example.com/report:2.1
`},
	{name: "statefulset-two-inits", about: "StatefulSet, linkerd-init, two user init containers, app with a liveness probe.", workload: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata:
      labels: {app: db}
      annotations: {linkerd.io/inject: enabled}
    spec:
      initContainers:
      - name: chown
        image: busybox:1.36
        command: [chown, -R, "999:999", /data]
      - name: restore
        image: registry.example.com/restore:3
        command: [/restore, --from, s3.shop:9000]
      containers:
      - name: postgres
        image: postgres:16
        ports: [{containerPort: 5432}]
        livenessProbe: {tcpSocket: {port: 5432}}
      volumes:
      - name: data
        emptyDir: {}
`},
	{name: "statefulset-cni-custom", about: "StatefulSet, CNI, admin port 9995, proxy-await disabled, waitBeforeExitSeconds 20, user init container.", cni: true, workload: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata:
      labels: {app: db}
      annotations: {linkerd.io/inject: enabled, config.linkerd.io/admin-port: "9995", config.linkerd.io/proxy-await: disabled, config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "20"}
    spec:` + migrateInit + `
      containers:
      - name: postgres
        image: postgres:16
        ports: [{containerPort: 5432}]
`},
	{name: "pod", about: "Pod (patch paths without a prefix), linkerd-init, no init containers before injection.", workload: `
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
  annotations: {linkerd.io/inject: enabled}
spec:
  containers:
  - name: shell
    image: busybox:1.36
    command: [sleep, "3600"]
`},
}
