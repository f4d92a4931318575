// Command kube-controller-manager is Kubernetes' own controller manager, built from the
// k8s.io/kubernetes module at the version go.mod requires. The e2e harness runs it with the
// namespace, garbage-collector and service-account controllers next to kube-apiserver.
package main

import (
	"os"
	_ "time/tzdata" // CronJob time zones, as upstream's main has it

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go's metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // the version metric
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
