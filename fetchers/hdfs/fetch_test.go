package hdfsfetch

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/internal/hdfstest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
	"github.com/batchd/batchd/plugins/sdk"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// configured returns a fetcher configured with settings, served through
// the real gRPC shims.
func configured(t *testing.T, settings string) fetcher.Fetcher {
	t.Helper()
	return configuredImpl(t, New(DefaultConfig()), settings)
}

// configuredImpl is configured for impl.
func configuredImpl(t *testing.T, impl *Fetcher, settings string) fetcher.Fetcher {
	t.Helper()
	f := fetchertest.Conn(t, impl)
	if err := f.Configure(context.Background(), json.RawMessage(settings)); err != nil {
		t.Fatalf("Configure(%s): %v", settings, err)
	}
	return f
}

func userSettings(c *hdfstest.Cluster) string {
	return fmt.Sprintf(`{"namenodes": [%q], "user": "tester"}`, c.Addr())
}

func TestFetchFiles(t *testing.T) {
	const block = 256 << 10
	c := hdfstest.Start(t, hdfstest.Options{Datanodes: 3, BlockSize: block, Replication: 2})
	f := configured(t, userSettings(c))
	tests := []struct {
		name string
		size int
		uri  func(p string) string
	}{
		{"empty", 0, func(p string) string { return "hdfs://" + c.Addr() + p }},
		{"one byte", 1, func(p string) string { return "hdfs://" + c.Addr() + p }},
		{"several blocks", 4*block + 99, func(p string) string { return "hdfs://" + c.Addr() + p }},
		{"configured namenode", 3000, func(p string) string { return "hdfs://" + p }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randomBytes(tt.size, uint64(i))
			p := fmt.Sprintf("/files/f%d", i)
			if err := c.Put(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(t.TempDir(), "out")
			var last fetcher.Progress
			res, err := f.Fetch(context.Background(), fetcher.Request{URI: tt.uri(p), Dest: dest}, func(p fetcher.Progress) {
				if p.Bytes < last.Bytes {
					t.Errorf("progress went backwards: %d after %d", p.Bytes, last.Bytes)
				}
				last = p
			})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.Size != int64(tt.size) || res.SHA256 != digest(data) {
				t.Errorf("result = %+v, want %d bytes %s", res, tt.size, digest(data))
			}
			if last.Bytes != int64(tt.size) || last.Total != int64(tt.size) {
				t.Errorf("last progress = %+v", last)
			}
			got, err := os.ReadFile(dest)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("dest holds %d bytes (err %v), want the %d put", len(got), err, len(data))
			}
		})
	}
}

func TestFetchDirectory(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{BlockSize: 64 << 10})
	files := map[string][]byte{
		"/tree/a.txt":       []byte("alpha\n"),
		"/tree/empty":       nil,
		"/tree/sub/big.bin": randomBytes(200<<10, 5),
		"/tree/sub/x/y.sh":  []byte("#!/bin/sh\necho y\n"),
	}
	for p, data := range files {
		perm := fs.FileMode(0o640)
		if strings.HasSuffix(p, ".sh") {
			perm = 0o755
		}
		if err := c.Put(p, data, perm); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Mkdir("/tree/emptydir", 0o700); err != nil {
		t.Fatal(err)
	}
	f := configured(t, userSettings(c))
	dest := filepath.Join(t.TempDir(), "tree.tar")
	res, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///tree/", Dest: dest}, nil)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	raw, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != int64(len(raw)) || res.SHA256 != digest(raw) {
		t.Errorf("result %+v does not describe the %d bytes written", res, len(raw))
	}
	type entry struct {
		mode int64
		data string
	}
	got := map[string]entry{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading tar: %v", err)
		}
		b, _ := io.ReadAll(tr)
		got[h.Name] = entry{h.Mode, string(b)}
		order = append(order, h.Name)
		if h.Uname != "hdfs" || h.Gname != "supergroup" {
			t.Errorf("%s: owner %s:%s", h.Name, h.Uname, h.Gname)
		}
	}
	want := map[string]entry{
		"tree/":            {0o755, ""},
		"tree/a.txt":       {0o640, "alpha\n"},
		"tree/empty":       {0o640, ""},
		"tree/emptydir/":   {0o700, ""},
		"tree/sub/":        {0o755, ""},
		"tree/sub/big.bin": {0o640, string(files["/tree/sub/big.bin"])},
		"tree/sub/x/":      {0o755, ""},
		"tree/sub/x/y.sh":  {0o755, string(files["/tree/sub/x/y.sh"])},
	}
	if len(got) != len(want) {
		t.Errorf("tar entries = %v, want %d", order, len(want))
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s: mode %o, %d bytes; want mode %o, %d bytes (present %v)", name, g.mode, len(g.data), w.mode, len(w.data), ok)
		}
	}
	// The same tree yields the same bytes.
	res2, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///tree", Dest: dest + "2"}, nil)
	if err != nil || res2 != res {
		t.Errorf("second fetch = %+v, %v; want %+v", res2, err, res)
	}
}

