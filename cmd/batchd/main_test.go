package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// pluginDir holds the plugin binaries built once for every test.
var pluginDir string

func TestMain(m *testing.M) {
	if os.Getenv(envRunAsBatchd) == "1" {
		main() // the test binary re-run as batchd itself (see startBatchdProcess)
		return
	}
	dir, err := os.MkdirTemp("", "batchd-e2e-plugins-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginDir = dir
	builds := map[string]string{
		"batchd-workload-sum":      "github.com/batchd/batchd/cmd/batchd-workload-sum",
		"batchd-task-sum":          "github.com/batchd/batchd/cmd/batchd-task-sum",
		"batchd-fetcher-file":      "github.com/batchd/batchd/cmd/batchd-fetcher-file",
		"batchd-fetcher-http":      "github.com/batchd/batchd/cmd/batchd-fetcher-http",
		"batchd-fetcher-ftp":       "github.com/batchd/batchd/cmd/batchd-fetcher-ftp",
		"batchd-fetcher-hdfs":      "github.com/batchd/batchd/cmd/batchd-fetcher-hdfs",
		"batchd-fetcher-archive":   "github.com/batchd/batchd/cmd/batchd-fetcher-archive",
		"batchd-workload-testwork": "./testdata/testwork",
	}
	for name, pkg := range builds {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n", name, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs batchd with args in-process and returns its exit code, stdout and stderr.
func run(t *testing.T, timeout time.Duration, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Plugin log lines may still arrive after Close returns (go-plugin's
	// stderr reader is not waited for), so the buffers are locked.
	var stdout, stderr syncBuffer
	before := map[string]bool{}
	for _, k := range children(t) {
		before[k] = true // the test's own servers
	}
	m := NewMain(&stdout, &stderr)
	code := m.Main(ctx, args)
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("batchd %v did not finish within %v\nstdout:\n%s\nstderr:\n%s", args, timeout, stdout.String(), stderr.String())
	}
	// Plugins and tasks are this process's children: none may outlive batchd.
	var left []string
	for _, k := range children(t) {
		if !before[k] {
			left = append(left, k)
		}
	}
	if len(left) > 0 {
		t.Errorf("batchd %v left processes behind: %v", args, left)
	}
	return code, stdout.String(), stderr.String()
}

// children lists this process's live child processes as "pid cmdline".
func children(t *testing.T) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the process is gone
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 2 || f[0] == "Z" || f[1] != fmt.Sprint(os.Getpid()) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
		kids = append(kids, filepath.Base(filepath.Dir(p))+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
	}
	return kids
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeConfig writes a cluster.toml into a temp folder, with the test plugins
// folder, and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "cluster.toml")
	head := fmt.Sprintf("[plugins]\ndirs = [%q]\n\n", pluginDir)
	if err := os.WriteFile(path, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return lines
}

func TestDemoJob(t *testing.T) {
	path := writeConfig(t, `
[local]
agents = 2
cpus = 2
mem = "1GiB"

[[job]]
name = "sums"
workload = "sum"
cpus = 0.1
mem = "32MiB"

[job.params]
groups = ["1 2 3", "4 5 6", "7 8 9"]
`)
	code, out, errOut := run(t, 2*time.Minute, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := []string{"job sums: 3 tasks finished, total 45", "sum of 1 2 3 = 6", "sum of 4 5 6 = 15", "sum of 7 8 9 = 24"}
	if got := sortedLines(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stdout lines = %q, want %q", got, want)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "job sums: 3 tasks finished, total 45") {
		t.Errorf("summary is not the last line:\n%s", out)
	}
}

func TestManyTasksSeveralAgents(t *testing.T) {
	var groups []string
	total := 0
	for i := 0; i < 150; i++ {
		groups = append(groups, fmt.Sprintf("%q", fmt.Sprintf("%d %d 99999999999999999999", i, i+1)))
		total += 2*i + 1
	}
	path := writeConfig(t, fmt.Sprintf(`
[local]
agents = 3
cpus = 4
mem = "2GiB"

[[job]]
name = "many"
workload = "sum"
cpus = 0.25
mem = "16MiB"

[job.params]
groups = [%s]
`, strings.Join(groups, ", ")))
	code, out, errOut := run(t, 3*time.Minute, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, errOut)
	}
	// 150 tasks each add 99999999999999999999 (beyond int64) to 2i+1.
	wantTotal := fmt.Sprintf("total %s", bigAdd(total, "99999999999999999999", 150))
	if !strings.Contains(out, "job many: 150 tasks finished, "+wantTotal) {
		t.Errorf("stdout has no %q:\n%s", wantTotal, tail(out))
	}
	if n := strings.Count(out, "sum of "); n != 150 {
		t.Errorf("%d result lines, want 150", n)
	}
}

func TestInputFromHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/numbers.txt" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "# two groups\n10 20\n\n30 40 50\n")
	}))
	defer srv.Close()
	path := writeConfig(t, fmt.Sprintf(`
[[job]]
name = "web"
workload = "sum"
cpus = 0.1
mem = "16MiB"
[job.params]
input = "%s/numbers.txt"
`, srv.URL))
	code, out, errOut := run(t, 2*time.Minute, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, errOut)
	}
	for _, want := range []string{"sum of 10 20 = 30", "sum of 30 40 50 = 120", "job web: 2 tasks finished, total 150"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout has no %q:\n%s", want, out)
		}
	}
}

