package ftpfetch

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/staging/fetchsrc"
	"github.com/batchd/batchd/core/staging/stagingtest"
	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// TestStagingRevalidates stages one FTP file in runs of batchd (a
// core/staging.Store opened anew on one folder), the fetcher behind the
// gRPC shims as core/jobs drives it, and counts the RETR commands each
// real server saw: a run after an unchanged file downloads nothing and
// reuses the blob; a run after the file was rewritten gets the new bytes.
func TestStagingRevalidates(t *testing.T) {
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) {
			srv := rs.start(t, ftptest.Options{})
			f := fetchertest.Conn(t, New(testConfig()))
			uri := withUser(srv, "ftp", "in.txt", srv.User, srv.Password)
			src := fetchsrc.Of(f, uri)
			dir := t.TempDir()
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			runs := []struct {
				name      string
				data      string // written before the run when not empty
				mtime     time.Time
				want      string
				wantRetrs int // RETR commands the run sends
			}{
				{"first run", "1 2 3\n", old, "1 2 3\n", 1},
				{"unchanged", "", time.Time{}, "1 2 3\n", 0},
				{"rewritten", "10 20 30\n", old.Add(time.Minute), "10 20 30\n", 1},
				{"unchanged again", "", time.Time{}, "10 20 30\n", 0},
				{"same size, new content", "40 50 60\n", old.Add(2 * time.Minute), "40 50 60\n", 1},
			}
			var prev staging.Blob
			for _, r := range runs {
				if r.data != "" {
					srv.WriteFile(t, "in.txt", []byte(r.data))
					srv.SetModTime(t, "in.txt", r.mtime)
				}
				logStart := len(srv.Log(t))
				b := stagingtest.Run(t, dir, src)
				checkBlob(t, r.name, b, r.want)
				if r.wantRetrs == 0 && b != prev {
					t.Errorf("%s: blob %+v, want the last run's %+v", r.name, b, prev)
				}
				if got := countCommands(ftptest.Commands(srv.Log(t)[logStart:]), "RETR "); got != r.wantRetrs {
					t.Errorf("%s: %d RETR, want %d", r.name, got, r.wantRetrs)
				}
				prev = b
			}
		})
	}
}

// checkBlob checks that b holds want.
func checkBlob(t *testing.T, step string, b staging.Blob, want string) {
	t.Helper()
	got, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	sum := sha256.Sum256([]byte(want))
	if string(got) != want || b.Digest != hex.EncodeToString(sum[:]) {
		t.Errorf("%s: blob %s holds %q, want %q", step, b.Digest, got, want)
	}
}

// countCommands counts the commands that start with prefix.
func countCommands(cmds []string, prefix string) int {
	n := 0
	for _, c := range cmds {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}
