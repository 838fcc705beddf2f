package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"syscall"
	"time"
)

// startCPUProfile writes a CPU profile of the whole run to the file named by
// BATCHD_CPUPROFILE, for measuring batchd's own per-task cost (see the
// README's "Measuring" section). It returns the function that stops it.
func startCPUProfile() func() {
	path := os.Getenv("BATCHD_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "batchd: BATCHD_CPUPROFILE:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "batchd: BATCHD_CPUPROFILE:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "batchd: BATCHD_CPUPROFILE:", err)
		}
		var self, children syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &self) == nil && syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) == nil {
			fmt.Fprintf(os.Stderr, "batchd: BATCHD_CPUPROFILE: this process used %.2f s user, %.2f s system; its waited-for children (tasks, plugins) %.2f s user, %.2f s system\n",
				time.Duration(self.Utime.Nano()).Seconds(), time.Duration(self.Stime.Nano()).Seconds(),
				time.Duration(children.Utime.Nano()).Seconds(), time.Duration(children.Stime.Nano()).Seconds())
		}
	}
}
