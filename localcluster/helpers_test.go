package localcluster

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// startCluster starts a cluster on port 0 in a temporary folder and closes it at the end of the test.
func startCluster(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	if cfg.WorkDir == "" {
		cfg.WorkDir = t.TempDir()
	}
	if cfg.OfferInterval == 0 {
		cfg.OfferInterval = 50 * time.Millisecond
	}
	if cfg.CPUs == 0 {
		cfg.CPUs = 4
	}
	c := New(cfg)
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("starting cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing cluster: %v", err)
		}
	})
	return c
}

// readTaskFile reads a file from the sandbox of the task matching the glob.
func readTaskFile(t *testing.T, c *Cluster, taskGlob, name string) string {
	t.Helper()
	pattern := filepath.Join(c.WorkDir(), "agents", "*", "frameworks", "*", "executors", taskGlob, "runs", "*", name)
	matches, err := filepath.Glob(pattern)
	if err != nil || len(matches) != 1 {
		t.Fatalf("finding %s: %v (matches %v)", pattern, err, matches)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