func TestFailuresAndRetries(t *testing.T) {
	state := t.TempDir()
	tests := []struct {
		name     string
		job      string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{
			name:     "flaky tasks succeed on retry",
			job:      fmt.Sprintf("name = \"flaky\"\nworkload = \"testwork\"\nretries = 1\n[job.params]\ntasks = 3\nmode = \"flaky\"\nstate = %q\n", state),
			wantCode: 0,
			wantOut:  []string{"job flaky: 3 tasks finished, reduced 3"},
		},
		{
			name:     "retries exhausted",
			job:      fmt.Sprintf("name = \"noretry\"\nworkload = \"testwork\"\nretries = 0\n[job.params]\ntasks = 2\nmode = \"flaky\"\nstate = %q\n", t.TempDir()),
			wantCode: 1,
			wantOut:  []string{"job noretry: 2 of 2 tasks failed"},
			wantErr:  []string{"TASK_FAILED"},
		},
		{
			name:     "hung task is killed on timeout",
			job:      "name = \"hang\"\nworkload = \"testwork\"\nretries = 0\ntimeout = \"2s\"\n[job.params]\nmode = \"hang\"\n",
			wantCode: 1,
			wantErr:  []string{"timed out"},
		},
		{
			name:     "task without result",
			job:      "name = \"silent\"\nworkload = \"testwork\"\nretries = 0\n[job.params]\nmode = \"silent\"\n",
			wantCode: 1,
			wantErr:  []string{"result"},
		},
		{
			name:     "plugin crashes during plan",
			job:      "name = \"crash\"\nworkload = \"testwork\"\n[job.params]\nmode = \"crash\"\n",
			wantCode: 1,
			wantErr:  []string{"job crash", "testwork"},
		},
		{
			name:     "plugin hangs during plan",
			job:      "name = \"stuck\"\nworkload = \"testwork\"\nplugin_timeout = \"2s\"\n[job.params]\nmode = \"hangplan\"\n",
			wantCode: 1,
			wantErr:  []string{"job stuck", "plugin_timeout 2s"},
		},
		{
			name:     "group that is not integers",
			job:      "name = \"bad\"\nworkload = \"sum\"\n[job.params]\ngroups = [\"1 2\", \"4 x 6\"]\n",
			wantCode: 2, // refused before the run by the workload's Validate, a config error
			wantErr:  []string{"cluster.toml:10:18: job[0].params.groups[1]: job bad", `"4 x 6"`, `"x"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, "[[job]]\ncpus = 0.1\nmem = \"16MiB\"\n"+tt.job)
			code, out, errOut := run(t, 2*time.Minute, "--config", path)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout has no %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr has no %q:\n%s", w, tail(errOut))
				}
			}
		})
	}
}

func TestConfigAndPluginErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    func(t *testing.T) []string
		code    int
		wantErr *regexp.Regexp
	}{
		{
			name: "bad config names file and line",
			args: func(t *testing.T) []string {
				return []string{"--config", writeConfig(t, "[[job]]\nname = \"x\"\nworkload = \"sum\"\ncpus = \"two\"\n")}
			},
			code:    2,
			wantErr: regexp.MustCompile(`cluster\.toml:7:\d+: .*cpus`),
		},
		{
			name: "unknown workload names the folders searched",
			args: func(t *testing.T) []string {
				return []string{"--config", writeConfig(t, "[[job]]\nname = \"x\"\nworkload = \"nosuch\"\n")}
			},
			code:    2, // a config error (TestMissingWorkloadIsAConfigError)
			wantErr: regexp.MustCompile(`batchd-workload-nosuch.*` + regexp.QuoteMeta(pluginDir)),
		},
		{
			name: "sum plugin without its task program names the path looked in",
			args: func(t *testing.T) []string {
				dir := t.TempDir()
				// A copy, not a symlink: the plugin looks beside its resolved executable.
				bin, err := os.ReadFile(filepath.Join(pluginDir, "batchd-workload-sum"))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "batchd-workload-sum"), bin, 0o755); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "cluster.toml")
				body := fmt.Sprintf("[plugins]\ndirs = [%q]\n[[job]]\nname = \"x\"\nworkload = \"sum\"\n[job.params]\ngroups = [\"1\"]\n", dir)
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{"--config", path}
			},
			code:    1,
			wantErr: regexp.MustCompile(`task program (/\S+)/batchd-task-sum: .*go build -o (/\S+)/batchd-task-sum \./cmd/batchd-task-sum`),
		},
		{
			name:    "missing --config",
			args:    func(t *testing.T) []string { return nil },
			code:    2,
			wantErr: regexp.MustCompile(`--config`),
		},
		{
			name: "validate catches unknown params",
			args: func(t *testing.T) []string {
				return []string{"validate", "--config", writeConfig(t, "[[job]]\nname = \"x\"\nworkload = \"sum\"\n[job.params]\ngroupz = [\"1\"]\n")}
			},
			code:    2,
			wantErr: regexp.MustCompile(`params\.groupz`),
		},
		{
			name: "unreachable master",
			args: func(t *testing.T) []string {
				return []string{"--config", writeConfig(t, "[cluster]\nmaster = \"http://127.0.0.1:1\"\nconnect_timeout = \"2s\"\n[[job]]\nname = \"x\"\nworkload = \"sum\"\n[job.params]\ngroups = [\"1\"]\n")}
			},
			code:    1,
			wantErr: regexp.MustCompile(`http://127\.0\.0\.1:1`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, time.Minute, tt.args(t)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if !tt.wantErr.MatchString(errOut) {
				t.Errorf("stderr does not match %s:\n%s", tt.wantErr, tail(errOut))
			}
		})
	}
}

