package localcluster

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// The master's read-only HTTP endpoints that the Mesos UI, mesos-dns and
// monitoring tools read: /version, /health, and /master/state (also at
// /state) in the JSON shape of Mesos 1.11's src/master/http.cpp and
// src/common/http.cpp (model(Task) and friends). Only the fields those
// tools use are filled in; see DEPARTURES.md.

// serveReadEndpoints registers the operator API and the state endpoints
// at the paths Mesos serves them (the master's own prefix and without it).
func (c *Cluster) serveReadEndpoints(mux *http.ServeMux) {
	mux.HandleFunc("/api/v1", c.serveOperator)
	mux.HandleFunc("/version", c.serveVersion)
	for _, p := range []string{"/health", "/master/health"} {
		mux.HandleFunc(p, c.serveHealth)
	}
	for _, p := range []string{"/state", "/state.json", "/master/state", "/master/state.json"} {
		mux.HandleFunc(p, c.serveState)
	}
}

// mesosVersion is the Mesos release whose API the embedded cluster speaks.
const mesosVersion = "1.11.1"

func (c *Cluster) serveVersion(w http.ResponseWriter, r *http.Request) {
	writeValue(w, map[string]any{
		"version": mesosVersion, "build_date": "", "build_time": 0, "build_user": "",
		"git_sha": "", "git_branch": "",
	})
}

// serveHealth answers 200 with no body, as /health does.
func (c *Cluster) serveHealth(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }

func (c *Cluster) serveState(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	st := c.stateLocked()
	c.mu.Unlock()
	writeValue(w, st)
}

// writeValue answers 200 with v as JSON.
func writeValue(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, b)
}

// stateLocked is the master's state in /master/state's shape.
func (c *Cluster) stateLocked() map[string]any {
	m := &c.state
	pid, port := c.pid()
	var slaves []any
	unreachable := 0
	for _, a := range m.agents {
		if a.lost { // killed (faults.go): Mesos lists it among the unreachable
			unreachable++
			continue
		}
		slaves = append(slaves, c.agentJSON(a))
	}
	var fws, completed []any
	for _, fw := range sortedFrameworks(m.frameworks) {
		fws = append(fws, c.frameworkJSON(fw))
	}
	for _, fw := range m.completedFWs {
		completed = append(completed, c.frameworkJSON(fw))
	}
	started := float64(m.started.UnixNano()) / 1e9
	return map[string]any{
		"version":                 mesosVersion,
		"start_time":              started,
		"elected_time":            started,
		"id":                      m.id,
		"pid":                     pid,
		"hostname":                m.hostname,
		"activated_slaves":        float64(len(slaves)),
		"deactivated_slaves":      0.0,
		"unreachable_slaves":      float64(unreachable),
		"leader":                  pid,
		"leader_info":             map[string]any{"id": m.id, "pid": pid, "port": port, "hostname": m.hostname},
		"flags":                   map[string]string{"port": fmt.Sprint(port), "work_dir": c.cfg.WorkDir},
		"slaves":                  orEmpty(slaves),
		"recovered_slaves":        []any{},
		"frameworks":              orEmpty(fws),
		"completed_frameworks":    orEmpty(completed),
		"orphan_tasks":            []any{},
		"unregistered_frameworks": []any{},
	}
}

// pid is the master's libprocess pid, master@ip:port, and its port.
func (c *Cluster) pid() (string, int) {
	addr, _ := c.ln.Addr().(*net.TCPAddr)
	if addr == nil {
		return "master@" + c.ln.Addr().String(), 0
	}
	return fmt.Sprintf("master@%s:%d", addr.IP, addr.Port), addr.Port
}

func (c *Cluster) agentJSON(a *agent) map[string]any {
	port := 0
	if addr, ok := a.ln.Addr().(*net.TCPAddr); ok {
		port = addr.Port
	}
	var offered res
	for _, o := range a.offers {
		offered = offered.plus(o.res)
	}
	return map[string]any{
		"id":                   a.id,
		"hostname":             c.state.hostname,
		"port":                 port,
		"pid":                  fmt.Sprintf("%s@%s", strings.TrimPrefix(a.path, "/"), a.ln.Addr()),
		"attributes":           attributesJSON(a.attrs),
		"registered_time":      float64(c.state.started.UnixNano()) / 1e9,
		"resources":            resJSON(a.total, a.allPorts),
		"used_resources":       resJSON(a.used, nil),
		"offered_resources":    resJSON(offered, nil),
		"reserved_resources":   map[string]any{},
		"unreserved_resources": resJSON(a.total, a.allPorts),
		"active":               true,
		"version":              mesosVersion,
		"capabilities":         []string{"MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"},
	}
}

