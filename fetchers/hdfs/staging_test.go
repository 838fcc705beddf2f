package hdfsfetch

import (
	"testing"
	"time"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/staging/fetchsrc"
	"github.com/batchd/batchd/core/staging/stagingtest"
	"github.com/batchd/batchd/internal/hdfstest"
)

// TestStagingRevalidates stages a file and a directory tree from the HDFS
// test server in runs of batchd (a core/staging.Store opened anew on one
// folder), the fetcher behind the gRPC shims as core/jobs drives it, and
// counts the datanodes' block reads: a run after an unchanged source reads
// no block and reuses the blob; a run after it changed gets the new bytes.
func TestStagingRevalidates(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	tests := []struct {
		name  string
		uri   string
		setup []string // files put, with content "<path> v1", before the first run
		age   []string // set to old after every change
	}{
		{"file", "hdfs:///in/numbers.txt", []string{"/in/numbers.txt"}, []string{"/in/numbers.txt"}},
		{"tree", "hdfs:///inputs", []string{"/inputs/a.txt", "/inputs/sub/b.txt"},
			[]string{"/inputs", "/inputs/a.txt", "/inputs/sub", "/inputs/sub/b.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hdfstest.Start(t, hdfstest.Options{BlockSize: 4})
			f := configured(t, userSettings(c))
			put := func(version string) func() {
				return func() {
					for _, p := range tt.setup {
						if err := c.Put(p, []byte(p+" "+version+"\n"), 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			src := fetchsrc.Of(f, tt.uri)
			dir := t.TempDir()
			runs := []struct {
				name   string
				change func()
				reads  bool // the run reads blocks
				fresh  bool // the run stages other bytes than the last
			}{
				{"first run", put("v1"), true, true},
				{"unchanged", nil, false, false},
				{"rewritten", put("v2"), true, true},
				{"unchanged again", nil, false, false},
				{"rewritten with the same bytes", put("v2"), true, false},
			}
			var prev staging.Blob
			for _, r := range runs {
				if r.change != nil {
					r.change()
					setModTimes(t, c, old, tt.age...)
				}
				reads := c.BlockReads()
				b := stagingtest.Run(t, dir, src)
				if got := c.BlockReads() - reads; (got > 0) != r.reads {
					t.Errorf("%s: %d block reads, want some: %v", r.name, got, r.reads)
				}
				if (b != prev) != r.fresh {
					t.Errorf("%s: blob %+v after %+v, want other bytes: %v", r.name, b, prev, r.fresh)
				}
				prev = b
			}
			// What the last run staged is the source's last version.
			res, _ := fetchAndStat(t, f, tt.uri)
			if res.SHA256 != prev.Digest {
				t.Errorf("staged %s, the source holds %s", prev.Digest, res.SHA256)
			}
		})
	}
}
