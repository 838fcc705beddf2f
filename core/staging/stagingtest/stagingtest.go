// Package stagingtest helps fetcher tests run staging as batchd does.
package stagingtest

import (
	"context"
	"testing"

	"github.com/batchd/batchd/core/staging"
)

// Run is one run of batchd as far as staging goes: it opens the store in
// dir, stages src with a lease, closes the store and returns the blob. Two
// calls with one dir are two runs: the second sees the first's index.
// Errors fail the test.
func Run(t testing.TB, dir string, src staging.Source) staging.Blob {
	t.Helper()
	s, err := staging.Open(dir, staging.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := s.StageSource(context.Background(), s.Lease(), src)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
