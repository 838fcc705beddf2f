package ftpfetch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// TestFetchResumesFromOffset hands the fetcher a Dest holding a prefix of
// the file and checks it continues with REST, or starts over when it must.
func TestFetchResumesFromOffset(t *testing.T) {
	data, sum := fetchertest.Content(1<<20 + 33)
	n := int64(len(data))
	refuseRest := func(cmd string, _ int) string {
		if cmd == "REST" {
			return "502 REST not implemented"
		}
		return ""
	}
	cases := []struct {
		name      string
		prefix    []byte
		reply     func(string, int) string
		wantRests []int64
		wantRetrs int
	}{
		{"half", data[:n/2], nil, []int64{n / 2}, 1},
		{"one byte", data[:1], nil, []int64{1}, 1},
		{"whole file already there", data, nil, nil, 0},
		{"prefix longer than the file", append(slices.Clip(data), 'x'), nil, nil, 1},
		{"server refuses REST", data[:n/2], refuseRest, nil, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := ftptest.NewFake(t, ftptest.FakeOptions{Files: map[string][]byte{"data.bin": data}, Reply: tc.reply})
			res, dest, err := fetchertest.Resume(t, context.Background(), New(testConfig()), srv.URL("data.bin"), tc.prefix)
			if err != nil {
				t.Fatal(err)
			}
			fetchertest.CheckResult(t, res, n, sum)
			fetchertest.CheckFile(t, dest, sum)
			if got := srv.RestOffsets(); !slices.Equal(got, tc.wantRests) {
				t.Errorf("REST offsets = %v, want %v", got, tc.wantRests)
			}
			if got := srv.Count("RETR"); got != tc.wantRetrs {
				t.Errorf("RETR sent %d times, want %d (commands %q)", got, tc.wantRetrs, srv.Commands())
			}
		})
	}
}

// A wrong prefix cannot be told from a right one: the fetcher appends to
// it and reports, truthfully, the digest of what is on disk; the caller's
// checksum catches it (see fetchers/http's TestStagingResume).
func TestFetchResumeTrustsThePrefix(t *testing.T) {
	data, sum := fetchertest.Content(5000)
	srv := ftptest.NewFake(t, ftptest.FakeOptions{Files: map[string][]byte{"data.bin": data}})
	wrong := bytes.Repeat([]byte{0}, 1000)
	res, dest, err := fetchertest.Resume(t, context.Background(), New(testConfig()), srv.URL("data.bin"), wrong)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if res.SHA256 == sum || !bytes.Equal(got, append(wrong, data[1000:]...)) {
		t.Errorf("result %+v: want the wrong prefix followed by the rest of the file", res)
	}
	fetchertest.CheckFile(t, dest, res.SHA256)
}

// TestFetchKeepPartial: a fetch that fails keeps what it wrote when asked,
// removes it otherwise, and a second fetch resumes the kept bytes.
func TestFetchKeepPartial(t *testing.T) {
	data, sum := fetchertest.Content(300000)
	const cut = 120000
	srv := ftptest.NewFake(t, ftptest.FakeOptions{
		Files: map[string][]byte{"data.bin": data},
		DropAfter: func(n int) int64 {
			if n <= 2 {
				return cut
			}
			return -1
		},
	})
	cfg := testConfig()
	cfg.Retries = 0
	f := New(cfg)
	for _, keep := range []bool{false, true} {
		dest := t.TempDir() + "/partial"
		_, err := f.Fetch(context.Background(), fetcher.Request{URI: srv.URL("data.bin"), Dest: dest, KeepPartial: keep}, nil)
		if err == nil {
			t.Fatal("Fetch of a dropped transfer succeeded")
		}
		if !keep {
			fetchertest.CheckGone(t, dest)
			continue
		}
		got, err := os.ReadFile(dest)
		if err != nil || !bytes.Equal(got, data[:cut]) {
			t.Fatalf("kept %d bytes (%v), want the %d received", len(got), err, cut)
		}
		res, err := f.Fetch(context.Background(), fetcher.Request{URI: srv.URL("data.bin"), Dest: dest, Offset: cut}, nil)
		if err != nil {
			t.Fatalf("resuming: %v", err)
		}
		fetchertest.CheckResult(t, res, int64(len(data)), sum)
		fetchertest.CheckFile(t, dest, sum)
	}
	if got := srv.RestOffsets(); !slices.Equal(got, []int64{cut}) {
		t.Errorf("REST offsets = %v, want [%d]", got, cut)
	}
}

// TestRealServerResumeFromOffset resumes a prefix against each real
// server; its log must show REST at the prefix's length. A prefix last
// written before the file was modified (by MDTM) is not resumed.
func TestRealServerResumeFromOffset(t *testing.T) {
	data, sum := fetchertest.Content(2<<20 + 7)
	const off = 1<<20 + 3
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) {
			srv := rs.start(t, ftptest.Options{})
			srv.WriteFile(t, "big.bin", data)
			uri := withUser(srv, "ftp", "big.bin", srv.User, srv.Password)
			cases := []struct {
				name      string
				written   time.Time // the prefix's modification time; zero: now
				wantRests []string
			}{
				{"fresh prefix", time.Time{}, []string{"REST " + strconv.Itoa(off)}},
				{"prefix older than the file", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), nil},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					logStart := len(srv.Log(t))
					dest := filepath.Join(t.TempDir(), "partial")
					if err := os.WriteFile(dest, data[:off], 0o644); err != nil {
						t.Fatal(err)
					}
					if !tc.written.IsZero() {
						if err := os.Chtimes(dest, tc.written, tc.written); err != nil {
							t.Fatal(err)
						}
					}
					res, err := New(testConfig()).Fetch(context.Background(), fetcher.Request{URI: uri, Dest: dest, Offset: off}, nil)
					if err != nil {
						t.Fatal(err)
					}
					fetchertest.CheckResult(t, res, int64(len(data)), sum)
					fetchertest.CheckFile(t, dest, sum)
					var rests []string
					for _, c := range ftptest.Commands(srv.Log(t)[logStart:]) {
						if strings.HasPrefix(c, "REST ") {
							rests = append(rests, c)
						}
					}
					if !slices.Equal(rests, tc.wantRests) {
						t.Errorf("REST commands in the server log = %q, want %q", rests, tc.wantRests)
					}
				})
			}
		})
	}
}
