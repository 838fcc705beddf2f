package localcluster

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

func TestSubscribe(t *testing.T) {
	tests := []struct {
		name      string
		codec     encoding.Codec
		multiRole bool
	}{
		{name: "protobuf", codec: protobufCodec()},
		{name: "json", codec: jsonCodec()},
		{name: "json multi-role", codec: jsonCodec(), multiRole: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, Config{HeartbeatInterval: 50 * time.Millisecond})
			info := frameworkInfo(tc.name)
			if tc.multiRole {
				info.Roles = []string{"batch"}
				info.Capabilities = []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_MULTI_ROLE}}
			}
			f := subscribe(t, c, tc.codec, info)
			if !strings.HasSuffix(f.id, "-0000") {
				t.Errorf("framework id %q does not look like <uuid>-0000", f.id)
			}
			offers := f.offers()
			f.next(scheduler.Event_HEARTBEAT)
			if len(offers) != 1 {
				t.Fatalf("got %d offers, want 1", len(offers))
			}
			o := offers[0]
			if !strings.Contains(o.ID.Value, "-O") || !strings.HasSuffix(o.AgentID.Value, "-S0") || o.FrameworkID.Value != f.id {
				t.Errorf("offer ids %q agent %q framework %q do not look like Mesos'", o.ID.Value, o.AgentID.Value, o.FrameworkID.Value)
			}
			got, _, err := parseResources(o.Resources)
			if err != nil || got != (res{cpus: 4, mem: 1024, disk: 10240}) {
				t.Errorf("offered %v (%v), want cpus 4 mem 1024 disk 10240", got, err)
			}
			for _, r := range o.Resources {
				role := r.GetAllocationInfo().GetRole()
				if tc.multiRole && role != "batch" || !tc.multiRole && r.AllocationInfo != nil {
					t.Errorf("resource %s allocation role %q, multi-role %v", r.Name, role, tc.multiRole)
				}
			}
		})
	}
}

// scriptServer serves a shell script and counts the requests.
func scriptServer(t *testing.T, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/greet" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTasks(t *testing.T) {
	script := "#!/bin/sh\necho \"$GREETING $1 from $MESOS_TASK_ID in $MESOS_SANDBOX\"\n"
	srv := scriptServer(t, script)
	tests := []struct {
		name      string
		task      func() mesos.TaskInfo
		want      mesos.TaskState
		wantMsg   string
		wantOut   string
		wantSrc   mesos.TaskStatus_Source
		wantStart bool
	}{
		{
			name: "fetched executable with argv and env finishes",
			task: func() mesos.TaskInfo {
				ti := commandTask("greet", 1, 64, "./greet.sh", "world")
				ti.Command.URIs = []mesos.CommandInfo_URI{{Value: srv.URL + "/greet", Executable: ptr(true), OutputFile: ptr("greet.sh")}}
				ti.Command.Environment = &mesos.Environment{Variables: []mesos.Environment_Variable{{Name: "GREETING", Value: ptr("hello")}}}
				return ti
			},
			want: mesos.TASK_FINISHED, wantMsg: "Command exited with status 0", wantOut: "hello world from greet in {workdir}/agents/",
			wantSrc: mesos.SOURCE_EXECUTOR, wantStart: true,
		},
		{
			name: "shell command finishes",
			task: func() mesos.TaskInfo { return shellTask("sh", "echo $MESOS_FRAMEWORK_ID | grep -q 0000 && echo ok") },
			want: mesos.TASK_FINISHED, wantOut: "ok\n", wantSrc: mesos.SOURCE_EXECUTOR, wantStart: true,
		},
		{
			name: "non-zero exit fails",
			task: func() mesos.TaskInfo { return shellTask("fail", "exit 3") },
			want: mesos.TASK_FAILED, wantMsg: "Command exited with status 3", wantSrc: mesos.SOURCE_EXECUTOR, wantStart: true,
		},
		{
			name: "fetch failure names the URI",
			task: func() mesos.TaskInfo {
				ti := shellTask("nofetch", "true")
				ti.Command.URIs = []mesos.CommandInfo_URI{{Value: srv.URL + "/missing"}}
				return ti
			},
			want: mesos.TASK_FAILED, wantMsg: "fetching " + srv.URL + "/missing: 404 Not Found", wantSrc: mesos.SOURCE_AGENT,
		},
		{
			name: "more resources than offered is a task error",
			task: func() mesos.TaskInfo { return commandTask("big", 64, 64, "true") },
			want: mesos.TASK_ERROR, wantMsg: "is more than available", wantSrc: mesos.SOURCE_MASTER,
		},
		{
			name: "offered port is usable",
			task: func() mesos.TaskInfo {
				ti := shellTask("port", "echo ok")
				ti.Resources = append(ti.Resources, portsResource(31000, 31001))
				return ti
			},
			want: mesos.TASK_FINISHED, wantOut: "ok\n", wantSrc: mesos.SOURCE_EXECUTOR, wantStart: true,
		},
		{
			name: "port not offered is a task error",
			task: func() mesos.TaskInfo {
				ti := shellTask("port", "true")
				ti.Resources = append(ti.Resources, portsResource(80, 80))
				return ti
			},
			want: mesos.TASK_ERROR, wantMsg: "is more than available", wantSrc: mesos.SOURCE_MASTER,
		},
		{
			name: "unknown resource is a task error",
			task: func() mesos.TaskInfo {
				ti := commandTask("gpu", 1, 64, "true")
				ti.Resources = append(ti.Resources, mesos.Resource{Name: "gpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 1}})
				return ti
			},
			want: mesos.TASK_ERROR, wantMsg: `"gpus"`, wantSrc: mesos.SOURCE_MASTER,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, Config{})
			f := subscribe(t, c, protobufCodec(), frameworkInfo(tc.name))
			ti := tc.task()
			f.launch(f.offers()[0], ti)
			var states []mesos.TaskState
			var st mesos.TaskStatus
			for {
				st = f.update(true)
				states = append(states, st.GetState())
				if isTerminal(st.GetState()) {
					break
				}
			}
			if st.GetState() != tc.want || !strings.Contains(st.GetMessage(), tc.wantMsg) || st.GetSource() != tc.wantSrc {
				t.Fatalf("got %v from %v: %q, want %v from %v containing %q", st.GetState(), st.GetSource(), st.GetMessage(), tc.want, tc.wantSrc, tc.wantMsg)
			}
			if tc.wantStart {
				want := []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, tc.want}
				if fmt.Sprint(states) != fmt.Sprint(want) {
					t.Errorf("states %v, want %v", states, want)
				}
			}
			if tc.wantOut != "" {
				want := strings.ReplaceAll(tc.wantOut, "{workdir}", c.WorkDir())
				if out := readTaskFile(t, c, ti.TaskID.Value, "stdout"); !strings.HasPrefix(out, want) {
					t.Errorf("stdout %q, want prefix %q", out, want)
				}
			}
		})
	}
}

func portsResource(begin, end uint64) mesos.Resource {
	return mesos.Resource{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: begin, End: end}}}}
}

func ptr[T any](v T) *T { return &v }
