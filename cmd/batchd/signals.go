package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/batchd/batchd/internal/procgroup"
)

// interrupts turns SIGINT and SIGTERM into an orderly stop. The first
// signal says so on stderr and cancels the context Run works under, so
// batchd stops its jobs and Close kills what it started. A second signal
// during that stop kills every plugin and task process group at once and
// exits straight away.
type interrupts struct {
	stderr io.Writer
	cancel context.CancelFunc
	ch     chan os.Signal
	stop   chan struct{}
	wg     sync.WaitGroup

	mu    sync.Mutex
	first syscall.Signal // 0 until a signal arrives

	// exit ends the process after a second signal (os.Exit).
	exit func(code int)
}

// notifyInterrupts starts watching SIGINT and SIGTERM; the returned context
// is cancelled at the first. Call done when batchd has closed everything.
func notifyInterrupts(parent context.Context, stderr io.Writer) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancel(parent)
	in := &interrupts{stderr: stderr, cancel: cancel, ch: make(chan os.Signal, 2), stop: make(chan struct{}), exit: os.Exit}
	signal.Notify(in.ch, syscall.SIGINT, syscall.SIGTERM)
	in.wg.Add(1)
	go in.watch()
	return ctx, in
}

func (in *interrupts) watch() {
	defer in.wg.Done()
	for {
		var sig os.Signal
		select {
		case sig = <-in.ch:
		case <-in.stop:
			return
		}
		in.mu.Lock()
		again := in.first != 0
		if !again {
			in.first = sig.(syscall.Signal)
		}
		in.mu.Unlock()
		if !again {
			fmt.Fprintln(in.stderr, "batchd: interrupted, stopping (interrupt again to kill plugins and tasks at once)")
			in.cancel()
			continue
		}
		fmt.Fprintln(in.stderr, "batchd: interrupted again, killing plugins and tasks")
		procgroup.KillAll()
		in.exit(exitCode(sig.(syscall.Signal)))
		return
	}
}

// done stops watching and returns the process's exit code: code, or
// 128 + the signal's number (130 for SIGINT, 143 for SIGTERM) if batchd
// was interrupted.
func (in *interrupts) done(code int) int {
	signal.Stop(in.ch)
	close(in.stop)
	in.wg.Wait()
	in.cancel()
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.first != 0 {
		return exitCode(in.first)
	}
	return code
}

// exitCode is a shell's status for a process ended by sig.
func exitCode(sig syscall.Signal) int { return 128 + int(sig) }
