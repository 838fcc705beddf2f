package sdk

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leave a goroutine behind (a
// Dest's hashing goroutine, say).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
