package localcluster

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// sandboxGC removes the sandboxes of finished tasks in the background, so
// that deleting a large sandbox holds up neither the task's terminal update
// nor the release of its resources. The cluster owns its goroutine (run)
// and drains what is left once every task has ended.
type sandboxGC struct {
	log   *slog.Logger
	ready chan struct{} // signalled, capacity 1, when the queue is not empty

	mu    sync.Mutex
	queue []string
}

func newSandboxGC(log *slog.Logger) *sandboxGC {
	return &sandboxGC{log: log, ready: make(chan struct{}, 1)}
}

// add queues a sandbox for removal.
func (g *sandboxGC) add(dir string) {
	g.mu.Lock()
	g.queue = append(g.queue, dir)
	g.mu.Unlock()
	select {
	case g.ready <- struct{}{}:
	default:
	}
}

// run removes queued sandboxes until ctx ends.
func (g *sandboxGC) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.ready:
			g.drain()
		}
	}
}

// drain removes every queued sandbox.
func (g *sandboxGC) drain() {
	for {
		g.mu.Lock()
		dirs := g.queue
		g.queue = nil
		g.mu.Unlock()
		if len(dirs) == 0 {
			return
		}
		for _, dir := range dirs {
			if err := os.RemoveAll(dir); err != nil {
				g.log.Warn("removing finished task's sandbox", "sandbox", dir, "err", err)
				continue
			}
			// The task's executor folder, .../executors/<task>/runs/<run>,
			// goes too unless another run of a task of the same id is in it.
			runs := filepath.Dir(dir)
			if os.Remove(runs) == nil {
				os.Remove(filepath.Dir(runs))
			}
		}
	}
}
