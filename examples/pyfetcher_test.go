package examples

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// pyFetcher launches the Python fetcher as batchd does (go-plugin, the
// fetcher handshake, gRPC) and returns batchd's client for it.
func pyFetcher(t *testing.T) fetcher.Fetcher {
	t.Helper()
	needPython(t)
	c := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  fetcher.Handshake,
		Plugins:          fetcher.PluginSet(nil),
		Cmd:              exec.Command(filepath.Join(pluginDir, "batchd-fetcher-pyfile")),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
		StartTimeout:     time.Minute,
	})
	t.Cleanup(c.Kill)
	rpc, err := c.Client()
	if err != nil {
		t.Fatalf("starting the Python fetcher: %v", err)
	}
	if err := rpc.Ping(); err != nil {
		t.Errorf("health check: %v", err)
	}
	raw, err := rpc.Dispense(fetcher.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(fetcher.Fetcher)
}

// TestPythonFetcherContract checks the Python fetcher against the fetcher
// contract through batchd's own gRPC client: fresh and resumed fetches,
// errors mapped to the contract's sentinels, a partial file kept or
// removed, Stat and Configure.
func TestPythonFetcherContract(t *testing.T) {
	f := pyFetcher(t)
	ctx := context.Background()
	content, sum := fetchertest.Content(3<<20 + 17)
	src := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(src, content, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(src, old, old)
	uri := "py+file://" + src
	if err := f.Configure(ctx, json.RawMessage(`{"chunk_size": 65536}`)); err != nil {
		t.Fatal(err)
	}

	t.Run("fetch", func(t *testing.T) {
		var last fetcher.Progress
		res, dest, err := fetchertest.Fetch(t, ctx, f, uri, func(p fetcher.Progress) { last = p })
		if err != nil {
			t.Fatal(err)
		}
		fetchertest.CheckResult(t, res, int64(len(content)), sum)
		fetchertest.CheckFile(t, dest, sum)
		if last.Total != int64(len(content)) {
			t.Errorf("progress total %d, want %d", last.Total, len(content))
		}
		if res.Validator == "" {
			t.Error("no validator for a file unchanged for an hour")
		}
	})
	for _, tt := range []struct {
		name   string
		prefix []byte
	}{
		{"resume", content[:1<<20]},
		{"prefix longer than the file", append(append([]byte{}, content...), 'x')},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, dest, err := fetchertest.Resume(t, ctx, f, uri, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			fetchertest.CheckResult(t, res, int64(len(content)), sum)
			fetchertest.CheckFile(t, dest, sum)
		})
	}
	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			uri  string
			want error
		}{
			{"py+file://" + src + ".missing", fetcher.ErrNotFound},
			{"py+file://otherhost" + src, fetcher.ErrUnsupported},
			{"py+file://" + filepath.Dir(src), fetcher.ErrUnsupported},
		} {
			_, dest, err := fetchertest.Fetch(t, ctx, f, c.uri, nil)
			if !errors.Is(err, c.want) {
				t.Errorf("Fetch(%s) = %v, want %v", c.uri, err, c.want)
			}
			fetchertest.CheckGone(t, dest)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		for _, keep := range []bool{false, true} {
			cancelMidway(t, f, keep)
		}
	})
	t.Run("stat", func(t *testing.T) {
		st, err := f.(fetcher.Stater).Stat(ctx, fetcher.StatRequest{URI: uri})
		if err != nil || st.Size != int64(len(content)) || st.Validator == "" {
			t.Errorf("Stat = %+v, %v; want size %d and a validator", st, err, len(content))
		}
	})
	t.Run("bad settings", func(t *testing.T) {
		err := f.Configure(ctx, json.RawMessage(`{"chunk_size": 0, "colour": "red"}`))
		if !errors.Is(err, fetcher.ErrInvalidConfig) {
			t.Errorf("Configure = %v, want ErrInvalidConfig", err)
		}
	})
}

// cancelMidway cancels a Python fetch from a named pipe after its first
// MiB, while the plugin waits for more, and checks that the plugin then
// removes its partial file, or keeps it when asked to. A pipe, not a file:
// a file is copied faster than the cancellation can reach the plugin.
func cancelMidway(t *testing.T, f fetcher.Fetcher, keep bool) {
	t.Helper()
	dir := t.TempDir()
	fifo, dest := filepath.Join(dir, "pipe"), filepath.Join(dir, "out")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	content, _ := fetchertest.Content(1 << 20)
	release := make(chan struct{})
	wrote := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until the plugin opens it
		if err == nil {
			_, err = w.Write(content)
			<-release
			w.Close()
		}
		wrote <- err
	}()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := f.Fetch(ctx, fetcher.Request{URI: "py+file://" + fifo, Dest: dest, KeepPartial: keep}, func(p fetcher.Progress) {
		if p.Bytes >= int64(len(content)) {
			cancel()
		}
	})
	cancel()
	if err == nil {
		t.Fatalf("keep=%v: a cancelled Fetch succeeded", keep)
	}
	// A call on the same connection after the cancelled one: by its
	// answer the plugin's gRPC server has seen the cancellation.
	if _, err := f.Describe(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(release) // the plugin's read returns; it sees the cancellation
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		fi, err := os.Stat(dest)
		if keep {
			return err == nil && fi.Size() == int64(len(content))
		}
		return err != nil
	})
}

// waitFor polls cond until it holds, failing the test after a minute. The
// Python plugin's file handling ends after its gRPC call has: there is no
// event to wait on from this side.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
