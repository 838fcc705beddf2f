package collector

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// durableClients is how many clients post at once in BenchmarkCollectorDurable.
const durableClients = 32

// BenchmarkCollectorDurable posts b.N signed results over loopback HTTP from
// 32 concurrent clients (kept-alive connections, as a client posting several
// results would use); each answer is a 200 sent only once the result is
// fsync'd: its Committer appends each batch to a file and fsyncs it. It
// reports results/s. The figure is -benchtime 20000x.
func BenchmarkCollectorDurable(b *testing.B) {
	fc := newFileCommitter(b)
	c, err := New(Options{Committer: fc})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	defer func() {
		srv.Close()
		c.Close()
	}()
	ids := make([]string, b.N)
	tokens := make([]string, b.N)
	for i := range b.N {
		ids[i] = fmt.Sprintf("job.task-%d.1", i)
		if tokens[i], err = c.Register(ids[i]); err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: durableClients}}
	defer client.CloseIdleConnections()

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, durableClients)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range durableClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := postResult(client, srv.URL, ids[i], tokens[i], i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "results/s")
	b.ReportMetric(float64(b.N)/float64(max(fc.syncs.Load(), 1)), "results/fsync")
}

// fileCommitter is the benchmarks' Committer: it appends each batch to a
// file as JSON lines and fsyncs the file once per batch.
type fileCommitter struct {
	f     *os.File
	buf   []byte
	syncs atomic.Int64
}

func newFileCommitter(b *testing.B) *fileCommitter {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "results.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return &fileCommitter{f: f}
}

// fileRecord is one line of the fileCommitter's file.
type fileRecord struct {
	TaskID   string          `json:"task_id"`
	Output   json.RawMessage `json:"output"`
	Display  string          `json:"display,omitempty"`
	Received time.Time       `json:"received"`
}

func (fc *fileCommitter) Commit(results []Result) error {
	fc.buf = fc.buf[:0]
	for _, r := range results {
		line, err := json.Marshal(fileRecord(r))
		if err != nil {
			return err
		}
		fc.buf = append(append(fc.buf, line...), '\n')
	}
	if _, err := fc.f.Write(fc.buf); err != nil {
		return err
	}
	fc.syncs.Add(1)
	return fc.f.Sync()
}

// postResult posts one valid report for id and wants a 200.
func postResult(client *http.Client, base, id, token string, n int) error {
	body := fmt.Sprintf(`{"output":{"sum":%d},"display":"sum of %d = %d"}`, n, n, n)
	req, err := http.NewRequest(http.MethodPost, base+resultsPrefix+id, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("posting %s: %w", id, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("posting %s: status %d: %s", id, resp.StatusCode, msg)
	}
	return nil
}
