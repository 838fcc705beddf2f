package sdk

import (
	"crypto/sha256"
	"hash"
)

// Buffers a Dest fills with the bytes it writes, then hands whole to the
// goroutine that hashes them.
const (
	hashBuffers = 4
	hashBufSize = 1 << 20
)

// hasher runs SHA-256 on a goroutine of its own, so hashing (about 0.8 s
// of CPU a GiB here) overlaps receiving and writing. Buffers go round: the
// writer takes a free one, fills it, queues it; the goroutine hashes it
// and frees it. A nil buffer queued is a barrier: the goroutine answers on
// idle once it has hashed everything before it.
type hasher struct {
	h    hash.Hash
	work chan []byte
	free chan []byte
	idle chan struct{}
}

func newHasher() *hasher {
	s := &hasher{
		h:    sha256.New(),
		work: make(chan []byte, hashBuffers+1),
		free: make(chan []byte, hashBuffers),
		idle: make(chan struct{}),
	}
	for range hashBuffers {
		s.free <- make([]byte, 0, hashBufSize)
	}
	go s.run()
	return s
}

func (s *hasher) run() {
	for b := range s.work {
		if b == nil {
			s.idle <- struct{}{}
			continue
		}
		s.h.Write(b)
		s.free <- b[:0]
	}
	close(s.idle)
}

// buffer returns an empty buffer of hashBufSize capacity.
func (s *hasher) buffer() []byte { return <-s.free }

// queue hands b to the goroutine, or frees it when empty.
func (s *hasher) queue(b []byte) {
	if len(b) == 0 {
		s.free <- b
		return
	}
	s.work <- b
}

// wait returns once everything queued has been hashed; s.h is then the
// caller's until the next queue.
func (s *hasher) wait() {
	s.work <- nil
	<-s.idle
}

// stop ends the goroutine; s is not used after.
func (s *hasher) stop() {
	close(s.work)
	for range s.idle {
	}
}
