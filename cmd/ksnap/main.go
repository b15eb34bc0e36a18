// Command ksnap is an offline-first flight recorder and replay analyzer for
// Kubernetes batch workloads. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], newOSEnv())
	stop()
	os.Exit(code)
}
