package localcluster

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// getSnapshot reads the master's /metrics/snapshot.
func getSnapshot(t *testing.T, c *Cluster) map[string]float64 {
	t.Helper()
	resp, err := http.Get(c.URL() + "/metrics/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/metrics/snapshot: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if strings.Contains(string(body), ":0,") || !strings.Contains(string(body), `"master/elected":1.0`) {
		t.Errorf("numbers are not written as Mesos writes them (1.0): %s", body)
	}
	var m map[string]float64
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("/metrics/snapshot is not a flat JSON object of numbers: %v\n%s", err, body)
	}
	return m
}

// wantSnapshot checks the snapshot's values of the given keys.
func wantSnapshot(t *testing.T, when string, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no key %s", when, k)
		} else if g != v {
			t.Errorf("%s: %s = %v, want %v", when, k, g, v)
		}
	}
}

// TestMetricsSnapshot reads the master's metrics before a framework
// subscribes, while one task runs beside one that finished, and after the
// running one is killed.
func TestMetricsSnapshot(t *testing.T) {
	c := startCluster(t, Config{Agents: 2, CPUs: 2, MemMB: 1000, DiskMB: 500})
	idle := getSnapshot(t, c)
	wantSnapshot(t, "idle", idle, map[string]float64{
		"master/elected": 1, "master/slaves_active": 2, "master/frameworks_active": 0,
		"master/cpus_total": 4, "master/mem_total": 2000, "master/disk_total": 1000, "master/gpus_total": 0,
		"master/cpus_used": 0, "master/tasks_running": 0, "master/tasks_finished": 0,
	})
	if idle["master/uptime_secs"] <= 0 {
		t.Errorf("uptime_secs = %v, want > 0", idle["master/uptime_secs"])
	}

	f := subscribe(t, c, protobufCodec(), frameworkInfo("snapshot"))
	offer := f.offers()[0]
	f.launch(offer, commandTask("sleeper", 0.5, 64, "sleep", "60"), commandTask("quick", 0.25, 32, "true"))
	// The two tasks' updates interleave: acknowledge both until the one
	// has finished and the other runs.
	last := map[string]mesos.TaskState{}
	for last["quick"] != mesos.TASK_FINISHED || last["sleeper"] != mesos.TASK_RUNNING {
		st := f.update(true)
		last[st.TaskID.Value] = st.GetState()
		if st.TaskID.Value == "sleeper" && isTerminal(st.GetState()) || st.TaskID.Value == "quick" && st.GetState() != mesos.TASK_FINISHED && isTerminal(st.GetState()) {
			t.Fatalf("task %s: %v (%q)", st.TaskID.Value, st.GetState(), st.GetMessage())
		}
	}
	running := getSnapshot(t, c)
	wantSnapshot(t, "one task running, one finished", running, map[string]float64{
		"master/frameworks_active": 1, "master/frameworks_connected": 1, "master/frameworks_inactive": 0,
		"master/tasks_running": 1, "master/tasks_staging": 0, "master/tasks_starting": 0,
		"master/tasks_finished": 1, "master/tasks_killed": 0,
		"master/cpus_used": 0.5, "master/mem_used": 64, "master/cpus_percent": 0.125, "master/disk_used": 0,
	})

	f.call(calls.Kill("sleeper", offer.AgentID.Value))
	f.waitState("sleeper", mesos.TASK_KILLED)
	killed := getSnapshot(t, c)
	wantSnapshot(t, "after the kill", killed, map[string]float64{
		"master/tasks_running": 0, "master/tasks_finished": 1, "master/tasks_killed": 1, "master/tasks_failed": 0,
		"master/cpus_used": 0, "master/mem_used": 0,
	})
	if killed["master/uptime_secs"] < running["master/uptime_secs"] {
		t.Errorf("uptime_secs went back from %v to %v", running["master/uptime_secs"], killed["master/uptime_secs"])
	}
}
