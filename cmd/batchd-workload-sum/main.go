// Command batchd-workload-sum is batchd's reference workload plugin. Its
// tasks run the small task program batchd-task-sum, which it expects next
// to its own executable. For compatibility, run on an agent as
// "batchd-workload-sum task 1 2 3" it is the task program too.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/workloads/sum"
	"github.com/batchd/batchd/workloads/sum/task"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "task" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := task.Run(ctx, os.Args[2:], os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "batchd-workload-sum:", err)
			os.Exit(1)
		}
		return
	}
	sdk.ServeWorkload(sum.New())
}
