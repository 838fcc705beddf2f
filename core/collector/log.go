package collector

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Record types in the results log.
const (
	typeRegister = "register"
	typeResult   = "result"
)

// record is one line of the results log.
type record struct {
	Type   string `json:"type"`
	TaskID string `json:"task_id"`
	// TokenSHA256 is the hex SHA-256 of a registered task's token (register only).
	TokenSHA256 string `json:"token_sha256,omitempty"`
	// The rest is set on result records only.
	Output   json.RawMessage `json:"output,omitempty"`
	Display  string          `json:"display,omitempty"`
	Received time.Time       `json:"received,omitzero"`
}

// load replays the log in f into c.tasks, truncating a torn last line.
func (c *Collector) load(f *os.File) error {
	r := bufio.NewReader(f)
	var good int64 // offset just past the last good line
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				return c.dropTorn(f, good, n, "no line end")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading line %d: %w", n, err)
		}
		if perr := c.apply(line); perr != nil {
			if _, err := r.Peek(1); errors.Is(err, io.EOF) {
				return c.dropTorn(f, good, n, perr.Error())
			}
			return fmt.Errorf("line %d: %w", n, perr)
		}
		good += int64(len(line))
	}
}

// dropTorn cuts the log back to its last complete line, so later appends
// start on a line of their own.
func (c *Collector) dropTorn(f *os.File, good int64, n int, why string) error {
	c.log.Warn("collector: ignoring torn last line of results log", "path", c.path, "line", n, "reason", why)
	if err := f.Truncate(good); err != nil {
		return fmt.Errorf("truncating torn line %d: %w", n, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("truncating torn line %d: %w", n, err)
	}
	return nil
}

// apply replays one log line.
func (c *Collector) apply(line []byte) error {
	var rec record
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("decoding record: %w", err)
	}
	if rec.TaskID == "" {
		return errors.New("record without task_id")
	}
	t := c.tasks[rec.TaskID]
	if t == nil {
		t = &task{}
		c.tasks[rec.TaskID] = t
	}
	switch rec.Type {
	case typeRegister:
		h, err := hex.DecodeString(rec.TokenSHA256)
		if err != nil || len(h) != len(t.tokenHash) {
			return fmt.Errorf("task %s: bad token_sha256", rec.TaskID)
		}
		t.registered = true
		copy(t.tokenHash[:], h)
	case typeResult:
		if len(rec.Output) == 0 {
			return fmt.Errorf("task %s: result without output", rec.TaskID)
		}
		t.res = &pending{
			result: Result{TaskID: rec.TaskID, Output: rec.Output, Display: rec.Display, Received: rec.Received},
			batch:  committed,
		}
	default:
		return fmt.Errorf("unknown record type %q", rec.Type)
	}
	return nil
}

// writeLocked appends rec to the log (without syncing). A failed write
// breaks the collector: the log may now end in a partial line. c.mu must be held.
func (c *Collector) writeLocked(rec record) error {
	line, err := appendRecord(c.line[:0], rec)
	if err != nil {
		return fmt.Errorf("encoding record: %w", err)
	}
	c.line = line
	if _, err := c.f.Write(line); err != nil {
		c.broken = err
		return fmt.Errorf("appending to results log %s: %w", c.path, err)
	}
	return nil
}

// sameReport reports whether a re-post carries the stored result.
func sameReport(r Result, output []byte, display string) bool {
	return r.Display == display && bytes.Equal(r.Output, output)
}
