package hdfsfetch

import (
	"testing"

	"go.uber.org/goleak"
)

// The HDFS client keeps a lease-renewal goroutine per client until Close;
// every fetch closes its client, so none may remain.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
