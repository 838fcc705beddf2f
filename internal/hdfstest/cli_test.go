package hdfstest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hdfsCLI finds the Debian gohdfs CLI (package hdfs-cli). Missing, the test
// is skipped locally and fails in CI.
func hdfsCLI(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("hdfs")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("hdfs CLI not found (apt-get install hdfs-cli): %v", err)
		}
		t.Skipf("hdfs CLI not found (apt-get install hdfs-cli): %v", err)
	}
	return bin
}

// TestGohdfsCLI cross-checks the server with an independent build of the
// client: the gohdfs command line tool.
func TestGohdfsCLI(t *testing.T) {
	bin := hdfsCLI(t)
	c := Start(t, Options{BlockSize: 64 << 10, Datanodes: 3, Replication: 2})
	big := randomBytes(300<<10+17, 11)
	files := map[string][]byte{"/cli/a.bin": big, "/cli/empty": nil, "/cli/sub/b.txt": []byte("hello\n")}
	for p, data := range files {
		mustPut(t, c, p, data)
	}
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "HADOOP_NAMENODE="+c.Addr(), "HADOOP_USER_NAME=tester", "HADOOP_CONF_DIR="+t.TempDir(), "HADOOP_HOME=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("hdfs %s: %v: %s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}
	t.Run("ls", func(t *testing.T) {
		if got := run(t, "ls", "/cli"); got != "a.bin\nempty\nsub\n" {
			t.Errorf("ls = %q", got)
		}
		long := strings.Fields(run(t, "ls", "-l", "/cli/a.bin"))
		if len(long) != 8 || long[0] != "-rw-r--r--" || long[1] != "hdfs" || long[2] != "supergroup" || long[3] != "307217" || long[7] != "/cli/a.bin" {
			t.Errorf("ls -l = %q", long)
		}
	})
	t.Run("get file", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "a.bin")
		run(t, "get", "/cli/a.bin", dest)
		got, err := os.ReadFile(dest)
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("get: read back %d bytes (err %v), want the %d put", len(got), err, len(big))
		}
	})
	t.Run("get directory", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "tree")
		run(t, "get", "/cli", dest)
		for p, want := range files {
			got, err := os.ReadFile(filepath.Join(dest, strings.TrimPrefix(p, "/cli/")))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %d bytes (err %v), want %d", p, len(got), err, len(want))
			}
		}
	})
	t.Run("cat", func(t *testing.T) {
		if got := run(t, "cat", "/cli/sub/b.txt"); got != "hello\n" {
			t.Errorf("cat = %q", got)
		}
	})
	t.Run("du", func(t *testing.T) {
		if got := run(t, "du", "-s", "/cli"); !strings.HasPrefix(got, "307223") {
			t.Errorf("du -s = %q", got)
		}
	})
}