// resJSON is resources as the state endpoints write them: scalars by name,
// ports as "[31000-32000]".
func resJSON(r res, ports mesos.Ranges) map[string]any {
	out := map[string]any{"cpus": r.cpus, "mem": r.mem, "disk": r.disk, "gpus": 0.0}
	if len(ports) > 0 {
		var parts []string
		for _, p := range ports {
			parts = append(parts, fmt.Sprintf("%d-%d", p.Begin, p.End))
		}
		out["ports"] = "[" + strings.Join(parts, ", ") + "]"
	}
	return out
}

func (c *Cluster) frameworkJSON(fw *framework) map[string]any {
	var used res
	var tasks, done []any
	for _, t := range sortedTasks(fw.tasks) {
		tasks = append(tasks, taskJSON(t))
		if !t.terminal() {
			used = used.plus(t.res)
		}
	}
	for _, t := range fw.completed {
		done = append(done, taskJSON(t))
	}
	info := fw.info
	if info == nil {
		info = &mesos.FrameworkInfo{}
	}
	var caps []string
	for _, cp := range info.GetCapabilities() {
		caps = append(caps, cp.GetType().String())
	}
	host := info.GetHostname()
	if host == "" {
		host, _ = os.Hostname()
	}
	active := fw.stream != nil && !fw.removed
	out := map[string]any{
		"id":                fw.id,
		"name":              info.GetName(),
		"user":              info.GetUser(),
		"hostname":          host,
		"webui_url":         info.GetWebUiURL(),
		"roles":             orEmpty(stringsAny(info.GetRoles())),
		"principal":         info.GetPrincipal(),
		"failover_timeout":  info.GetFailoverTimeout(),
		"checkpoint":        info.GetCheckpoint(),
		"capabilities":      orEmpty(stringsAny(caps)),
		"active":            active,
		"connected":         fw.stream != nil,
		"recovered":         false,
		"registered_time":   float64(fw.registered.UnixNano()) / 1e9,
		"resources":         resJSON(used, nil),
		"used_resources":    resJSON(used, nil),
		"offered_resources": resJSON(res{}, nil),
		"tasks":             orEmpty(tasks),
		"unreachable_tasks": []any{},
		"completed_tasks":   orEmpty(done),
		"offers":            []any{},
		"executors":         []any{},
	}
	// A MULTI_ROLE framework has roles, and no role, in Mesos's JSON.
	if !fw.multiRole {
		out["role"] = fw.role
	}
	return out
}

// taskJSON is model(Task): ids, state, resources and every status sent.
func taskJSON(t *task) map[string]any {
	var statuses []any
	for _, st := range t.statuses {
		s := map[string]any{"state": st.GetState().String(), "timestamp": st.GetTimestamp()}
		if cs := st.ContainerStatus; cs != nil {
			s["container_status"] = containerStatusJSON(cs)
		}
		statuses = append(statuses, s)
	}
	out := map[string]any{
		"id":           t.id,
		"name":         t.name,
		"framework_id": t.fw.id,
		"executor_id":  "",
		"slave_id":     t.agent.id,
		"state":        t.state.String(),
		"resources":    resJSON(t.res, t.ports),
		"role":         t.fw.role,
		"statuses":     orEmpty(statuses),
	}
	if t.containerID != "" {
		out["container_id"] = map[string]any{"value": t.containerID}
	}
	return out
}

func containerStatusJSON(cs *mesos.ContainerStatus) map[string]any {
	out := map[string]any{}
	if cs.ContainerID != nil {
		out["container_id"] = map[string]any{"value": cs.ContainerID.Value}
	}
	var nets []any
	for _, n := range cs.NetworkInfos {
		var ips []any
		for _, ip := range n.IPAddresses {
			ips = append(ips, map[string]any{"ip_address": ip.GetIPAddress(), "protocol": ip.GetProtocol().String()})
		}
		nets = append(nets, map[string]any{"ip_addresses": orEmpty(ips)})
	}
	if len(nets) > 0 {
		out["network_infos"] = nets
	}
	if cs.ExecutorPID != nil {
		out["executor_pid"] = *cs.ExecutorPID
	}
	return out
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func stringsAny(s []string) []any {
	var out []any
	for _, x := range s {
		out = append(out, x)
	}
	return out
}

func sortedFrameworks(m map[string]*framework) []*framework {
	out := make([]*framework, 0, len(m))
	for _, fw := range m {
		out = append(out, fw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func sortedTasks(m map[string]*task) []*task {
	out := make([]*task, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}
