package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/batchd/batchd/plugins/workload"
)

// ErrNoCollector means the task was not started by batchd: the collector
// variables are missing from its environment.
var ErrNoCollector = errors.New("sdk: no collector in environment")

// Report posts a task's result to the collector named in its environment.
// output is marshalled as JSON; display is the line batchd prints. It retries
// connection errors and 5xx answers a few times, and fails at once on 4xx.
func Report(ctx context.Context, output any, display string) error {
	url, token := os.Getenv(workload.EnvCollectorURL), os.Getenv(workload.EnvTaskToken)
	if url == "" || token == "" {
		return fmt.Errorf("%w: %s and %s must be set", ErrNoCollector, workload.EnvCollectorURL, workload.EnvTaskToken)
	}
	out, err := json.Marshal(output)
	if err != nil {
		return fmt.Errorf("sdk: encoding result: %w", err)
	}
	body, err := json.Marshal(workload.TaskReport{Output: out, Display: display})
	if err != nil {
		return fmt.Errorf("sdk: encoding report: %w", err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	backoff := 200 * time.Millisecond
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("sdk: posting result: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			last = fmt.Errorf("sdk: posting result: %w", err)
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			return nil
		case resp.StatusCode >= 500:
			last = fmt.Errorf("sdk: collector answered %s: %s", resp.Status, bytes.TrimSpace(msg))
		default:
			return fmt.Errorf("sdk: collector refused result: %s: %s", resp.Status, bytes.TrimSpace(msg))
		}
	}
	return last
}
