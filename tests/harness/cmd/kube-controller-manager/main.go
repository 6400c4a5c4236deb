// Command kube-controller-manager is upstream's controller manager, so that
// Deployments, Jobs, garbage collection and namespace deletion behave in
// flint's integration tests as they do in a real cluster.
package main

import (
	"os"

	_ "time/tzdata" // CronJob time zones

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
