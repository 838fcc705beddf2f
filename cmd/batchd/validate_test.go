package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBadJobsExit2 runs each bad job through `batchd validate` and a run:
// both exit 2 with the same clear error, naming the file and line, the job
// and the field, and the run starts nothing (no state folder).
func TestBadJobsExit2(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "numbers.txt")
	handled := `handled: file by file, ftp by ftp, ftps by ftp, hdfs by hdfs, http by http, https by http`
	tests := []struct {
		name string
		body string // after "[[job]]\nname = \"x\"\nworkload = \"sum\"\n", from line 7
		want []string
	}{
		{"empty groups", "[job.params]\ngroups = []\n",
			[]string{`cluster.toml:8:1: job[0].params.groups: job x: workload sum: an empty list: give at least one group such as "1 2 3"`}},
		{"not a number", "[job.params]\ngroups = [\"1 2\", \"abc\"]\n",
			[]string{`cluster.toml:8:18: job[0].params.groups[1]: job x: workload sum: "abc" is not an integer`}},
		{"groups a string", "[job.params]\ngroups = \"1 2\"\n",
			[]string{`cluster.toml:8:1: job[0].params.groups: job x: workload sum: a string "1 2", want a list of groups such as ["1 2 3", "4 5 6"]`}},
		{"missing input", fmt.Sprintf("[job.params]\ninput = %q\n", missing),
			[]string{`cluster.toml:8:1: job[0].params.input: job x: fetcher plugin "file": stat ` + missing, `not found`}},
		{"unknown scheme", "[job.params]\ngroups = [\"1\"]\n[[job.artifacts]]\nuri = \"s3://bucket/key\"\n",
			[]string{`cluster.toml:10:1: job[0].artifacts[0].uri: job x: s3://bucket/key: host: plugin not found: no fetcher plugin handles URI scheme "s3" (` + handled}},
		{"data URI", "[job.params]\ngroups = [\"1\"]\n[[job.artifacts]]\nuri = \"data:text/plain,hi\"\n",
			[]string{`job[0].artifacts[0].uri: job x: data:text/plain,hi: host: plugin not found: no fetcher plugin handles URI scheme "data" (` + handled}},
		{"unknown scheme input", "[job.params]\ninput = \"gopher://h/numbers\"\n",
			[]string{`cluster.toml:8:1: job[0].params.input: job x: gopher://h/numbers: host: plugin not found: no fetcher plugin handles URI scheme "gopher"`}},
		{"every problem at once", "[job.params]\ngroups = [\"1\", 2, \"x\"]\nother = 1\n[[job.artifacts]]\nuri = \"s3://b/k\"\n",
			[]string{
				`cluster.toml:8:16: job[0].params.groups[1]: job x: workload sum: a number 2, want a string of integers such as "1 2 3"`,
				`cluster.toml:8:19: job[0].params.groups[2]: job x: workload sum: "x" is not an integer`,
				`cluster.toml:9:1: job[0].params.other: job x: workload sum: unknown param of workload sum (want "groups" or "input")`,
				`cluster.toml:11:1: job[0].artifacts[0].uri: job x: s3://b/k: host: plugin not found: no fetcher plugin handles URI scheme "s3"`,
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, "[[job]]\nname = \"x\"\nworkload = \"sum\"\n"+tc.body)
			for _, cmd := range [][]string{{"validate", "--config", path}, {"--config", path}} {
				code, out, errOut := run(t, time.Minute, cmd...)
				if code != 2 {
					t.Fatalf("batchd %s: exit %d, want 2\nstdout:\n%s\nstderr:\n%s", cmd[0], code, out, errOut)
				}
				for _, w := range tc.want {
					if !strings.Contains(errOut, w) {
						t.Errorf("batchd %s: stderr lacks\n%s\nstderr:\n%s", cmd[0], w, tail(errOut))
					}
				}
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(path), ".batchd")); !os.IsNotExist(err) {
				t.Errorf("the refused run made its state folder (%v)", err)
			}
		})
	}
}

