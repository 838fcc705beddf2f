package hdfsfetch

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/hdfstest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// setModTimes sets the modification time of every path in ps.
func setModTimes(t *testing.T, c *hdfstest.Cluster, mtime time.Time, ps ...string) {
	t.Helper()
	for _, p := range ps {
		if err := c.SetModTime(p, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// stopped returns a fetcher for c, served through the gRPC shims, whose
// clock stands still at now.
func stopped(t *testing.T, c *hdfstest.Cluster, now time.Time) fetcher.Fetcher {
	t.Helper()
	impl := New(DefaultConfig())
	impl.now = func() time.Time { return now }
	return configuredImpl(t, impl, userSettings(c))
}

// fetchAndStat fetches uri, then stats it, through f.
func fetchAndStat(t *testing.T, f fetcher.Fetcher, uri string) (fetcher.Result, fetcher.StatResult) {
	t.Helper()
	res, err := f.Fetch(context.Background(), fetcher.Request{URI: uri, Dest: filepath.Join(t.TempDir(), "out")}, nil)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	st, err := f.(fetcher.Stater).Stat(context.Background(), fetcher.StatRequest{URI: uri, Validator: res.Validator})
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	return res, st
}

// TestStatFile fetches and stats one file through the gRPC shims while the
// test rewrites it and sets its modification time on the HDFS test server,
// and checks the validators follow the versions without any block read
// for Stat.
func TestStatFile(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{BlockSize: 1000})
	now := time.Now()
	f := stopped(t, c, now)
	old := now.Add(-time.Hour).Truncate(time.Millisecond)
	v1, v2 := randomBytes(2500, 1), randomBytes(2500, 2)
	put := func(data []byte) func() {
		return func() {
			if err := c.Put("/in/f", data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	steps := []struct {
		name    string
		change  func()           // before the step, when not nil
		mtime   func() time.Time // set before the step, when not nil
		prefix  string           // of the validator of Fetch and Stat; "" for none
		changed bool             // the validator differs from the previous step's
	}{
		{"first version", put(v1), func() time.Time { return old }, fmt.Sprintf("hdfs:2500:%d:", old.UnixMilli()), true},
		{"unchanged", nil, nil, fmt.Sprintf("hdfs:2500:%d:", old.UnixMilli()), false},
		{"replaced, same length and mtime", put(v2), func() time.Time { return old }, fmt.Sprintf("hdfs:2500:%d:", old.UnixMilli()), true},
		{"touched", nil, func() time.Time { return old.Add(time.Millisecond) }, fmt.Sprintf("hdfs:2500:%d:", old.UnixMilli()+1), true},
		{"shorter", put(v1[:10]), func() time.Time { return old }, fmt.Sprintf("hdfs:10:%d:", old.UnixMilli()), true},
		{"written just now", put(v1), func() time.Time { return now.Add(-racyWindow + time.Millisecond) }, "", true},
		{"modified in the future", nil, func() time.Time { return now.Add(time.Hour) }, "", false},
		{"old enough", nil, func() time.Time { return now.Add(-racyWindow) }, fmt.Sprintf("hdfs:2500:%d:", now.Add(-racyWindow).UnixMilli()), true},
	}
	prev := ""
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		if s.mtime != nil {
			setModTimes(t, c, s.mtime(), "/in/f")
		}
		res, st := fetchAndStat(t, f, "hdfs:///in/f")
		reads := c.BlockReads()
		if _, err := f.(fetcher.Stater).Stat(context.Background(), fetcher.StatRequest{URI: "hdfs:///in/f"}); err != nil {
			t.Fatal(err)
		}
		if got := c.BlockReads() - reads; got != 0 {
			t.Errorf("%s: Stat read %d blocks", s.name, got)
		}
		if res.Validator != st.Validator || !strings.HasPrefix(st.Validator, s.prefix) || (s.prefix == "") != (st.Validator == "") {
			t.Errorf("%s: Fetch validator %q, Stat validator %q; want both %q...", s.name, res.Validator, st.Validator, s.prefix)
		}
		if st.Size != res.Size {
			t.Errorf("%s: Stat size %d, Fetch size %d", s.name, st.Size, res.Size)
		}
		if (st.Validator != prev) != s.changed {
			t.Errorf("%s: validator %q after %q; want changed = %v", s.name, st.Validator, prev, s.changed)
		}
		prev = st.Validator
	}
}

// TestStatTree checks the validators of a directory URI (staged as a tar of
// the tree): one for the whole listing, changing with any entry.
func TestStatTree(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{})
	now := time.Now()
	f := stopped(t, c, now)
	old := now.Add(-time.Hour)
	put := func(p string, data string) func() {
		return func() {
			if err := c.Put(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	tree := []string{"/tree", "/tree/a.txt", "/tree/sub", "/tree/sub/b.txt"}
	put("/tree/a.txt", "alpha")()
	put("/tree/sub/b.txt", "beta")()
	steps := []struct {
		name    string
		change  func()
		age     []string // set to old after the change
		want    bool     // a validator
		changed bool
	}{
		{"first version", nil, tree, true, true},
		{"unchanged", nil, nil, true, false},
		{"a file deep down replaced", put("/tree/sub/b.txt", "BETA"), tree, true, true},
		{"a file added", put("/tree/sub/c.txt", "gamma"), append(tree, "/tree/sub/c.txt"), true, true},
		{"a directory's mtime alone", func() { setModTimes(t, c, old.Add(time.Minute), "/tree/sub") }, nil, true, true},
		{"a file written just now", func() {
			put("/tree/a.txt", "ALPHA")()
			setModTimes(t, c, now.Add(-time.Millisecond), "/tree/a.txt")
		}, []string{"/tree", "/tree/sub"}, false, true},
	}
	prev := ""
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		setModTimes(t, c, old, s.age...)
		res, st := fetchAndStat(t, f, "hdfs:///tree")
		if res.Validator != st.Validator || strings.HasPrefix(st.Validator, "hdfs-tree:") != s.want {
			t.Errorf("%s: Fetch validator %q, Stat validator %q; want equal hdfs-tree validators: %v", s.name, res.Validator, st.Validator, s.want)
		}
		if st.Size != -1 {
			t.Errorf("%s: Stat size %d, want -1 for a tree", s.name, st.Size)
		}
		if (st.Validator != prev) != s.changed {
			t.Errorf("%s: validator %q after %q; want changed = %v", s.name, st.Validator, prev, s.changed)
		}
		prev = st.Validator
	}
}

// TestFetchValidatorChangedDuringRead changes the file or tree after Fetch
// has asked for its version and before it has read it (from the first
// progress report), and checks the fetch then reports no validator, and a
// fetch resumed from an earlier one's bytes none either.
func TestFetchValidatorChangedDuringRead(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{BlockSize: 1000})
	old := time.Now().Add(-time.Hour)
	data := randomBytes(5000, 3)
	for _, p := range []string{"/f", "/tree/a"} {
		if err := c.Put(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		uri    string
		change func() error // at the first progress report; nil for none
		prefix []byte       // an earlier fetch's bytes in Dest
		want   bool         // a validator
	}{
		{"file unchanged", "hdfs:///f", nil, nil, true},
		{"file touched", "hdfs:///f", func() error { return c.SetModTime("/f", old.Add(time.Minute)) }, nil, false},
		{"tree unchanged", "hdfs:///tree", nil, nil, true},
		{"tree touched", "hdfs:///tree", func() error { return c.SetModTime("/tree", old.Add(time.Minute)) }, nil, false},
		{"resumed", "hdfs:///f", nil, data[:1234], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setModTimes(t, c, old, "/f", "/tree", "/tree/a")
			impl := New(DefaultConfig()) // called directly: progress runs in the fetch
			if err := impl.Configure(context.Background(), []byte(userSettings(c))); err != nil {
				t.Fatal(err)
			}
			var res fetcher.Result
			var err error
			if tt.prefix != nil {
				res, _, err = fetchertest.Resume(t, context.Background(), impl, tt.uri, tt.prefix)
			} else {
				changed := tt.change == nil
				res, _, err = fetchertest.Fetch(t, context.Background(), impl, tt.uri, func(fetcher.Progress) {
					if !changed {
						changed = true
						if err := tt.change(); err != nil {
							t.Error(err)
						}
					}
				})
			}
			if err != nil {
				t.Fatal(err)
			}
			if (res.Validator != "") != tt.want {
				t.Errorf("validator %q, want one: %v", res.Validator, tt.want)
			}
		})
	}
}

// TestStatErrors checks Stat's errors, through the gRPC shims.
func TestStatErrors(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{})
	for _, p := range []string{"/ok", "/secret/x", "/tree/locked/y"} {
		if err := c.Put(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/secret", "/tree/locked"} {
		if err := c.Deny(p); err != nil {
			t.Fatal(err)
		}
	}
	closed := hdfstest.UnreachableAddr(t)
	f := configured(t, userSettings(c))
	tests := []struct {
		name string
		uri  string
		want error
	}{
		{"missing file", "hdfs:///nope/file", fetcher.ErrNotFound},
		{"under denied directory", "hdfs:///secret/x", fetcher.ErrPermission},
		{"tree with a denied directory", "hdfs:///tree", fetcher.ErrPermission},
		{"unreachable namenode", "hdfs://" + closed + "/ok", fetcher.ErrUnavailable},
		{"other scheme", "ftp://host/x", fetcher.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.(fetcher.Stater).Stat(context.Background(), fetcher.StatRequest{URI: tt.uri})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Stat = %+v, %v; want an error wrapping %v", res, err, tt.want)
			}
		})
	}
}
