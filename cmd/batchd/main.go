// Command batchd runs batch jobs on Apache Mesos (or on its embedded
// single-machine Mesos-API cluster) with workload and fetcher plugins.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	ctx, interrupted := notifyInterrupts(context.Background(), os.Stderr)
	m := NewMain(os.Stdout, os.Stderr)
	stopProfile := startCPUProfile()
	code := m.Main(ctx, os.Args[1:])
	stopProfile()
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "batchd:", err)
	}
	os.Exit(interrupted.done(code))
}
