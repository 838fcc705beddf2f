package conformance

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// artifactServer serves what the fetch scenario's tasks fetch: a .tgz
// holding data/file.txt, a shell script and nothing at /missing. Both
// targets' agents fetch from it.
func artifactServer(t *testing.T) string {
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	body := []byte("1 2 3\n")
	if err := tw.WriteHeader(&tar.Header{Name: "data/file.txt", Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	gz.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/data.tgz", func(w http.ResponseWriter, r *http.Request) { w.Write(tgz.Bytes()) })
	mux.HandleFunc("/script.sh", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("#!/bin/sh\nexit 0\n")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// fetchTask is a command task with URIs; its exit status says which of
// the shell's checks of the sandbox failed.
type fetchTask struct {
	what, shell string
	uris        []mesos.CommandInfo_URI
}

func fetchTasks(base string) []fetchTask {
	yes, no := true, false
	out := "run.sh"
	return []fetchTask{
		// 3: not extracted; 4: the archive itself is not kept.
		{"extract", "test -f data/file.txt || exit 3; test -f data.tgz || exit 4",
			[]mesos.CommandInfo_URI{{Value: base + "/data.tgz", Extract: &yes}}},
		{"no-extract", "test -f data.tgz || exit 3; test ! -e data || exit 4",
			[]mesos.CommandInfo_URI{{Value: base + "/data.tgz", Extract: &no}}},
		{"executable-output-file", "test -x run.sh || exit 3; ./run.sh",
			[]mesos.CommandInfo_URI{{Value: base + "/script.sh", Executable: &yes, OutputFile: &out}}},
		{"cached", "test -f data/file.txt || exit 3",
			[]mesos.CommandInfo_URI{{Value: base + "/data.tgz", Extract: &yes, Cache: &yes}}},
		{"missing", "exit 0",
			[]mesos.CommandInfo_URI{{Value: base + "/missing"}}},
	}
}

// fetching launches one task per fetchTask, one at a time, and records
// its updates to the end.
func fetching(x *run, tasks []fetchTask) {
	if x.subscribe("subscribe", sub{}) == nil {
		return
	}
	for _, ft := range tasks {
		f, ok := x.offerOf(resources{cpus: 0.1, mem: 32})
		if !ok {
			x.record(ft.what+"/offer", "<no offer>")
			return
		}
		o := f.ev.Offers.Offers[0]
		ti := task(ft.what, ft.shell, o.AgentID)
		ti.Command.URIs = ft.uris
		x.accept(ft.what+"/accept", o, calls.OpLaunch(ti))
		x.updates(ft.what, ft.what, terminal)
	}
}
