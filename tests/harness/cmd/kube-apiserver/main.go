// Command kube-apiserver is upstream's kube-apiserver, built from the
// k8s.io/kubernetes module so flint's integration tests have a real API
// server. It only hands control to the upstream command constructor.
package main

import (
	"os"

	_ "time/tzdata" // CronJob spec.timeZone is validated against an embedded tz database

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