// TestMissingWorkloadIsAConfigError: a workload no plugin folder holds
// is named at its key.
func TestMissingWorkloadIsAConfigError(t *testing.T) {
	path := writeConfig(t, "[[job]]\nname = \"x\"\nworkload = \"nosuch\"\n")
	want := regexp.MustCompile(`cluster\.toml:6:1: job\[0\]\.workload: job x: .*batchd-workload-nosuch.*` + regexp.QuoteMeta(pluginDir))
	for _, cmd := range [][]string{{"validate", "--config", path}, {"--config", path}} {
		code, _, errOut := run(t, time.Minute, cmd...)
		if code != 2 || !want.MatchString(errOut) {
			t.Errorf("batchd %s: exit %d, want 2 and %s\nstderr:\n%s", cmd[0], code, want, tail(errOut))
		}
	}
}

// hangingPlugin builds a program that never completes a plugin's
// handshake and returns a plugin folder holding it as batchd-fetcher-hang
// beside links to the test plugins.
func hangingPlugin(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	main := "package main\n\nimport \"time\"\n\nfunc main() { time.Sleep(time.Hour) }\n"
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "batchd-fetcher-hang"), "main.go")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the hanging plugin: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(pluginDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(pluginDir, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestHangingFetcherIsNotStarted: a job starts only the fetchers its URIs
// need, so a fetcher plugin that hangs at start does not hold it up.
func TestHangingFetcherIsNotStarted(t *testing.T) {
	dir := hangingPlugin(t)
	input := filepath.Join(t.TempDir(), "numbers.txt")
	if err := os.WriteFile(input, []byte("1 2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cluster.toml")
	body := fmt.Sprintf("[plugins]\ndirs = [%q]\n[[job]]\nname = \"x\"\nworkload = \"sum\"\ncpus = 0.1\nmem = \"16MiB\"\n[job.params]\ngroups = [\"1 2\", \"3\"]\n", dir)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, 2*time.Minute, "-v", "--config", path)
	if code != 0 || !strings.Contains(out, "job x: 2 tasks finished, total 6") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	if strings.Contains(errOut, "batchd-fetcher-hang") || strings.Contains(errOut, "plugin=hang") {
		t.Errorf("the run started the hanging fetcher:\n%s", tail(errOut))
	}
}

// TestPluginsListsUnusableFiles: `batchd plugins` lists every file of the
// plugin folder, the ones it cannot use with the reason, and a plugin that
// hangs at start costs one start timeout, not one per plugin.
func TestPluginsListsUnusableFiles(t *testing.T) {
	dir := hangingPlugin(t)
	for name, mode := range map[string]os.FileMode{"batchd-fetcher-off": 0o644, "notes.txt": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := run(t, time.Minute, "plugins", "--plugin-dir", dir)
	if code != 0 {
		t.Fatalf("plugins: exit %d\nstderr:\n%s", code, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^workload +sum +\S+ +params: groups:list,input:uri +` + regexp.QuoteMeta(filepath.Join(dir, "batchd-workload-sum")) + `$`),
		regexp.MustCompile(`(?m)^fetcher +http +\S+ +schemes: http,https +`),
		regexp.MustCompile(`(?m)^fetcher +hang +error: starting fetcher plugin "hang" \(` + regexp.QuoteMeta(filepath.Join(dir, "batchd-fetcher-hang")) + `\): .*hung at start: no handshake within the 10s start timeout`),
		regexp.MustCompile(`(?m)^fetcher +off +error: host: plugin file is not executable \(mode -rw-r--r--\): batchd skips it +` + regexp.QuoteMeta(filepath.Join(dir, "batchd-fetcher-off")) + `$`),
		regexp.MustCompile(`(?m)^- +notes\.txt +error: host: not named like a plugin: want batchd-workload-<name> or batchd-fetcher-<name> +` + regexp.QuoteMeta(filepath.Join(dir, "notes.txt")) + `$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("plugins output does not match %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "task-sum") {
		t.Errorf("plugins output lists the task program:\n%s", out)
	}
}
