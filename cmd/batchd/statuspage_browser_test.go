package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshot = flag.String("screenshot", "", "save the status page test's screenshot (PNG) at this path (make screenshot: docs/status-page.png)")

// chromium finds Debian's chromium. Outside CI a machine without it skips
// the browser tests, saying why; in CI (env CI set) that is a failure:
// .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: CI needs it for the status page test (.ci/run installs Debian's chromium package)")
	}
	t.Skip("no chromium on PATH: install Debian's chromium (apt-get install chromium) to run the status page test")
	return ""
}

// browser starts a headless chromium for the test and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1000, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser on ctx, which outlives each step
		t.Fatalf("starting %s: %v", chromium(t), err)
	}
	return ctx
}

// waitPage waits up to d for the JavaScript predicate on the page (the
// job's section is s) to hold; it fails with what the page shows.
func waitPage(t *testing.T, ctx context.Context, d time.Duration, what, predicate string) {
	t.Helper()
	pctx, cancel := context.WithTimeout(ctx, d+5*time.Second)
	defer cancel()
	expr := `(() => { const s = document.querySelector('section.job[data-job="sums"]'); return !!s && (` + predicate + `); })()`
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("the page does not show %s (%v); it shows:\n%s", what, err, text)
	}
}

// sumWrapper writes a plugin folder whose sum task program waits for
// flagFile before it sums a group that starts with 0: batchd-workload-sum next to
// a batchd-task-sum script that then runs the real one.
func sumWrapper(t *testing.T, flagFile string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.Open(filepath.Join(pluginDir, "batchd-workload-sum"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, "batchd-workload-sum"), os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = 0 ]; then\n\twhile [ ! -e '%s' ]; do sleep 0.05; done\nfi\nexec '%s' \"$@\"\n",
		flagFile, filepath.Join(pluginDir, "batchd-task-sum"))
	if err := os.WriteFile(filepath.Join(dir, "batchd-task-sum"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// failedErrs is a predicate on the page: the job errs shows its failed
// task with the end of its stderr (as text: its escape character is kept
// escaped by batchd).
const failedErrs = `(() => { const e = document.querySelector('section.job[data-job="errs"]'); if (!e) return false;` +
	` const pre = e.querySelector('.failed-tasks .task.failed pre.stderr');` +
	` return e.querySelector('.state').textContent === 'failed' && e.querySelector('.counts .failed').textContent === '1 failed'` +
	` && !!pre && pre.textContent.endsWith('colour \\x1b[31mred\\x1b[0m\ntestwork: failing with stderr on purpose'); })()`

// TestStatusPageBrowser runs two jobs on the embedded cluster: a sum job
// whose two tasks of groups starting with 0 wait for a flag file, and a
// testwork job whose task fails with stderr. It opens the URL batchd
// prints in headless chromium and checks what the page shows while the
// sum job runs (10 of 12 done, 2 running; errs failed, its stderr) and
// once it ended (12 of 12, its total, chart and artifact).
func TestStatusPageBrowser(t *testing.T) {
	ctx := browser(t)
	stateDir, flagFile := t.TempDir(), filepath.Join(t.TempDir(), "go")
	groups := []string{`"0 1 2"`, `"0 3 4"`}
	for i := 1; i <= 10; i++ {
		groups = append(groups, fmt.Sprintf(`"%d %d"`, i, 10*i))
	}
	// 0+1+2 + 0+3+4 + the sum of 11*i for i in 1..10
	const total = 3 + 7 + 11*55
	cfg := filepath.Join(t.TempDir(), "cluster.toml")
	body := fmt.Sprintf(`[plugins]
dirs = [%q, %q]

[state]
dir = %q

[local]
agents = 2
cpus = 4
mem = "2GiB"

[[job]]
name = "sums"
workload = "sum"
cpus = 0.1
mem = "32MiB"

[job.params]
groups = [%s]

%s`, sumWrapper(t, flagFile), pluginDir, stateDir, strings.Join(groups, ", "), testworkJob("errs", "stderr", 1, 0, ""))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr syncBuffer
	m := NewMain(&stdout, &stderr)
	runCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	exit := make(chan int, 1)
	go func() { exit <- m.Main(runCtx, []string{"--config", cfg}) }()
	exited, closed := false, false
	closeMain := func() { // after a failure too: batchd stops, then closes
		if closed {
			return
		}
		closed = true
		if !exited {
			os.WriteFile(flagFile, nil, 0o644)
			cancel()
			<-exit
		}
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	defer closeMain()

	url := pageURL(t, &stderr, exit)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(loc, "token") {
		t.Errorf("the page's address is %q (%v), want the token dropped", loc, err)
	}
	waitPage(t, ctx, time.Minute, "sums at 10 of 12 done, 2 running, and errs failed",
		`s.querySelector('.progress').textContent === '10 of 12 done' && s.querySelector('.counts .running').textContent === '2 running'`+
			` && s.querySelector('.state').textContent === 'running' && s.querySelectorAll('.slow-tasks .task.running').length === 2`+
			` && `+failedErrs)

	saveScreenshot(t, ctx)

	if err := os.WriteFile(flagFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		exited = true
		if code != 1 { // job errs failed
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		}
	case <-runCtx.Done():
		t.Fatalf("batchd did not finish\nstderr:\n%s", stderr.String())
	}
	// The job ended; batchd serves the page until Close.
	summary := fmt.Sprintf("job sums: 12 tasks finished, total %d", total)
	waitPage(t, ctx, 30*time.Second, "the job done with its total",
		`s.querySelector('.progress').textContent === '12 of 12 done' && s.querySelector('.state').textContent === 'done'`+
			` && s.querySelector('.counts .running').textContent === '0 running'`+
			` && s.querySelector('.summary').textContent === '`+summary+`'`+
			` && s.querySelectorAll('.chart svg polyline').length === 1`+
			` && s.querySelector('.artifacts tbody td.uri').textContent.endsWith('/batchd-task-sum')`)
	closeMain()
}

// pageURL waits for the status page line batchd prints at start.
func pageURL(t *testing.T, stderr *syncBuffer, exit chan int) string {
	t.Helper()
	re := regexp.MustCompile(`batchd: status page at (http://\S+\?token=[0-9a-f]+)\n`)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-exit:
			close(exit) // closeMain's receive returns
			t.Fatalf("batchd exited (%d) before printing the status page URL:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal(errors.New("batchd printed no status page URL within a minute:\n" + stderr.String()))
	return ""
}

// saveScreenshot saves the page, its sections opened, at -screenshot or
// in a temp folder.
func saveScreenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details:not(.fold)').forEach(d => d.open = true)`)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	out := *screenshot
	if out == "" {
		out = filepath.Join(t.TempDir(), "status-page.png")
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(png))
}
