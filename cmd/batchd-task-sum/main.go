// Command batchd-task-sum is the sum workload's task program, staged to
// agents by the batchd-workload-sum plugin: "batchd-task-sum 1 2 3" prints
// "sum of 1 2 3 = 6" and posts the result to the collector named in its
// environment. It imports only the standard library and batchd's
// standard-library-only task packages, so it is small and starts fast.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/batchd/batchd/workloads/sum/task"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := task.Run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "batchd-task-sum:", err)
		os.Exit(1)
	}
}
