package examples

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPluginsListed checks that `batchd plugins` finds the examples next to
// the built-in plugins, with what each handles, and not the task program.
// The Python fetcher is left out when no python3 has grpcio (the Python
// tests say so, or fail in CI).
func TestPluginsListed(t *testing.T) {
	wants := []string{
		`workload +wordcount +0\.1\.0 +params: input:uri,lines:int,top:int `,
		`fetcher +data +0\.1\.0 +schemes: data `,
	}
	if python != "" {
		needPython(t)
		wants = append(wants, `fetcher +pyfile +0\.1\.0 +schemes: py\+file `)
	}
	code, out, errOut := batchd(t, "plugins", "--plugin-dir", pluginDir)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, errOut)
	}
	for _, want := range wants {
		if !regexp.MustCompile(`(?m)^` + want).MatchString(out) {
			t.Errorf("batchd plugins has no line matching %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "batchd-task-wordcount") {
		t.Errorf("batchd plugins lists the task program:\n%s", out)
	}
}

// TestWordcountFromData runs the word count, one task per line, over text
// staged by the Go data: fetcher.
func TestWordcountFromData(t *testing.T) {
	text := "The quick brown fox\njumps over the lazy dog.\nThe dog barks!\n"
	path := writeConfig(t, fmt.Sprintf(`
[[job]]
name = "words"
workload = "wordcount"
cpus = 0.1
mem = "32MiB"
[job.params]
input = "data:text/plain;base64,%s"
lines = 1
top = 3
`, base64.StdEncoding.EncodeToString([]byte(text))))
	code, out, errOut := batchd(t, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	checkLines(t, out, []string{
		"lines 1-1: 4 words, 4 distinct",
		"lines 2-2: 5 words, 5 distinct",
		"lines 3-3: 3 words, 3 distinct",
	}, "job words: 3 tasks finished, top 3 of 12 words: the 3, dog 2, barks 1")
}

// TestWordcountFromPython runs the word count, one task per file, over an
// archive staged by the Python fetcher (pinned by its SHA-256) and
// extracted by batchd's archive plugin, then reads the tasks' labels back
// with `batchd results`.
func TestWordcountFromPython(t *testing.T) {
	needPython(t)
	archive := filepath.Join(t.TempDir(), "texts.tar.gz")
	writeTarGz(t, archive, map[string]string{
		"a.txt":     "To be, or not to be\n",
		"sub/b.txt": "that is the question:\nto be\n",
	})
	exe, err := os.ReadFile(filepath.Join(pluginDir, "batchd-fetcher-pyfile"))
	if err != nil {
		t.Fatal(err)
	}
	pin := sha256.Sum256(exe)
	path := writeConfig(t, fmt.Sprintf(`
[plugins.pins]
batchd-fetcher-pyfile = "sha256:%s"

[[job]]
name = "hamlet"
workload = "wordcount"
cpus = 0.1
mem = "32MiB"
[job.params]
input = "py+file://%s"
`, hex.EncodeToString(pin[:]), archive))
	code, out, errOut := batchd(t, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	checkLines(t, out, []string{
		"lines 1-1: 6 words, 4 distinct",
		"lines 1-2: 6 words, 6 distinct",
	}, "job hamlet: 2 tasks finished, top 8 of 12 words: be 3, to 3, is 1, not 1, or 1, question 1, that 1, the 1")
	if !strings.Contains(errOut, `plugin=pyfile`) {
		t.Errorf("batchd's log has no line from the Python plugin:\n%s", errOut)
	}

	code, out, errOut = batchd(t, "results", "--config", path, "--format", "csv")
	if code != 0 {
		t.Fatalf("results: exit %d\nstderr:\n%s", code, errOut)
	}
	for _, want := range []string{"hamlet,0,a.txt:1-1,done,", "hamlet,1,sub/b.txt:1-2,done,"} {
		if !strings.Contains(out, want) {
			t.Errorf("batchd results has no %q:\n%s", want, out)
		}
	}
}

// checkLines checks that out holds the results, in any order, and ends
// with the summary.
func checkLines(t *testing.T, out string, results []string, summary string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || lines[len(lines)-1] != summary {
		t.Errorf("last line is not %q:\n%s", summary, out)
		return
	}
	got := slices.Sorted(slices.Values(lines[:len(lines)-1]))
	if want := slices.Sorted(slices.Values(results)); !slices.Equal(got, want) {
		t.Errorf("result lines = %q, want %q", got, want)
	}
}

// writeTarGz writes a .tar.gz at path holding files (name -> content).
func writeTarGz(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
