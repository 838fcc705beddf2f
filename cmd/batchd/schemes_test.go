package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/internal/hdfstest"
)

// numbers is the input every scheme serves: two groups, total 150.
const numbers = "# two groups\n10 20\n\n30 40 50\n"

// TestInputFromEveryScheme runs the sum job with its input staged through
// each fetcher plugin from a real server of that scheme.
func TestInputFromEveryScheme(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "numbers.txt")
	if err := os.WriteFile(local, []byte(numbers), 0o644); err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer web.Close()

	ftp := ftptest.Start(t, ftptest.Options{TLS: true})
	ftp.WriteFile(t, "data/numbers.txt", []byte(numbers))
	passFile := filepath.Join(dir, "ftp-password")
	if err := os.WriteFile(passFile, []byte(ftp.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ftpSettings := fmt.Sprintf("[fetchers.ftp]\nuser = %q\npassword_file = %q\nca_file = %q\n", ftp.User, passFile, ftp.Cert.CAFile)

	hdfs := hdfstest.Start(t, hdfstest.Options{Datanodes: 2, BlockSize: 16})
	if err := hdfs.Put("/data/numbers.txt", []byte(numbers), 0o644); err != nil {
		t.Fatal(err)
	}
	hdfsSettings := fmt.Sprintf("[fetchers.hdfs]\nnamenodes = [%q]\nuser = \"hdfs\"\n", hdfs.Addr())

	tests := []struct {
		name     string
		input    string
		settings string
	}{
		{"plain path", local, ""},
		{"file", "file://" + local, ""},
		{"http", web.URL + "/numbers.txt", ""},
		{"ftp", ftp.URL("ftp", "data/numbers.txt"), ftpSettings},
		{"ftps", ftp.URL("ftps", "data/numbers.txt"), ftpSettings},
		{"hdfs", "hdfs://" + hdfs.Addr() + "/data/numbers.txt", hdfsSettings},
		{"hdfs default namenode", "hdfs:///data/numbers.txt", hdfsSettings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.settings+fmt.Sprintf(`
[[job]]
name = "in"
workload = "sum"
cpus = 0.1
mem = "16MiB"
[job.params]
input = %q
`, tt.input))
			code, out, errOut := run(t, 2*time.Minute, "--config", path)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
			}
			for _, want := range []string{"sum of 10 20 = 30", "sum of 30 40 50 = 120", "job in: 2 tasks finished, total 150"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout has no %q:\n%s", want, out)
				}
			}
			if strings.Contains(errOut, ftp.Password) {
				t.Errorf("the FTP password reached the log")
			}
		})
	}
}
