package mesoscluster

import (
	"context"
	"sync"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// ackWorkers is how many ACKNOWLEDGE calls may be in flight at once. The
// master sends a task's next update only after its current one is
// acknowledged, so acknowledgements of different tasks may go in any order.
const ackWorkers = 4

// acker sends ACKNOWLEDGE calls off the event loop, so that a master round
// trip per status update never holds up the delivery of the next event (a
// large job's updates would otherwise delay its offers by seconds).
type acker struct {
	ch chan *mesos.TaskStatus
	wg sync.WaitGroup
}

// startAcker starts workers that acknowledge updates until stop; they use
// ctx, so cancelling it abandons acknowledgements not yet sent (the master
// resends those updates, and they are acknowledged then).
func (c *Cluster) startAcker(ctx context.Context) *acker {
	a := &acker{ch: make(chan *mesos.TaskStatus, 1024)}
	a.wg.Add(ackWorkers)
	for range ackWorkers {
		go func() {
			defer a.wg.Done()
			for st := range a.ch {
				if ctx.Err() == nil {
					c.acknowledge(ctx, st)
				}
			}
		}()
	}
	return a
}

// ack queues an acknowledgement; it waits only when the queue is full.
func (a *acker) ack(ctx context.Context, st *mesos.TaskStatus) {
	select {
	case a.ch <- st:
	case <-ctx.Done():
	}
}

// stop waits for the queued acknowledgements to be sent or abandoned.
func (a *acker) stop() {
	close(a.ch)
	a.wg.Wait()
}
