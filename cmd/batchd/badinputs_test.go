package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/badinputs.golden from what batchd does now")

// badInput is one hostile or mistaken input given to batchd.
type badInput struct {
	name string
	// cmd is the subcommand the config is given to ("" runs it).
	cmd string
	// config is the cluster.toml body after the test's [plugins] table
	// (3 lines: body line 1 is file line 4); raw replaces the whole file.
	config string
	raw    *string
	// args, when set, are batchd's whole command line; $CONFIG is the
	// config's path, $DIR its folder, $PLUGINS the test's plugin folder.
	args []string
}

func rawConfig(s string) *string { return &s }

// Job tables the cases build on: a good one, which must still finish (or
// be reported ok) beside a bad one.
const (
	goodJob  = "[[job]]\nname = \"good\"\nworkload = \"sum\"\ncpus = 0.1\nmem = \"32MiB\"\n[job.params]\ngroups = [\"1 2\", \"3 4\"]\n"
	jobHead  = "[[job]]\nname = \"bad\"\nworkload = \"sum\"\ncpus = 0.1\nmem = \"32MiB\"\n"
	sumGroup = "[job.params]\ngroups = [\"1\"]\n"
)

var badInputs = []badInput{
	// The command line.
	{name: "unknown command", args: []string{"rnu", "--config", "$CONFIG"}},
	{name: "unknown flag", args: []string{"--config", "$CONFIG", "--agents", "2"}},
	// The config file itself.
	{name: "no such config file", args: []string{"--config", "$DIR/nope.toml"}},
	{name: "config is a folder", args: []string{"validate", "--config", "$DIR"}},
	{name: "TOML syntax: unterminated string", raw: rawConfig("[[job]]\nname = \"x\nworkload = \"sum\"\n")},
	{name: "TOML syntax: duplicate key", config: "[[job]]\nname = \"a\"\nname = \"b\"\nworkload = \"sum\"\n"},
	{name: "no jobs", config: "[cluster]\nframework = \"f\"\n"},
	{name: "job is not a table", raw: rawConfig("job = 3\n")},
	{name: "unknown section, with a suggestion", config: "[clustr]\nmaster = \"\"\n" + goodJob},
	{name: "unknown job key, with a suggestion", config: goodJob + jobHead + "retrys = 1\n" + sumGroup},
	// Values.
	{name: "cpus a string", config: goodJob + strings.Replace(jobHead, "cpus = 0.1", "cpus = \"two\"", 1) + sumGroup},
	{name: "cpus zero", config: goodJob + strings.Replace(jobHead, "cpus = 0.1", "cpus = 0", 1) + sumGroup},
	{name: "cpus negative", config: goodJob + strings.Replace(jobHead, "cpus = 0.1", "cpus = -1", 1) + sumGroup},
	{name: "mem not a size", config: goodJob + strings.Replace(jobHead, "mem = \"32MiB\"", "mem = \"lots\"", 1) + sumGroup},
	{name: "timeout not a duration", config: goodJob + jobHead + "timeout = \"soon\"\n" + sumGroup},
	{name: "timeout negative", config: goodJob + jobHead + "timeout = \"-1s\"\n" + sumGroup},
	{name: "retries negative", config: goodJob + jobHead + "retries = -1\n" + sumGroup},
	{name: "retries huge", config: goodJob + jobHead + "retries = 9223372036854775807\n" + sumGroup},
	{name: "retry_backoff not a duration", config: goodJob + jobHead + "retry_backoff = \"x\"\n" + sumGroup},
	{name: "two jobs with one name", config: goodJob + goodJob},
	{name: "job without a name", config: goodJob + "[[job]]\nworkload = \"sum\"\n" + sumGroup},
	{name: "job without a workload", config: goodJob + "[[job]]\nname = \"bad\"\n" + sumGroup},
	{name: "job name with a slash", config: goodJob + "[[job]]\nname = \"a/b\"\nworkload = \"sum\"\n" + sumGroup},
	{name: "several problems at once", config: goodJob + strings.Replace(jobHead, "cpus = 0.1", "cpus = \"x\"", 1) + "timeout = \"y\"\nretries = -2\n" + sumGroup},
	{name: "local agents negative", config: "[local]\nagents = -1\n" + goodJob},
	{name: "master not a URL", config: "[cluster]\nmaster = \"mesos:5050 please\"\n" + goodJob},
	{name: "plugin pin not a digest", config: "[plugins.pins]\nbatchd-workload-sum = \"md5:abc\"\n" + goodJob},
	// Artifacts and URIs.
	{name: "artifact checksum not sha256", config: goodJob + jobHead + sumGroup + "[[job.artifacts]]\nuri = \"http://h/x\"\nchecksum = \"md5:0123\"\n"},
	{name: "artifact without a uri", config: goodJob + jobHead + sumGroup + "[[job.artifacts]]\nexecutable = true\n"},
	{name: "artifact mode unknown", config: goodJob + jobHead + sumGroup + "[[job.artifacts]]\nuri = \"http://h/x\"\nmode = \"sideways\"\n"},
	{name: "input with a scheme no fetcher handles", config: goodJob + jobHead + "[job.params]\ninput = \"gopher://h/x\"\n"},
	{name: "input URI that does not parse, with a password", config: goodJob + jobHead + "[job.params]\ninput = \"http://u:sekrit@[::1/x\"\n"},
	{name: "input file missing", config: goodJob + jobHead + "[job.params]\ninput = \"$DIR/missing.txt\"\n"},
	{name: "fetch: missing file", args: []string{"fetch", "--plugin-dir", "$PLUGINS", "$DIR/missing.txt", "$DIR/out"}},
	{name: "fetch: a scheme no fetcher handles", args: []string{"fetch", "--plugin-dir", "$PLUGINS", "gopher://u:sekrit@h/x", "$DIR/out"}},
	{name: "fetch: refused, with a password", args: []string{"fetch", "--config", "$CONFIG", "http://u:sekrit@127.0.0.1:1/x", "$DIR/out"},
		config: "[fetchers.http]\nretries = 0\n" + goodJob},
	// Params.
	{name: "unknown param", cmd: "validate", config: goodJob + jobHead + "[job.params]\ngroupz = [\"1\"]\n"},
	{name: "groups empty", config: goodJob + jobHead + "[job.params]\ngroups = []\n"},
	{name: "groups a string", config: goodJob + jobHead + "[job.params]\ngroups = \"1 2\"\n"},
	{name: "group not a number", config: goodJob + jobHead + "[job.params]\ngroups = [\"1 2\", \"3 x\"]\n"},
	{name: "group of a float", config: goodJob + jobHead + "[job.params]\ngroups = [\"1.5\"]\n"},
	{name: "groups and input both", config: goodJob + jobHead + "[job.params]\ngroups = [\"1\"]\ninput = \"$DIR/in.txt\"\n"},
	{name: "input line not numbers", config: goodJob + jobHead + "[job.params]\ninput = \"$DIR/in.txt\"\n"},
}

