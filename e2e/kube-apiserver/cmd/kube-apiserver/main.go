// Command kube-apiserver is Kubernetes' own API server, built from the k8s.io/kubernetes module
// at the version go.mod requires. The e2e harness (e2e/src/kube_apiserver.rs) starts it as the
// reference cluster; scripts/build-kube-apiserver.sh builds it.
package main

import (
	"os"
	_ "time/tzdata" // CronJob time zones, as upstream's main has it

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go's metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // the version metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
