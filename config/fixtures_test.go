package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// wantErr is one expected problem: exact position, a substring of the key
// path and a substring of the message.
type wantErr struct {
	line, col int
	key, msg  string
}

var badFixtures = map[string][]wantErr{
	"syntax.bad.toml": {
		{3, 10, "", "syntax error"},
	},
	"duplicate.bad.toml": {
		{4, 1, "name", "already defined"},
	},
	"notarray.bad.toml": {
		{1, 2, "job", "expected [[job]] tables, got table"},
	},
	"fit.bad.toml": {
		{8, 1, "job[0].cpus", "4 per task is more than an embedded agent has ([local] cpus = 2): no task of this job could ever run"},
		{9, 1, "job[0].mem", "more than an embedded agent has ([local] mem = "},
	},
	"placement.bad.toml": {
		{7, 1, "job[0].gpus", "the embedded agents have no GPUs"},
		{8, 1, "job[0].constraints[0]", "UNIQUE takes no value"},
		{8, 1, "job[0].constraints[1]", "unknown operator"},
		{8, 1, "job[0].constraints[2]", "expected [field, operator]"},
		{8, 1, "job[0].constraints[3]", "want a count of 1 or more"},
		{11, 1, "job[0].labels.team", "expected a string"},
		{13, 6, "job[0].container", "a DOCKER container needs an image"},
		{15, 12, "job[0].container.volumes[0]", "host_path:container_path"},
	},
	"masters.bad.toml": {
		{2, 1, "cluster.master", "port"},
	},
	"unknown.bad.toml": {
		{1, 2, "clustr", `unknown key (did you mean "cluster"?)`},
		{5, 1, "cluster.framwork", `did you mean "framework"`},
		{7, 8, "local.extra", "unknown key"},
		{13, 1, "job[0].cpu", `did you mean "cpus"`},
		{18, 3, "job[0].artifacts[0].sha", "unknown key"},
		{21, 1, "plugins.dir", `did you mean "dirs"`},
	},
	"types.bad.toml": {
		{2, 1, "cluster.master", "expected a string, got integer"},
		{3, 1, "cluster.codec", "expected a string, got boolean"},
		{6, 1, "local.agents", "expected an integer, got float"},
		{7, 1, "local.cpus", "expected a number, got string"},
		{10, 1, "plugins.dirs", "expected an array of strings, got string"},
		{11, 1, "plugins.pins", "got array"},
		{14, 1, "fetchers.ftp", "expected a table, got string"},
		{19, 1, "job[0].cpus", "expected a number, got string"},
		{20, 1, "job[0].retries", "expected an integer, got string"},
		{21, 1, "job[0].params", "expected a table, got integer"},
		{24, 3, "job[0].artifacts[0].executable", "expected true or false"},
		{25, 3, "job[0].artifacts[0].cache", `expected true, false or "immutable", got "forever"`},
		{28, 3, "job[0].artifacts[1].cache", `expected true, false or "immutable", got integer`},
	},
	"units.bad.toml": {
		{2, 1, "cluster.failover_timeout", `invalid duration "1 hour"`},
		{3, 1, "cluster.connect_timeout", "expected a duration string"},
		{6, 1, "local.mem", `unknown unit "XB"`},
		{7, 1, "local.disk", "must not be negative"},
		{10, 1, "state.staging_max", `invalid size "lots"`},
		{15, 1, "job[0].mem", "got float"},
		{16, 1, "job[0].timeout", `invalid duration "10"`},
	},
	"missing.bad.toml": {
		{1, 3, "job[0].name", "required"},
		{1, 3, "job[0].workload", "required"},
		{8, 9, "job[1].artifacts[0].uri", "required"},
		{11, 3, "job[2].workload", "required"},
	},
	"values.bad.toml": {
		{2, 1, "cluster.master", "http:// or https://"},
		{3, 1, "cluster.framework", "must not be empty"},
		{4, 1, "cluster.codec", `got "xml"`},
		{5, 1, "cluster.connect_timeout", "must be > 0"},
		{6, 1, "cluster.failover_timeout", "must not be negative"},
		{7, 1, "cluster.offer_wait", "must not be negative"},
		{9, 1, "local.agents", "must be >= 1"},
		{10, 1, "local.cpus", "must be > 0"},
		{11, 1, "local.mem", "must be > 0"},
		{14, 1, "server.listen", "host:port"},
		{15, 1, "server.advertise", "credentials"},
		{18, 1, "plugins.pins.sum", "sha256:"},
		{21, 1, "job[0].name", "must match"},
		{22, 1, "job[0].workload", "must match"},
		{23, 1, "job[0].cpus", "must be > 0"},
		{24, 1, "job[0].retries", "must be >= 0"},
		{25, 1, "job[0].timeout", "must be > 0"},
		{29, 3, "job[0].artifacts[0].output_file", "plain file name"},
		{30, 3, "job[0].artifacts[0].checksum", "64 hex digits"},
		{31, 3, "job[0].artifacts[0].mode", `got "lazy"`},
		{37, 1, "job[1].retries", "must be <= 100, got 9223372036854775807"},
		{38, 1, "job[1].retry_backoff", "must not be negative"},
		{41, 1, "job[2].name", `duplicate job name "dup" (first used by job[1])`},
		{43, 1, "job[2].output", "is already the output of job[1]"},
	},
}

func TestBadFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(badFixtures) {
		t.Errorf("%d bad fixtures on disk, %d in the table", len(files), len(badFixtures))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			want, ok := badFixtures[name]
			if !ok {
				t.Fatalf("no expected errors listed for %s", name)
			}
			c, err := Load(file)
			if err == nil {
				t.Fatalf("Load succeeded:\n%s", c)
			}
			if c != nil {
				t.Errorf("Load returned a config with an error")
			}
			got := problemList(t, err)
			if len(got) != len(want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), err)
			}
			for i, w := range want {
				g := got[i]
				prefix := file + ":"
				if g.File != file || g.Line != w.line || g.Col != w.col || !strings.HasPrefix(g.Error(), prefix) {
					t.Errorf("problem %d at %s:%d:%d, want %s:%d:%d (%v)", i, g.File, g.Line, g.Col, file, w.line, w.col, g)
				}
				if !strings.Contains(g.Key, w.key) {
					t.Errorf("problem %d key %q, want it to contain %q", i, g.Key, w.key)
				}
				if !strings.Contains(g.Error(), w.msg) {
					t.Errorf("problem %d = %q, want it to contain %q", i, g.Error(), w.msg)
				}
			}
		})
	}
}

// problemList unpacks the joined error of Parse, Load or Validate.
func problemList(t *testing.T, err error) []*Error {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v (%T) is not a joined error", err, err)
	}
	var out []*Error
	for _, e := range joined.Unwrap() {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Fatalf("problem %v (%T) is not a *config.Error", e, e)
		}
		out = append(out, pe)
	}
	return out
}

func TestGoodFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.good.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no good fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c, err := Load(file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate after Load: %v", err)
			}
			if err := c.RequireJobs(); err != nil {
				t.Errorf("RequireJobs: %v", err)
			}
		})
	}
}