// TestBadInputs gives batchd each bad input and checks, against
// testdata/badinputs.golden (go test -run TestBadInputs -update rewrites
// it), its exit status, its error lines on stderr (which name the file and
// line, the field or the URI at fault) and its stdout: a config with an
// error runs nothing and exits 2; a job that fails at run time exits 1 and
// the good job beside it still finishes with its total.
func TestBadInputs(t *testing.T) {
	if len(badInputs) < 30 {
		t.Errorf("%d bad inputs, want at least 30", len(badInputs))
	}
	golden := filepath.Join("testdata", "badinputs.golden")
	want := map[string]string{}
	if !*update {
		b, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -run TestBadInputs -update writes it)", err)
		}
		for _, rec := range strings.Split(strings.TrimPrefix(string(b), "== "), "\n== ") {
			name, rest, _ := strings.Cut(rec, "\n")
			want[name] = rest
		}
	}
	var all strings.Builder
	for _, tc := range badInputs {
		rec := ""
		t.Run(tc.name, func(t *testing.T) {
			rec = tc.record(t)
			if !*update && strings.TrimSpace(rec) != strings.TrimSpace(want[tc.name]) {
				t.Errorf("got:\n%s\nwant (testdata/badinputs.golden):\n%s", rec, want[tc.name])
			}
		})
		fmt.Fprintf(&all, "== %s\n%s", tc.name, rec)
		delete(want, tc.name)
	}
	for name := range want {
		t.Errorf("%q is in testdata/badinputs.golden, not in the table", name)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(all.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// record runs batchd on tc and returns what the golden file holds for it:
// the exit status, stderr's lines other than logs, and stdout's lines
// sorted (tasks finish in any order), with the temp folder as $DIR.
func (tc badInput) record(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("1 2\nnot numbers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cluster.toml")
	expand := strings.NewReplacer("$DIR", dir, "$CONFIG", path, "$PLUGINS", pluginDir).Replace
	body := fmt.Sprintf("[plugins]\ndirs = [%q]\n\n", pluginDir) + expand(tc.config)
	if tc.raw != nil {
		body = *tc.raw
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", path}
	if tc.cmd != "" {
		args = append([]string{tc.cmd}, args...)
	}
	if tc.args != nil {
		args = nil
		for _, a := range tc.args {
			args = append(args, expand(a))
		}
	}
	code, out, errOut := run(t, 2*time.Minute, args...)
	if strings.Contains(errOut+out, "sekrit") {
		t.Errorf("a password was shown:\n%s", errOut)
	}
	exe, _ := os.Executable()
	cwd, _ := os.Getwd()
	hide := strings.NewReplacer(dir, "$DIR", pluginDir, "$PLUGINS", filepath.Dir(exe), "$EXE", cwd, "$CWD").Replace
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		// Log lines and the status page's address are not the error.
		if l != "" && !strings.HasPrefix(l, "time=") && !strings.HasPrefix(l, "batchd: status page at ") {
			errLines = append(errLines, hide(l))
		}
	}
	rec := fmt.Sprintf("exit %d\nstderr:\n%s\n", code, strings.Join(errLines, "\n"))
	// validate prints the config's summary, not compared here.
	if tc.cmd != "validate" && strings.TrimSpace(out) != "" {
		outLines := strings.Split(strings.TrimSpace(out), "\n")
		slices.Sort(outLines)
		rec += fmt.Sprintf("stdout:\n%s\n", strings.Join(outLines, "\n"))
	}
	return rec + "\n"
}
