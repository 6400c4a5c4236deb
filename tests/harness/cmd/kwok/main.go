// Command kwok simulates the test cluster's nodes and pods (sigs.k8s.io/kwok):
// it keeps fake Nodes Ready and moves scheduled pods through the lifecycle
// described by the Stage objects in ../../kwok-stages.yaml, so Deployments,
// StatefulSets and Jobs become Ready or Complete without any container.
package main

import (
	"os"

	"github.com/spf13/pflag"

	"sigs.k8s.io/kwok/pkg/config"
	"sigs.k8s.io/kwok/pkg/kwok/cmd"
	"sigs.k8s.io/kwok/pkg/log"
	"sigs.k8s.io/kwok/pkg/utils/signals"
)

func main() {
	// kwok's logging and --config flags are parsed before its cobra
	// command is built, so they live in a flag set of their own that
	// tolerates the command's flags.
	global := pflag.NewFlagSet("global", pflag.ContinueOnError)
	global.ParseErrorsAllowlist.UnknownFlags = true
	global.Usage = func() {}

	ctx, logger := log.InitFlags(signals.SetupSignalContext(), global)
	ctx, err := config.InitFlags(ctx, global)
	if err != nil {
		logger.Error("kwok: reading --config", "err", err)
		os.Exit(1)
	}

	root := cmd.NewCommand(ctx)
	root.PersistentFlags().AddFlagSet(global)
	if err := root.ExecuteContext(ctx); err != nil {
		logger.Error("kwok: exiting", "err", err)
		os.Exit(1)
	}
}