func TestValidateAndPluginsCommands(t *testing.T) {
	path := writeConfig(t, "[[job]]\nname = \"x\"\nworkload = \"sum\"\n[job.params]\ngroups = [\"1 2\"]\n")
	code, out, errOut := run(t, time.Minute, "validate", "--config", path)
	if code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("validate: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, time.Minute, "plugins", "--plugin-dir", pluginDir)
	if code != 0 {
		t.Fatalf("plugins: exit %d\nstderr:\n%s", code, errOut)
	}
	for _, want := range []string{"sum", "http", "https", "file", "testwork"} {
		if !strings.Contains(out, want) {
			t.Errorf("plugins output has no %q:\n%s", want, out)
		}
	}
	// The task program beside the sum plugin is not a plugin, usable or not.
	if strings.Contains(out, "task-sum") || strings.Contains(out, "error") {
		t.Errorf("plugins output lists the task program or an unusable plugin:\n%s", out)
	}
}

// bigAdd returns base + n*huge as a decimal string.
func bigAdd(base int, huge string, n int) string {
	b, _ := new(big.Int).SetString(huge, 10)
	b.Mul(b, big.NewInt(int64(n)))
	return b.Add(b, big.NewInt(int64(base))).String()
}

// tail returns the last lines of s, enough to read a failure.
func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

func TestFetchCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(src, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("hello\n"))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	tests := []struct {
		name    string
		uri     string
		code    int
		wantOut string
		wantErr string
	}{
		{"file URI", "file://" + src, 0, "6 bytes, " + digest, ""},
		{"plain path", src, 0, "6 bytes, " + digest, ""},
		{"missing file", filepath.Join(dir, "nope"), 1, "", "not found"},
		{"unknown scheme", "gopher://x/y", 1, "", "gopher"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			code, out, errOut := run(t, time.Minute, "fetch", "--plugin-dir", pluginDir, tt.uri, dest)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stdout %q want %q; stderr %q want %q", out, tt.wantOut, tail(errOut), tt.wantErr)
			}
		})
	}
}
