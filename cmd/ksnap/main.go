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
	// The first Ctrl+C or SIGTERM cancels ctx: commands finish the write in
	// progress and stop. Signal handling is then reset, so a second one
	// kills ksnap at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], newOSEnv())
	stop()
	os.Exit(code)
}
