package mesoskit

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSetFlags(t *testing.T) {
	got := setFlags([]string{"agent", "--port=1", "--work_dir=/a", "--ip=127.0.0.1"},
		map[string]string{"--port": "2", "--work_dir": "/b", "--new": "x"})
	want := []string{"agent", "--port=2", "--work_dir=/b", "--ip=127.0.0.1", "--new=x"}
	if !slices.Equal(got, want) {
		t.Errorf("setFlags = %q, want %q", got, want)
	}
}

func TestNamesPathIn(t *testing.T) {
	tests := []struct {
		cmdline string
		want    bool
	}{
		{"mesos-agent\x00--work_dir=/tmp/m/agent2\x00", true},
		{"mesos-executor\x00--launcher_dir=/tmp/m/agent2/kit", true},
		{"mesos-agent\x00--work_dir=/tmp/m/agent20", false},
		{"sleep\x00600", false},
	}
	for _, tt := range tests {
		if got := namesPathIn([]byte(tt.cmdline), "/tmp/m/agent2"); got != tt.want {
			t.Errorf("namesPathIn(%q) = %v, want %v", tt.cmdline, got, tt.want)
		}
	}
}

func TestFindKit(t *testing.T) {
	kit := t.TempDir()
	if err := os.WriteFile(filepath.Join(kit, "mesos-up"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     string
		want    string
		wantErr bool
	}{
		{name: "env names a kit", env: kit, want: kit},
		{name: "env names no kit", env: t.TempDir(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvKit, tt.env)
			got, err := FindKit()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("FindKit() = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestCluster starts a real cluster, adds an agent, kills it with its tasks'
// processes, and restarts the master on the same port.
func TestCluster(t *testing.T) {
	c := Start(t, Options{MasterFlags: []string{"--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=2"}})
	c.RequireLocal(t, "TestCluster")
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Slaves) != 1 || !st.Slaves[0].Active {
		t.Fatalf("a fresh cluster lists agents %+v, want one active", st.Slaves)
	}
	a := c.AddAgent()
	if n := len(c.Agents()); n != 2 {
		t.Fatalf("%d agents after AddAgent, want 2", n)
	}
	// A process in the agent's work dir stands for a task that outlives it.
	stray := filepath.Join(a.WorkDir, "stray")
	if err := os.MkdirAll(stray, 0o755); err != nil {
		t.Fatal(err)
	}
	pid, err := startDetached([]string{"sh", "-c", "cd " + stray + " && exec sleep 600"}, filepath.Join(c.Dir, "logs", "stray.out"))
	if err != nil {
		t.Fatal(err)
	}
	if !WaitFor(killTimeout, func() bool { return slices.Contains(under(a.WorkDir), pid) }) {
		t.Fatalf("the stray process %d is not seen under %s", pid, a.WorkDir)
	}
	c.KillAgent(a)
	if alive(a.pid) || alive(pid) {
		t.Errorf("after KillAgent: agent alive %v, its stray process alive %v", alive(a.pid), alive(pid))
	}
	if !WaitFor(upTimeout, func() bool { return c.agentID(a.Port) == "" }) {
		t.Errorf("the master still lists the killed agent as active")
	}
	before := c.Master
	c.RestartMaster()
	if c.Master != before {
		t.Errorf("master moved from %s to %s", before, c.Master)
	}
	if st, err = c.State(); err != nil || len(st.Slaves) != 1 {
		t.Errorf("after the restart: %v, agents %+v, want the first one", err, st)
	}
}
