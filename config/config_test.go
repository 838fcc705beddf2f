package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
)

func TestDemo(t *testing.T) {
	c, err := Load("testdata/demo.good.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Jobs) != 1 {
		t.Fatalf("got %d jobs, want 1", len(c.Jobs))
	}
	j := c.Jobs[0]
	if j.Name != "sums" || j.Workload != "sum" {
		t.Errorf("job = %q/%q, want sums/sum", j.Name, j.Workload)
	}
	want := map[string]any{"groups": []any{"1 2 3", "4 5 6", "7 8 9"}}
	if !reflect.DeepEqual(j.Params, want) {
		t.Errorf("params = %#v, want %#v", j.Params, want)
	}
	if c.Cluster.Master != "" || c.Local.Agents != 2 {
		t.Errorf("cluster master %q agents %d, want embedded with 2 agents", c.Cluster.Master, c.Local.Agents)
	}
}

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "cluster.toml")
	c, err := Parse(name, []byte("[[job]]\nname = \"a\"\nworkload = \"w\"\n[[job.artifacts]]\nuri = \"http://h/x\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Cluster: Cluster{
			Framework:       "batchd",
			Role:            "*",
			FailoverTimeout: Duration(time.Hour),
			Codec:           CodecProtobuf,
			ConnectTimeout:  Duration(30 * time.Second),
			OfferWait:       Duration(2 * time.Minute),
		},
		Local: Local{
			Agents: 1,
			CPUs:   float64(runtime.NumCPU()),
			Mem:    defaultLocalMem(),
			Disk:   10 * GiB,
		},
		Server:  Server{Listen: "127.0.0.1:0"},
		State:   State{Dir: filepath.Join(dir, ".batchd"), Sync: true},
		Plugins: Plugins{Dirs: []string{filepath.Join(filepath.Dir(exe), "plugins"), filepath.Join(dir, "bin", "plugins")}},
		Jobs: []Job{{
			Name: "a", Workload: "w", CPUs: 1, Mem: 64 * MiB, Retries: 2, RetryBackoff: Duration(time.Second), Timeout: Duration(10 * time.Minute), PluginTimeout: Duration(10 * time.Minute),
			Artifacts: []Artifact{{URI: "http://h/x", Mode: ModeStaged}},
		}},
		File: name,
		Dir:  dir,
	}
	c.pos = nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %#v\nwant %#v", c, want)
	}
	if c.Local.Mem <= 0 || c.Local.Mem%MiB != 0 {
		t.Errorf("default local mem %d is not a positive whole number of MiB", c.Local.Mem)
	}
}

func TestMemTotal(t *testing.T) {
	got, err := memTotal([]byte("MemFree: 1 kB\nMemTotal:       24576000 kB\n"))
	if err != nil || got != 24576000*KiB {
		t.Errorf("memTotal = %v, %v; want 24576000KiB", got, err)
	}
	if _, err := memTotal([]byte("MemFree: 1 kB\n")); err == nil {
		t.Error("memTotal without MemTotal succeeded")
	}
}

func TestFull(t *testing.T) {
	c, err := Load("testdata/full.good.toml")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := filepath.Abs("testdata")
	cl := c.Cluster
	if cl.Master != "https://mesos.example.com:5050" || cl.Framework != "batchd-prod" || cl.Role != "batch" ||
		cl.Principal != "batchd" || cl.Codec != CodecJSON || cl.FailoverTimeout.Std() != 2*time.Hour ||
		cl.HeartbeatTimeout.Std() != 15*time.Second || cl.ConnectTimeout.Std() != time.Minute {
		t.Errorf("cluster = %+v", cl)
	}
	if l := c.Local; l.Agents != 3 || l.CPUs != 1.5 || l.Mem != 2*GiB || l.Disk != 20*GiB {
		t.Errorf("local = %+v", l)
	}
	if c.Server.Listen != "0.0.0.0:8080" || c.Server.Advertise != "http://batchd.example.com:8080" {
		t.Errorf("server = %+v", c.Server)
	}
	if c.State.Dir != "/var/lib/batchd" || c.State.StagingMax != 1536*MiB || c.State.Sync {
		t.Errorf("state = %+v", c.State)
	}
	if want := []string{filepath.Join(base, "plugins"), "/opt/batchd/plugins"}; !reflect.DeepEqual(c.Plugins.Dirs, want) {
		t.Errorf("plugin dirs = %q, want %q", c.Plugins.Dirs, want)
	}
	if pin := c.Plugins.Pins["batchd-workload-sum"]; pin != "sha256:"+strings.Repeat("0123456789abcdef", 4) {
		t.Errorf("pin = %q, want lower-cased checksum", pin)
	}
	if len(c.Jobs) != 2 {
		t.Fatalf("got %d jobs, want 2", len(c.Jobs))
	}
	j := c.Jobs[0]
	if j.Name != "word.count-1" || j.Workload != "word_count" || j.CPUs != 0.5 || j.Mem != 256*MiB ||
		j.Retries != 0 || j.Timeout.Std() != 90*time.Minute || j.Output != filepath.Join(base, "results", "words.jsonl") {
		t.Errorf("job = %+v", j)
	}
	wantArt := []Artifact{
		{URI: "hdfs://nn1/data/books.tar.gz", Extract: true, ExtractSet: true, Cache: true, Mode: ModeStaged,
			Checksum: "sha256:" + strings.Repeat("f", 64)},
		{URI: "http://example.com/tool", Executable: true, OutputFile: "tool", Mode: ModeDirect, Cache: true, Immutable: true},
	}
	if !reflect.DeepEqual(j.Artifacts, wantArt) {
		t.Errorf("artifacts = %+v", j.Artifacts)
	}
	if want := []Artifact{{URI: "file:///tmp/input.txt", Mode: ModeStaged}}; !reflect.DeepEqual(c.Jobs[1].Artifacts, want) {
		t.Errorf("inline artifacts = %+v", c.Jobs[1].Artifacts)
	}
}

