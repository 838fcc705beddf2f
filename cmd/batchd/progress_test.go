package main

import (
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
)

// TestProgressCounts feeds the tracker moves at set times and checks each
// job's counts, rate and time left.
func TestProgressCounts(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type move struct {
		at       time.Duration
		from, to state.TaskState
		n        int
	}
	tests := []struct {
		name  string
		moves []move
		at    time.Duration
		want  jobLine
		text  string
	}{
		{"planned", []move{{0, "", state.TaskPending, 100}}, time.Second,
			jobLine{Name: "j", Total: 100, ETA: -1}, "0/100 tasks, 0 failed  -/s  ETA -"},
		{"running", []move{{0, "", state.TaskPending, 100}, {0, state.TaskPending, state.TaskRunning, 1}, {0, state.TaskPending, state.TaskRunning, 1}}, time.Second,
			jobLine{Name: "j", Total: 100, Running: 2, ETA: -1}, "0/100 tasks, 0 failed  -/s  ETA -"},
		{"rate and ETA", []move{
			{0, "", state.TaskPending, 100},
			{0, state.TaskPending, state.TaskRunning, 50},
			{time.Second, state.TaskRunning, state.TaskDone, 15},
			{2 * time.Second, state.TaskRunning, state.TaskFailed, 5},
		}, 2 * time.Second,
			jobLine{Name: "j", Total: 100, Done: 15, Failed: 5, Running: 30, Rate: 10, ETA: 8 * time.Second},
			"20/100 tasks, 5 failed  10/s  ETA 8s"},
		{"a resumed job's earlier tasks are not in its rate", []move{
			{0, "", state.TaskPending, 100},
			{0, state.TaskPending, state.TaskDone, 60},
			{time.Second, state.TaskPending, state.TaskRunning, 10},
			{5 * time.Second, state.TaskRunning, state.TaskDone, 10},
		}, 5 * time.Second,
			jobLine{Name: "j", Total: 100, Done: 70, Rate: 2.5, ETA: 12 * time.Second},
			"70/100 tasks, 0 failed  2.5/s  ETA 12s"},
		{"done", []move{
			{0, "", state.TaskPending, 3},
			{0, state.TaskPending, state.TaskRunning, 3},
			{2 * time.Second, state.TaskRunning, state.TaskDone, 2},
			{2 * time.Second, state.TaskRunning, state.TaskPending, 1},
			{2 * time.Second, state.TaskPending, state.TaskFailed, 1},
		}, 2 * time.Second,
			jobLine{Name: "j", Total: 3, Done: 2, Failed: 1, Rate: 1.5, ETA: 0},
			"3/3 tasks, 1 failed  1.5/s  ETA done"},
		{"settled before this run", []move{{0, "", state.TaskPending, 4}, {0, state.TaskPending, state.TaskDone, 4}}, time.Second,
			jobLine{Name: "j", Total: 4, Done: 4}, "4/4 tasks, 0 failed  -/s  ETA done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProgress()
			for _, m := range tt.moves {
				p.movedAt(t0.Add(m.at), "j", m.from, m.to, m.n)
			}
			got := p.snapshot(t0.Add(tt.at))
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("snapshot %+v, want [%+v]", got, tt.want)
			}
			if got[0].line() != tt.text {
				t.Errorf("line %q, want %q", got[0].line(), tt.text)
			}
		})
	}
}

// TestProgressRateWindow checks that the rate follows the last 30 s: a job
// that slows down shows its new pace, not its average since the start.
func TestProgressRateWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newProgress()
	p.movedAt(t0, "j", "", state.TaskPending, 10000)
	p.movedAt(t0, "j", state.TaskPending, state.TaskRunning, 1)
	done := 0
	for s := 1; s <= 120; s++ { // 100 tasks a second for a minute, then 10
		k := 100
		if s > 60 {
			k = 10
		}
		p.movedAt(t0.Add(time.Duration(s)*time.Second), "j", state.TaskPending, state.TaskDone, k)
		done += k
		p.snapshot(t0.Add(time.Duration(s) * time.Second))
	}
	got := p.snapshot(t0.Add(120 * time.Second))[0]
	if got.Rate < 9 || got.Rate > 11 {
		t.Errorf("rate %.1f/s after a minute at 10/s, want about 10", got.Rate)
	}
	if got.Done != done {
		t.Errorf("done %d, want %d", got.Done, done)
	}
}

