package conformance

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// stateEndpoints runs a task and reads the master's state the ways the
// Mesos UI, mesos-dns and monitoring tools do: /version, /health,
// /master/state and /state, and the operator API's read calls. It records
// each answer's status and Content-Type and the fields those tools read
// (with the running task in them), not every field Mesos writes.
func stateEndpoints(x *run) {
	o, ok := x.subscribedOffer()
	if !ok {
		return
	}
	const id = "state-1"
	x.accept("accept", o, calls.OpLaunch(task(id, "sleep 60", o.AgentID)))
	if seen := x.updates("updates", id, func(s mesos.TaskState) bool { return s == mesos.TASK_RUNNING || terminal(s) }); len(seen) == 0 {
		return
	}
	status, ct, body := x.get(x.tg.url + "/version")
	x.record("version/status", status)
	x.record("version/content-type", mediaTypeOrAbsent(ct))
	x.record("version/fields", pickPaths(body, "version"))
	status, _, body = x.get(x.tg.url + "/health")
	x.record("health/status", status)
	x.record("health/body", body)
	for _, p := range []string{"/master/state", "/state"} {
		status, ct, body = x.get(x.tg.url + p)
		x.record(p+"/status", status)
		x.record(p+"/content-type", mediaTypeOrAbsent(ct))
		x.record(p+"/fields", pickPaths(body,
			"version", "id", "pid", "hostname", "leader", "leader_info.hostname", "activated_slaves",
			"slaves.0.id", "slaves.0.hostname", "slaves.0.pid", "slaves.0.active", "slaves.0.resources.cpus",
			"slaves.0.used_resources.cpus",
			"frameworks.0.id", "frameworks.0.name", "frameworks.0.user", "frameworks.0.active", "frameworks.0.role", "frameworks.0.roles",
			"frameworks.0.tasks.0.id", "frameworks.0.tasks.0.name", "frameworks.0.tasks.0.state",
			"frameworks.0.tasks.0.framework_id", "frameworks.0.tasks.0.slave_id", "frameworks.0.tasks.0.resources.cpus",
			"frameworks.0.tasks.0.statuses.0.state", "frameworks.0.tasks.0.statuses.0.container_status.container_id.value",
		))
	}
	for _, call := range []string{"GET_HEALTH", "GET_VERSION", "GET_AGENTS", "GET_FRAMEWORKS", "GET_TASKS", "GET_STATE", "GET_QUOTA"} {
		status, ct, body := x.post(x.tg.url+"/api/v1", `{"type":"`+call+`"}`)
		what := "operator-" + strings.ToLower(call)
		x.record(what+"/status", status)
		if status != http.StatusOK {
			continue
		}
		x.record(what+"/content-type", mediaTypeOrAbsent(ct))
		x.record(what+"/fields", pickPaths(body,
			"type", "get_health.healthy", "get_version.version_info.version",
			"get_agents.agents.0.agent_info.id.value", "get_agents.agents.0.agent_info.hostname",
			"get_agents.agents.0.active", "get_agents.agents.0.version",
			"get_frameworks.frameworks.0.framework_info.id.value", "get_frameworks.frameworks.0.framework_info.name",
			"get_frameworks.frameworks.0.active", "get_frameworks.frameworks.0.connected",
			"get_tasks.tasks.0.task_id.value", "get_tasks.tasks.0.name", "get_tasks.tasks.0.state",
			"get_tasks.tasks.0.agent_id.value", "get_tasks.tasks.0.statuses.0.state",
			"get_state.get_tasks.tasks.0.task_id.value", "get_state.get_tasks.tasks.0.state",
			"get_state.get_frameworks.frameworks.0.framework_info.name",
			"get_state.get_agents.agents.0.agent_info.hostname"))
	}
}

// post sends a JSON body and returns the status, Content-Type and body.
func (x *run) post(u, body string) (int, string, string) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return 0, "", ""
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := x.tg.client.Do(req)
	if err != nil {
		x.t.Logf("%s POST %s: %v", x.tg.name, u, err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// placeholder keeps what two masters legitimately answer differently out
// of the comparison: minted ids, pids, host names and resource amounts are
// recorded as present or absent, not by value. Task ids, chosen by the
// scenario, are compared.
func placeholder(path string, v any) any {
	if v == nil {
		return absent
	}
	last := path[strings.LastIndexByte(path, '.')+1:]
	if last == "value" {
		rest := strings.TrimSuffix(path, ".value")
		last = rest[strings.LastIndexByte(rest, '.')+1:]
	}
	switch {
	case last == "task_id", strings.HasSuffix(path, "tasks.0.id"):
		return v
	case last == "id" || last == "pid" || last == "hostname" || last == "leader" || strings.HasSuffix(last, "_id"):
		return "<present>"
	case strings.Contains(path, "resources"):
		if _, ok := v.(float64); ok {
			return "<number>"
		}
	}
	return v
}

// pickPaths returns the JSON document's values at the dotted paths (a number
// indexes an array), "<absent>" where a path leads nowhere, and
// "<not JSON>" for a body that is not JSON.
func pickPaths(body string, paths ...string) map[string]any {
	var doc any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		return map[string]any{"": "<not JSON>"}
	}
	out := map[string]any{}
	for _, p := range paths {
		v := doc
		for _, k := range strings.Split(p, ".") {
			switch n := v.(type) {
			case map[string]any:
				v = n[k]
			case []any:
				i := -1
				if len(k) == 1 && k[0] >= '0' && k[0] <= '9' {
					i = int(k[0] - '0')
				}
				if i < 0 || i >= len(n) {
					v = nil
				} else {
					v = n[i]
				}
			default:
				v = nil
			}
		}
		out[p] = placeholder(p, v)
	}
	return out
}
