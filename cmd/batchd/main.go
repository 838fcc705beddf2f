// Command batchd runs batch jobs on Apache Mesos (or on its embedded
// single-machine Mesos-API cluster) with workload and fetcher plugins.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain(os.Stdout, os.Stderr)
	code := m.Main(ctx, os.Args[1:])
	stop()
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "batchd:", err)
	}
	os.Exit(code)
}