func TestFetcherSettings(t *testing.T) {
	c, err := Load("testdata/full.good.toml")
	if err != nil {
		t.Fatal(err)
	}
	var hdfs struct {
		Namenodes []string `json:"namenodes"`
		User      string   `json:"user"`
	}
	if err := json.Unmarshal(c.FetcherSettings("hdfs"), &hdfs); err != nil {
		t.Fatal(err)
	}
	if hdfs.User != "hadoop" || !reflect.DeepEqual(hdfs.Namenodes, []string{"nn1:8020", "nn2:8020"}) {
		t.Errorf("hdfs settings = %+v", hdfs)
	}
	if got := c.FetcherSettings("s3"); got != nil {
		t.Errorf("settings of an absent fetcher = %s, want nil", got)
	}
}

func TestRequireJobs(t *testing.T) {
	c, err := Parse("cluster.toml", []byte("[local]\nagents = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.RequireJobs()
	if !errors.Is(err, ErrNoJobs) {
		t.Fatalf("RequireJobs = %v, want ErrNoJobs", err)
	}
	if !strings.HasPrefix(err.Error(), "cluster.toml:1:1: job: ") {
		t.Errorf("RequireJobs = %q, want it positioned at cluster.toml:1:1", err)
	}
}

func TestParseRejectsNonTableJSONValues(t *testing.T) {
	_, err := Parse("c.toml", []byte("[fetchers.ftp]\nx = nan\n[[job]]\nname = \"a\"\nworkload = \"w\"\n[job.params]\ny = inf\n"))
	got := problemList(t, err)
	if len(got) != 2 || got[0].Key != "fetchers.ftp" || got[1].Key != "job[0].params" {
		t.Errorf("got %v, want JSON problems for fetchers.ftp and job[0].params", err)
	}
}

func TestQuotedKeys(t *testing.T) {
	_, err := Parse("c.toml", []byte("[fetchers.\"My.Fetcher\"]\na = 1\n[plugins.pins]\n\"bad name\" = \"sha256:00\"\n"))
	got := problemList(t, err)
	want := []struct {
		line, col int
		key       string
	}{{1, 11, `fetchers."My.Fetcher"`}, {4, 1, `plugins.pins."bad name"`}, {4, 1, `plugins.pins."bad name"`}}
	if len(got) != len(want) {
		t.Fatalf("got %v", err)
	}
	for i, w := range want {
		if got[i].Line != w.line || got[i].Col != w.col || got[i].Key != w.key {
			t.Errorf("problem %d = %v, want %d:%d %s", i, got[i], w.line, w.col, w.key)
		}
	}
}

func TestParentKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"job[0].artifacts[1].uri", "job[0].artifacts[1]"},
		{"job[0].artifacts[1]", "job[0].artifacts"},
		{"job[0]", "job"},
		{"job", ""},
		{`fetchers."a.b[0]".user`, `fetchers."a.b[0]"`},
		{`fetchers."a.b[0]"`, "fetchers"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := parentKey(tc.in); got != tc.want {
				t.Errorf("parentKey(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestInlinePositions(t *testing.T) {
	_, err := Parse("c.toml", []byte("cluster.codec = \"x\"\njob = [\n  {name = \"a\"},\n  {name = \"b\", workload = \"w\", cpus = 0, artifacts = [{uri = \"\"}]},\n]\n"))
	got := problemList(t, err)
	want := []struct {
		line, col int
		key       string
	}{{1, 1, "cluster.codec"}, {3, 3, "job[0].workload"}, {4, 32, "job[1].cpus"}, {4, 56, "job[1].artifacts[0].uri"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", err)
	}
	for i, w := range want {
		if got[i].Line != w.line || got[i].Col != w.col || got[i].Key != w.key {
			t.Errorf("problem %d = %v, want %d:%d %s", i, got[i], w.line, w.col, w.key)
		}
	}
}

func TestPlacementFields(t *testing.T) {
	c, err := Load("testdata/placement.good.toml")
	if err != nil {
		t.Fatal(err)
	}
	j := c.Jobs[0]
	want := []core.Constraint{
		{Field: "hostname", Operator: "UNIQUE"}, {Field: "rack", Operator: "LIKE", Value: "a|b"}, {Field: "zone", Operator: "MAX_PER", Value: "2"},
	}
	if j.Disk.MiB() != 2048 || j.GPUs != 1 || j.User != "nobody" || j.Labels["team"] != "data" || !reflect.DeepEqual(j.Constraints, want) {
		t.Errorf("job %+v", j)
	}
	wantC := &Container{Type: "DOCKER", Image: "debian:12", Volumes: []core.Volume{
		{HostPath: "/srv/data", ContainerPath: "/data", ReadOnly: true}, {HostPath: "/tmp", ContainerPath: "/scratch"},
	}}
	if !reflect.DeepEqual(j.Container, wantC) {
		t.Errorf("container %+v, want %+v", j.Container, wantC)
	}
}
