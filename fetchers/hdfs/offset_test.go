package hdfsfetch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/hdfstest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// TestFetchResumesFromOffset hands the fetcher a Dest holding a prefix and
// checks the result covers the whole file. A wrong prefix comes back
// followed by the rest of the file, which shows the fetcher read only from
// Offset on (and that it cannot tell: the caller's checksum must).
func TestFetchResumesFromOffset(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{Datanodes: 2, BlockSize: 256 << 10, Replication: 1})
	data := randomBytes(1<<20+3, 21)
	if err := c.Put("/f", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Put("/tree/a", data[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	f := configured(t, userSettings(c))
	n := len(data)
	wrong := bytes.Repeat([]byte{0}, 1000)
	tests := []struct {
		name   string
		uri    string
		prefix []byte
		want   []byte // nil: the file
	}{
		{"half", "hdfs:///f", data[:n/2], nil},
		{"across a block boundary", "hdfs:///f", data[:300<<10], nil},
		{"one byte", "hdfs:///f", data[:1], nil},
		{"whole file already there", "hdfs:///f", data, nil},
		{"prefix longer than the file", "hdfs:///f", append(slices.Clip(data), 'x'), nil},
		{"wrong prefix", "hdfs:///f", wrong, append(slices.Clip(wrong), data[len(wrong):]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == nil {
				want = data
			}
			res, dest, err := fetchertest.Resume(t, context.Background(), f, tt.uri, tt.prefix)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			fetchertest.CheckResult(t, res, int64(len(want)), digest(want))
			if got, err := os.ReadFile(dest); err != nil || !bytes.Equal(got, want) {
				t.Errorf("dest holds %d bytes (err %v), want %d", len(got), err, len(want))
			}
		})
	}
	// A prefix written before the file was last modified is stale.
	dest := filepath.Join(t.TempDir(), "stale")
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.WriteFile(dest, wrong, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dest, old, old); err != nil {
		t.Fatal(err)
	}
	res, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///f", Dest: dest, Offset: int64(len(wrong))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fetchertest.CheckResult(t, res, int64(n), digest(data))

	// A directory is a tar stream built on the fly: it always starts over.
	fresh := filepath.Join(t.TempDir(), "fresh.tar")
	want, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///tree", Dest: fresh}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err = fetchertest.Resume(t, context.Background(), f, "hdfs:///tree", wrong)
	if err != nil || res != want {
		t.Errorf("directory with an offset: %+v, %v; want %+v", res, err, want)
	}
}

// TestFetchKeepPartial: a fetch cut by a failing datanode keeps what it
// wrote when asked, removes it otherwise, and a second fetch resumes it.
func TestFetchKeepPartial(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{Datanodes: 1, BlockSize: 1 << 20, Replication: 1})
	data := randomBytes(2<<20+5, 22)
	if err := c.Put("/big", data, 0o644); err != nil {
		t.Fatal(err)
	}
	f := configured(t, userSettings(c)[:len(userSettings(c))-1]+`, "retries": 0}`)
	for _, keep := range []bool{false, true} {
		c.FailDatanodeAfter(0, 300_000)
		dest := filepath.Join(t.TempDir(), "partial")
		_, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///big", Dest: dest, KeepPartial: keep}, nil)
		if err == nil {
			t.Fatal("Fetch through a failing datanode succeeded")
		}
		c.HealDatanode(0)
		if !keep {
			fetchertest.CheckGone(t, dest)
			continue
		}
		got, err := os.ReadFile(dest)
		if err != nil || len(got) == 0 || !bytes.Equal(got, data[:len(got)]) {
			t.Fatalf("kept %d bytes (%v), want a non-empty prefix of the file", len(got), err)
		}
		res, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///big", Dest: dest, Offset: int64(len(got))}, nil)
		if err != nil {
			t.Fatalf("resuming: %v", err)
		}
		fetchertest.CheckResult(t, res, int64(len(data)), digest(data))
	}
}
