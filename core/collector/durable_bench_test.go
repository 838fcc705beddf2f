package collector

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
// fsync'd. It reports results/s. The figure is -benchtime 20000x.
func BenchmarkCollectorDurable(b *testing.B) {
	c, err := Open(filepath.Join(b.TempDir(), "results.jsonl"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	syncs := &countingSyncer{f: c.syncer}
	c.syncer = syncs
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
	b.ReportMetric(float64(b.N)/float64(max(syncs.n.Load(), 1)), "results/fsync")
}

// countingSyncer counts the log's fsyncs.
type countingSyncer struct {
	f syncer
	n atomic.Int64
}

func (s *countingSyncer) Sync() error {
	s.n.Add(1)
	return s.f.Sync()
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