// notifyWriter tells a channel of each write.
type notifyWriter struct {
	syncBuffer
	wrote chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// TestProgressLogLines checks that off a terminal the progress is logged
// every tick and once more when the display stops, and that --quiet
// shows none.
func TestProgressLogLines(t *testing.T) {
	logs := &notifyWriter{wrote: make(chan struct{}, 1)}
	m := &Main{Stdout: io.Discard, Stderr: logs, progressEvery: time.Millisecond}
	if err := m.setLogger(false); err != nil {
		t.Fatal(err)
	}
	p := newProgress()
	p.moved("j", "", state.TaskPending, 5)
	out, stop := m.showProgress(p)
	if out != m.Stdout {
		t.Errorf("results go to %v, want stdout", out)
	}
	<-logs.wrote // a tick
	p.moved("j", state.TaskPending, state.TaskDone, 5)
	stop()
	stop() // a second stop does nothing
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	first := regexp.MustCompile(`level=INFO msg=progress job=j done=0 failed=0 running=0 total=5 rate=-/s eta=-$`)
	last := regexp.MustCompile(`level=INFO msg=progress job=j done=5 failed=0 running=0 total=5 rate=-/s eta=done$`)
	if !first.MatchString(lines[0]) || !last.MatchString(lines[len(lines)-1]) {
		t.Errorf("progress lines:\n%s\nwant the first to match %s and the last %s", logs.String(), first, last)
	}

	quiet := &Main{Stdout: io.Discard, Stderr: logs, quiet: true, progressEvery: time.Millisecond}
	if err := quiet.setLogger(false); err != nil {
		t.Fatal(err)
	}
	before := logs.String()
	_, stop = quiet.showProgress(p)
	stop()
	if logs.String() != before {
		t.Errorf("--quiet logged progress: %q", strings.TrimPrefix(logs.String(), before))
	}
}

// TestLogFlags runs a job with each log flag and checks stderr: text by
// default with the progress at the end; with --log-format json, JSON
// records only (the status page's address one of them), each carrying
// plugin=NAME when a plugin's; nothing but warnings with --quiet. stdout
// holds the same result lines every time.
func TestLogFlags(t *testing.T) {
	job := `
[local]
cpus = 2

[[job]]
name = "sums"
workload = "sum"
cpus = 0.1
mem = "32MiB"

[job.params]
groups = ["1 2", "3 4"]
`
	wantOut := "job sums: 2 tasks finished, total 10\nsum of 1 2 = 3\nsum of 3 4 = 7"
	tests := []struct {
		name  string
		flags []string
		check func(t *testing.T, stderr string)
	}{
		{"text", nil, func(t *testing.T, stderr string) {
			want := regexp.MustCompile(`(?m)^time=\S+ level=INFO msg=progress job=sums done=2 failed=0 running=0 total=2 rate=\S+ eta=done$`)
			if !want.MatchString(stderr) || !strings.Contains(stderr, "batchd: status page at ") {
				t.Errorf("stderr has no status page line or no last progress line matching %s:\n%s", want, stderr)
			}
		}},
		{"json verbose", []string{"--log-format", "json", "-v"}, func(t *testing.T, stderr string) {
			plugins, progress, page := map[string]bool{}, false, false
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Errorf("not a JSON record: %q", line)
					continue
				}
				if url, _ := rec["url"].(string); rec["msg"] == "status page" && strings.HasPrefix(url, "http://127.0.0.1:") {
					page = true
				}
				if rec["msg"] == "progress" && rec["done"] == 2.0 && rec["total"] == 2.0 {
					progress = true
				}
				// What go-plugin logs of a plugin's life, and what a plugin logs.
				if _, fromPlugin := rec["kind"]; rec["component"] == "plugins" && (fromPlugin || rec["stream"] != nil || rec["path"] != nil) {
					name, _ := rec["plugin"].(string)
					if name == "" || strings.Contains(name, "/") {
						t.Errorf("a plugin's record without plugin=NAME: %s", line)
					}
					plugins[name] = true
				}
			}
			if !page {
				t.Errorf("no status page record:\n%s", stderr)
			}
			if !progress {
				t.Errorf("no progress record with done=2 total=2:\n%s", stderr)
			}
			if !plugins["sum"] {
				t.Errorf("no record from the sum plugin (saw %v):\n%s", plugins, stderr)
			}
		}},
		{"quiet", []string{"--quiet"}, func(t *testing.T, stderr string) {
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				if line != "" && !strings.Contains(line, "level=WARN") && !strings.Contains(line, "level=ERROR") {
					t.Errorf("--quiet printed %q", line)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, job)
			code, out, errOut := run(t, 2*time.Minute, append([]string{"--config", path}, tt.flags...)...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if got := strings.Join(sortedLines(out), "\n"); got != wantOut {
				t.Errorf("stdout:\n%s\nwant the lines:\n%s", out, wantOut)
			}
			tt.check(t, errOut)
		})
	}
}

// TestLogFlagErrors checks the log flags' usage errors.
func TestLogFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"version", "--log-format", "xml"}, `batchd: --log-format "xml": want text or json` + "\n"},
		{[]string{"version", "--quiet", "-v"}, "batchd: --quiet and --verbose ask for opposite things: give one of them\n"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, time.Minute, tt.args...)
		if code != exitUsage || out != "" || errOut != tt.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// TestPluginLogLabels checks that a plugin's own log line reaches batchd's
// log as a record labelled with the plugin's name.
func TestPluginLogLabels(t *testing.T) {
	path := writeConfig(t, testworkJob("labelled", "ok", 1, 0, ""))
	code, out, errOut := run(t, 2*time.Minute, "--config", path, "--log-format", "json", "--verbose")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	found := false
	for _, line := range strings.Split(errOut, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "planning" {
			continue
		}
		found = true
		if rec["plugin"] != "testwork" || rec["kind"] != "workload" || rec["level"] != "DEBUG" || rec["tasks"] != 1.0 {
			t.Errorf("the plugin's record: %s, want plugin testwork, kind workload, level DEBUG and tasks 1", line)
		}
	}
	if !found {
		t.Errorf("no record of the plugin's \"planning\" line:\n%s", errOut)
	}
}

// TestProgressRateStaysAtTheEnd checks that a finished job keeps the rate
// it ended at, rather than one falling as time passes.
func TestProgressRateStaysAtTheEnd(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newProgress()
	p.movedAt(t0, "j", "", state.TaskPending, 10)
	p.movedAt(t0, "j", state.TaskPending, state.TaskRunning, 10)
	p.movedAt(t0.Add(2*time.Second), "j", state.TaskRunning, state.TaskDone, 10)
	end := p.snapshot(t0.Add(2 * time.Second))[0]
	later := p.snapshot(t0.Add(time.Minute))[0]
	if end.Rate != 5 || later != end {
		t.Errorf("at the end %+v, a minute later %+v; want 5/s both times", end, later)
	}
}