func TestFetchDatanodeFailure(t *testing.T) {
	data := randomBytes(3<<20+7, 9)
	tests := []struct {
		name        string
		replication int
		fail        func(c *hdfstest.Cluster)
	}{
		// The client fails over to the other replica by itself.
		{"replica dies mid-read", 2, func(c *hdfstest.Cluster) { c.FailDatanodeAfter(0, 300_000) }},
		{"replica down", 2, func(c *hdfstest.Cluster) { c.FailDatanodeAfter(1, 0) }},
		// One replica, cut every 300 kB: only resuming at the offset
		// already written gets the whole file.
		{"only replica keeps dying", 1, func(c *hdfstest.Cluster) {
			for i := range 3 {
				c.FailDatanodeAfter(i, 300_000)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hdfstest.Start(t, hdfstest.Options{Datanodes: 3, BlockSize: 1 << 20, Replication: tt.replication})
			if err := c.Put("/big", data, 0o644); err != nil {
				t.Fatal(err)
			}
			tt.fail(c)
			f := configured(t, userSettings(c)[:len(userSettings(c))-1]+`, "retries": 2}`)
			dest := filepath.Join(t.TempDir(), "out")
			res, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///big", Dest: dest}, nil)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.SHA256 != digest(data) {
				t.Fatal("digest differs")
			}
			got, _ := os.ReadFile(dest)
			if !bytes.Equal(got, data) {
				t.Fatal("dest differs")
			}
		})
	}
}

func TestFetchErrors(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{Datanodes: 2, Replication: 1})
	for p, data := range map[string][]byte{"/ok": []byte("fine"), "/secret/x": []byte("x"), "/locked": []byte("no"), "/dead": randomBytes(5000, 2)} {
		if err := c.Put(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/secret", "/locked"} {
		if err := c.Deny(p); err != nil {
			t.Fatal(err)
		}
	}
	c.FailDatanodeAfter(0, 0)
	c.FailDatanodeAfter(1, 0)
	closed := hdfstest.UnreachableAddr(t)
	f := configured(t, userSettings(c)[:len(userSettings(c))-1]+`, "retries": 1}`)
	tests := []struct {
		name    string
		uri     string
		want    error
		mention string
	}{
		{"missing file", "hdfs:///nope/file", fetcher.ErrNotFound, "/nope/file"},
		{"under denied directory", "hdfs:///secret/x", fetcher.ErrPermission, "/secret/x"},
		{"denied directory", "hdfs:///secret", fetcher.ErrPermission, "/secret"},
		{"denied file", "hdfs:///locked", fetcher.ErrPermission, "/locked"},
		{"unreachable namenode", "hdfs://" + closed + "/ok", fetcher.ErrUnavailable, closed},
		{"every datanode down", "hdfs:///dead", fetcher.ErrUnavailable, "offset 0"},
		{"other scheme", "ftp://host/x", fetcher.ErrUnsupported, "ftp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			_, err := f.Fetch(context.Background(), fetcher.Request{URI: tt.uri, Dest: dest}, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			fetchertest.CheckGone(t, dest)
		})
	}
}

func TestFetchCancelled(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{})
	// Longer than sdk.ProgressBytes, so a report comes before the end.
	if err := c.Put("/f", randomBytes(sdk.ProgressBytes+4<<20, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	f := New(DefaultConfig())
	if err := f.Configure(context.Background(), json.RawMessage(userSettings(c))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dest := filepath.Join(t.TempDir(), "out")
	_, err := f.Fetch(ctx, fetcher.Request{URI: "hdfs:///f", Dest: dest}, func(p fetcher.Progress) {
		if p.Bytes > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	fetchertest.CheckGone(t, dest)
}
