package conformance

import (
	"encoding/json"
	"math"
	"sort"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// snapshotKeys are the master's /metrics/snapshot keys monitoring tools
// read, which the embedded cluster serves.
var snapshotKeys = []string{
	"master/elected", "master/uptime_secs",
	"master/frameworks_active", "master/frameworks_connected", "master/frameworks_disconnected", "master/frameworks_inactive",
	"master/slaves_active", "master/slaves_connected", "master/slaves_disconnected", "master/slaves_inactive", "master/slaves_unreachable",
	"master/outstanding_offers",
	"master/tasks_staging", "master/tasks_starting", "master/tasks_running", "master/tasks_killing", "master/tasks_unreachable",
	"master/tasks_finished", "master/tasks_failed", "master/tasks_killed", "master/tasks_lost", "master/tasks_error",
	"master/tasks_dropped", "master/tasks_gone", "master/tasks_gone_by_operator",
	"master/cpus_total", "master/cpus_used", "master/cpus_percent", "master/mem_total", "master/mem_used", "master/mem_percent",
	"master/disk_total", "master/disk_used", "master/disk_percent", "master/gpus_total", "master/gpus_used", "master/gpus_percent",
	"master/cpus_revocable_total", "master/cpus_revocable_used", "master/cpus_revocable_percent",
}

// metricsSnapshot records the master's /metrics/snapshot: its media type,
// which keys it has, the cluster's totals, and how the task and resource
// keys move while one task runs and once it is killed (as differences, so
// what earlier scenarios left does not count).
func metricsSnapshot(x *run) {
	before, ok := x.snapshot("before")
	if !ok {
		return
	}
	present := map[string]bool{}
	for _, k := range snapshotKeys {
		present[k] = hasKey(before, k)
	}
	x.record("keys", present)
	x.record("totals", pick(before, "master/elected", "master/slaves_active", "master/cpus_total", "master/mem_total", "master/disk_total", "master/gpus_total"))
	x.record("uptime-positive", before["master/uptime_secs"] > 0)

	if x.subscribe("subscribe", sub{}) == nil {
		return
	}
	subscribed, _ := x.snapshot("subscribed")
	x.record("subscribed/frameworks-active-delta", subscribed["master/frameworks_active"]-before["master/frameworks_active"])
	const id = "snapshot-task"
	agent, ok := x.launch("accept", id, "sleep 60")
	if !ok {
		return
	}
	if seen := x.updates("running", id, func(s mesos.TaskState) bool { return s == mesos.TASK_RUNNING || terminal(s) }); len(seen) == 0 || seen[len(seen)-1] != mesos.TASK_RUNNING {
		return
	}
	running, _ := x.snapshot("running")
	x.record("running/deltas", deltas(running, subscribed, "master/tasks_running", "master/tasks_staging", "master/tasks_starting", "master/cpus_used", "master/mem_used"))
	x.do("kill", calls.Kill(id, agent.Value))
	x.updates("killed", id, terminal)
	killed, _ := x.snapshot("killed")
	x.record("killed/deltas", deltas(killed, subscribed, "master/tasks_running", "master/tasks_killed", "master/cpus_used", "master/mem_used"))
}

// snapshot gets /metrics/snapshot and records its status and media type.
func (x *run) snapshot(what string) (map[string]float64, bool) {
	status, ct, body := x.get(x.tg.url + "/metrics/snapshot")
	x.record(what+"/status", status)
	x.record(what+"/content-type", contentType(ct))
	var m map[string]float64
	err := json.Unmarshal([]byte(body), &m)
	x.record(what+"/flat-object-of-numbers", err == nil)
	// Mesos writes every number with a decimal point (2.0).
	x.record(what+"/decimal-points", err == nil && !integerNumber(body))
	return m, err == nil
}

// integerNumber reports whether a flat JSON object of numbers holds one
// written without a decimal point or exponent.
func integerNumber(body string) bool {
	for _, kv := range strings.Split(strings.Trim(body, "{}"), ",") {
		i := strings.LastIndex(kv, ":")
		if i >= 0 && !strings.ContainsAny(kv[i+1:], ".eE") {
			return true
		}
	}
	return false
}

func hasKey(m map[string]float64, k string) bool { _, ok := m[k]; return ok }

// pick returns the named keys' values.
func pick(m map[string]float64, keys ...string) map[string]float64 {
	out := map[string]float64{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

// deltas returns how the named keys moved from a to b, rounded to Mesos's
// precision for scalars, as "key=delta" sorted.
func deltas(b, a map[string]float64, keys ...string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		d := math.Round((b[k]-a[k])*1000) / 1000
		out = append(out, k+"="+jsonNumber(d))
	}
	sort.Strings(out)
	return out
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
