package mesoscluster

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/batchd/batchd/core"
)

func scalar(name string, v float64, role string) mesos.Resource {
	return scalarResource(name, v, role)
}

func testOffer(id, role string, cpus, mem float64) mesos.Offer {
	return mesos.Offer{
		ID: mesos.OfferID{Value: id}, AgentID: mesos.AgentID{Value: "a1"}, Hostname: "h1",
		Resources: []mesos.Resource{scalar("cpus", cpus, role), scalar("mem", mem, role)},
	}
}

func TestOfferFromProto(t *testing.T) {
	ports := mesos.RANGES
	tests := []struct {
		name  string
		offer mesos.Offer
		role  string
		want  core.Offer
	}{
		{
			name:  "plain",
			offer: testOffer("o1", "batch", 2, 512),
			role:  "batch",
			want:  core.Offer{ID: "o1", AgentID: "a1", Hostname: "h1", CPUs: 2, MemMB: 512},
		},
		{
			name: "sums pieces and skips other roles and non-scalars",
			offer: mesos.Offer{ID: mesos.OfferID{Value: "o2"}, AgentID: mesos.AgentID{Value: "a2"}, Resources: []mesos.Resource{
				scalar("cpus", 1, "batch"), scalar("cpus", 0.5, "batch"), scalar("cpus", 8, "other"),
				scalar("mem", 100, "batch"), scalar("disk", 2048, "batch"), scalar("gpus", 1, "batch"),
				{Name: "ports", Type: &ports, Ranges: &mesos.Value_Ranges{}},
			}},
			role: "batch",
			want: core.Offer{ID: "o2", AgentID: "a2", CPUs: 1.5, MemMB: 100, DiskMB: 2048, GPUs: 1},
		},
		{
			name: "offer-level allocation role",
			offer: func() mesos.Offer {
				o := testOffer("o3", "", 3, 30)
				other := "other"
				o.AllocationInfo = &mesos.Resource_AllocationInfo{Role: &other}
				return o
			}(),
			role: "batch",
			want: core.Offer{ID: "o3", AgentID: "a1", Hostname: "h1"},
		},
		{
			name:  "no allocation info counts",
			offer: testOffer("o4", "", 1, 10),
			role:  "*",
			want:  core.Offer{ID: "o4", AgentID: "a1", Hostname: "h1", CPUs: 1, MemMB: 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := offerFromProto(&tt.offer, tt.role); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("offerFromProto = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTaskInfo(t *testing.T) {
	o := testOffer("o1", "batch", 2, 512)
	pool := &resourcePool{pieces: usableResources(&o, "batch"), role: "batch"}
	l := core.Launch{
		TaskID: "job.1.1", Name: "job task 1", AgentID: "a1",
		Command: []string{"./sum", "task", "--x=1"},
		Env:     map[string]string{"B": "2", "A": "1"},
		CPUs:    1.5, MemMB: 128,
		URIs: []core.URI{
			{Value: "http://h/blob/abc", Executable: true, OutputFile: "sum"},
			{Value: "http://h/blob/def.tgz", Extract: true, Cache: true},
		},
	}
	ti := taskInfo(l, pool)
	if ti.Name != "job task 1" || ti.TaskID.Value != "job.1.1" || ti.AgentID.Value != "a1" {
		t.Fatalf("ids = %v", ti)
	}
	ci := ti.Command
	if ci.GetShell() || ci.GetValue() != "./sum" || !reflect.DeepEqual(ci.Arguments, l.Command) {
		t.Fatalf("command = %v", ci)
	}
	if got := ci.Environment.Variables; len(got) != 2 || got[0].Name != "A" || got[0].GetValue() != "1" || got[1].Name != "B" {
		t.Fatalf("env = %v", got)
	}
	t.Run("uris", func(t *testing.T) {
		u0, u1 := ci.URIs[0], ci.URIs[1]
		if !u0.GetExecutable() || u0.GetExtract() || u0.GetCache() || u0.GetOutputFile() != "sum" {
			t.Errorf("uri 0 = %v", u0)
		}
		if u0.Extract == nil {
			t.Errorf("extract must be explicit (Mesos defaults it to true)")
		}
		if u1.GetExecutable() || !u1.GetExtract() || !u1.GetCache() || u1.OutputFile != nil {
			t.Errorf("uri 1 = %v", u1)
		}
	})
	t.Run("resources", func(t *testing.T) {
		got := map[string]float64{}
		for _, r := range ti.Resources {
			if r.AllocationInfo.GetRole() != "batch" {
				t.Errorf("resource %s without allocation role: %v", r.Name, r)
			}
			got[r.Name] += r.Scalar.Value
		}
		if got["cpus"] != 1.5 || got["mem"] != 128 {
			t.Errorf("resources = %v", got)
		}
		// A second task takes what is left of the offer.
		ti2 := taskInfo(core.Launch{TaskID: "t2", CPUs: 0.5, MemMB: 384}, pool)
		for _, r := range pool.pieces {
			if r.Scalar.Value != 0 {
				t.Errorf("pool left %v of %s", r.Scalar.Value, r.Name)
			}
		}
		if len(ti2.Resources) != 2 {
			t.Errorf("second task resources = %v", ti2.Resources)
		}
	})
	t.Run("unknown offer falls back to unreserved", func(t *testing.T) {
		ti := taskInfo(core.Launch{TaskID: "t3", CPUs: 1, MemMB: 10}, &resourcePool{role: "r"})
		if len(ti.Resources) != 2 || ti.Resources[0].AllocationInfo.GetRole() != "r" || ti.Resources[0].Scalar.Value != 1 {
			t.Fatalf("resources = %v", ti.Resources)
		}
	})
}

func TestUpdateFromProto(t *testing.T) {
	failed := mesos.TASK_FAILED
	msg := "exit status 1"
	reason := mesos.REASON_COMMAND_EXECUTOR_FAILED
	source := mesos.SOURCE_EXECUTOR
	tests := []struct {
		name string
		in   mesos.TaskStatus
		want core.Update
	}{
		{
			name: "full",
			in: mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t"}, State: &failed, Message: &msg, Reason: &reason,
				Source: &source, AgentID: &mesos.AgentID{Value: "a"}},
			want: core.Update{TaskID: "t", AgentID: "a", State: core.TaskFailed, Message: msg,
				Reason: "REASON_COMMAND_EXECUTOR_FAILED", Source: "SOURCE_EXECUTOR"},
		},
		{
			name: "bare",
			in:   mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t"}, State: func() *mesos.TaskState { s := mesos.TASK_GONE; return &s }()},
			want: core.Update{TaskID: "t", State: core.TaskGone},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := updateFromProto(&tt.in); got != tt.want {
				t.Fatalf("updateFromProto = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFrameworkInfo(t *testing.T) {
	cfg := Config{FrameworkName: "fw", User: "u", Role: "batch", Principal: "p", Hostname: "h", FailoverTimeout: time.Hour}
	fi := frameworkInfo(cfg, "id-1")
	if fi.Name != "fw" || fi.User != "u" || fi.GetPrincipal() != "p" || fi.GetHostname() != "h" ||
		fi.GetFailoverTimeout() != 3600 || !fi.GetCheckpoint() || fi.GetID().GetValue() != "id-1" {
		t.Fatalf("FrameworkInfo = %v", fi)
	}
	if !reflect.DeepEqual(fi.Roles, []string{"batch"}) || fi.Capabilities[0].Type != mesos.FrameworkInfo_Capability_MULTI_ROLE {
		t.Fatalf("roles/capabilities = %v %v", fi.Roles, fi.Capabilities)
	}
	if fi := frameworkInfo(Config{}, ""); fi.ID != nil || fi.Roles[0] != "*" {
		t.Fatalf("defaults = %v", fi)
	}
}

func TestWatchdogTimeout(t *testing.T) {
	tests := []struct {
		name      string
		hb, slack time.Duration
		want      time.Duration
	}{
		{"given interval", 10 * time.Second, time.Second, 31 * time.Second},
		{"default interval", 0, 5 * time.Second, 50 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := watchdogTimeout(tt.hb, tt.slack); got != tt.want {
				t.Fatalf("watchdogTimeout = %v, want %v", got, tt.want)
			}
		})
	}
	s := subscribedFromProto(&scheduler.Event_Subscribed{HeartbeatIntervalSeconds: func() *float64 { f := 0.5; return &f }()})
	if s.Heartbeat != 500*time.Millisecond {
		t.Fatalf("heartbeat = %v", s.Heartbeat)
	}
}

// TestPlacementTranslated checks that a launch's placement reaches the
// TaskInfo: disk and GPUs from the offer's pool, the user, labels sorted by
// key, a Docker container with its image and volumes; and that an offer's
// attributes reach core.Offer as text.
func TestPlacementTranslated(t *testing.T) {
	p := &core.Placement{
		DiskMB: 100, GPUs: 1, User: "nobody", Labels: map[string]string{"team": "x", "app": "y"},
		Container: &core.Container{Type: "DOCKER", Image: "debian:12", Volumes: []core.Volume{{ContainerPath: "/data", HostPath: "/srv", ReadOnly: true}}},
	}
	ti := taskInfo(core.Launch{TaskID: "t", AgentID: "a", Command: []string{"true"}, CPUs: 1, Placement: p}, &resourcePool{role: "*"})
	var names []string
	for _, r := range ti.Resources {
		names = append(names, fmt.Sprintf("%s:%g", r.Name, r.GetScalar().GetValue()))
	}
	if got := strings.Join(names, " "); got != "cpus:1 disk:100 gpus:1" {
		t.Errorf("resources %s", got)
	}
	if ti.Command.GetUser() != "nobody" {
		t.Errorf("user %q", ti.Command.GetUser())
	}
	if l := ti.GetLabels().GetLabels(); len(l) != 2 || l[0].Key != "app" || l[1].GetValue() != "x" {
		t.Errorf("labels %v", l)
	}
	c := ti.GetContainer()
	if c.GetType() != mesos.ContainerInfo_DOCKER || c.GetDocker().Image != "debian:12" || len(c.Volumes) != 1 ||
		c.Volumes[0].GetMode() != mesos.RO || c.Volumes[0].GetHostPath() != "/srv" {
		t.Errorf("container %v", c)
	}
	text, scalar := mesos.TEXT, mesos.SCALAR
	o := testOffer("o", "", 1, 10)
	o.Attributes = []mesos.Attribute{
		{Name: "rack", Type: text, Text: &mesos.Value_Text{Value: "a"}},
		{Name: "zone", Type: scalar, Scalar: &mesos.Value_Scalar{Value: 2}},
	}
	if got := offerFromProto(&o, "*").Attributes; !reflect.DeepEqual(got, map[string]string{"rack": "a", "zone": "2"}) {
		t.Errorf("attributes %v", got)
	}
}
