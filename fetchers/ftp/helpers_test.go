package ftpfetch

import (
	"context"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// testConfig retries quickly so fault-injection tests stay fast.
func testConfig() Config {
	return Config{
		Timeout:        5 * time.Second,
		RetrySettings:  sdk.RetrySettings{Retries: 3, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		MaxConnections: 4,
	}
}

// configure calls Configure with a JSON object built from m.
func configure(t *testing.T, f *Fetcher, settings string) {
	t.Helper()
	if err := f.Configure(context.Background(), []byte(settings)); err != nil {
		t.Fatalf("Configure(%s): %v", settings, err)
	}
}
