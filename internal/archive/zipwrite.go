package archive

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// bodyWriters writes zip entries' bodies in goroutines while the extractor
// goes on with the next entries, so inflating, writing and closing files
// overlap with creating the next ones, as archive/zip allows concurrent
// readers of one file. Every rule is still checked in archive order by the
// extractor, which also creates each file (in order) before handing it here
// with its size already counted; only the body copy, the checksum check
// archive/zip does at its end, and the file's close happen here.
//
// Errors keep the sequential verdict: each is recorded with the index of
// its entry, and the first one cancels ctx so the extractor stops soon.
// Bodies of earlier entries are still written in full (they copy under the
// caller's context, not ctx), later ones are dropped, and wait returns the
// error of the lowest index: the error a sequential extraction would have
// stopped at.
type bodyWriters struct {
	outer  context.Context // the caller's, for the copies
	ctx    context.Context // for the extractor: also cancelled by the first error
	cancel context.CancelFunc
	sink   sink
	jobs   chan bodyJob
	wg     sync.WaitGroup

	mu       sync.Mutex
	err      error
	errIndex int
}

// bodyJob is one file to fill.
type bodyJob struct {
	index int // the entry's position in the archive, from 1
	name  string
	rel   string
	w     io.WriteCloser
	open  func() (io.ReadCloser, error)
	// room bounds the body: its share of the limits when it was created.
	room, maxEntry, maxBytes int64
}

// newBodyWriters starts the writers; wait stops them.
func newBodyWriters(outer context.Context, sk sink) *bodyWriters {
	n := max(2, runtime.GOMAXPROCS(0))
	ctx, cancel := context.WithCancel(outer)
	b := &bodyWriters{outer: outer, ctx: ctx, cancel: cancel, sink: sk, jobs: make(chan bodyJob, n)}
	b.wg.Add(n)
	for range n {
		go b.run()
	}
	return b
}

func (b *bodyWriters) run() {
	defer b.wg.Done()
	buf := make([]byte, 256<<10)
	for j := range b.jobs {
		if b.failedBefore(j.index) {
			// A sequential extraction would never have reached it.
			_ = j.w.Close()
			b.sink.remove(j.rel)
			continue
		}
		if err := b.write(j, buf); err != nil {
			b.sink.remove(j.rel)
			b.fail(j.index, err)
		}
	}
}

func (b *bodyWriters) write(j bodyJob, buf []byte) error {
	rc, err := j.open()
	if err != nil {
		_ = j.w.Close()
		return corrupt(fmt.Sprintf("entry %q", j.name), err)
	}
	_, err = copyBody(b.outer, buf, j.name, j.w, rc, j.room, j.maxEntry, j.maxBytes)
	_ = rc.Close() // archive/zip reports a bad checksum from Read, not Close
	if cerr := j.w.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("entry %q: %w", j.name, cerr)
	}
	return err
}

// failedBefore reports whether an entry before index failed.
func (b *bodyWriters) failedBefore(index int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err != nil && b.errIndex < index
}

// fail records err for the entry at index, keeping the lowest index.
func (b *bodyWriters) fail(index int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil || index < b.errIndex {
		b.err, b.errIndex = err, index
	}
	b.cancel()
}

// submit hands j to a writer; it fails only when ctx has ended.
func (b *bodyWriters) submit(j bodyJob) error {
	select {
	case b.jobs <- j:
		return nil
	case <-b.ctx.Done():
		_ = j.w.Close()
		b.sink.remove(j.rel)
		return b.ctx.Err()
	}
}

// wait lets the writers finish and returns the error of the lowest entry
// index among theirs and err, the extractor's own error at entry index.
func (b *bodyWriters) wait(index int, err error) error {
	close(b.jobs)
	b.wg.Wait()
	b.cancel()
	if err != nil {
		b.fail(index, err)
	}
	return b.err
}
