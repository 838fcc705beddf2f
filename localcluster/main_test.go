package localcluster

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/batchd/batchd/internal/procgroup"
)

// TestMain fails the package if any goroutine outlives the tests: every
// cluster is closed by its test, and Close must wait for all it started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction(procgroup.SpawnerFunc))
}
