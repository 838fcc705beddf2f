package workload

import (
	"fmt"

	"google.golang.org/protobuf/proto"
)

// Streams carry several items per message so large plans and result sets
// move quickly, and stay far below gRPC's default 4 MB message limit.
const (
	// batchBytes is the encoded size at which a batch is sent.
	batchBytes = 1 << 20
	// batchItems is the item count at which a batch is sent.
	batchItems = 1000
	// maxItemBytes is the largest single item the stream accepts; anything
	// bigger could not fit in one message.
	maxItemBytes = 3 << 20
)

// batcher collects items and hands full batches to flush.
type batcher[T proto.Message] struct {
	items []T
	size  int
	flush func([]T) error
}

// add appends m, flushing first if m would make the batch too big. It
// returns an error for an item that can never fit in a message, naming it
// as what (kind and id) says: "task spec" and "7" read `task spec "7"`.
func (b *batcher[T]) add(m T, kind, id string) error {
	n := proto.Size(m)
	if n > maxItemBytes {
		return &tooBigError{what: fmt.Sprintf("%s %q", kind, id), size: n}
	}
	if len(b.items) > 0 && (b.size+n > batchBytes || len(b.items) >= batchItems) {
		if err := b.send(); err != nil {
			return err
		}
	}
	if b.items == nil {
		b.items = make([]T, 0, batchItems)
	}
	b.items = append(b.items, m)
	b.size += n + 8
	return nil
}

// send flushes whatever is pending, even an empty batch if none was ever sent.
func (b *batcher[T]) send() error {
	items := b.items
	b.items, b.size = nil, 0
	return b.flush(items)
}

type tooBigError struct {
	what string
	size int
}

func (e *tooBigError) Error() string {
	return fmt.Sprintf("%s is too large to send: %d bytes encoded, limit %d", e.what, e.size, maxItemBytes)
}
