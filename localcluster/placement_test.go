package localcluster

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestAgentAttributes checks that each agent's offers carry the attributes
// configured for it, typed as the Mesos agent's --attributes flag types
// them, and that /master/state lists them.
func TestAgentAttributes(t *testing.T) {
	c := startCluster(t, Config{Agents: 2, Attributes: []string{"rack:a;zone:2;ports:[1-5];os:{linux,debian}", "rack:b"}})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("attrs"))
	got := map[string]string{}
	for len(got) < 2 {
		for _, o := range f.offers() {
			var parts []string
			for _, a := range o.Attributes {
				parts = append(parts, a.Name+"="+a.Type.String())
			}
			got[o.AgentID.Value] = strings.Join(parts, ",")
		}
	}
	c.mu.Lock()
	ids := []string{c.state.agents[0].id, c.state.agents[1].id}
	c.mu.Unlock()
	if want := "rack=TEXT,zone=SCALAR,ports=RANGES,os=SET"; got[ids[0]] != want {
		t.Errorf("agent 0's offer attributes %q, want %q", got[ids[0]], want)
	}
	if want := "rack=TEXT"; got[ids[1]] != want {
		t.Errorf("agent 1's offer attributes %q, want %q", got[ids[1]], want)
	}
	resp, err := http.Get(c.URL() + "/master/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state struct {
		Slaves []struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"slaves"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	a := state.Slaves[0].Attributes
	if a["rack"] != "a" || a["zone"] != 2.0 || a["ports"] != "[1-5]" || a["os"] != "{debian, linux}" {
		t.Errorf("state's attributes of agent 0: %v", a)
	}
}

func TestBadAttributesRefused(t *testing.T) {
	for _, spec := range []string{"rack", "rack:a;rack:b", "ports:[5-1]", "os:{a", ":x"} {
		c := New(Config{Agents: 1, Attributes: []string{spec}, WorkDir: t.TempDir()})
		err := c.Start(context.Background())
		if err == nil {
			c.Close()
			t.Errorf("attributes %q: started, want an error", spec)
			continue
		}
		if !strings.Contains(err.Error(), "agent 0") || !strings.Contains(err.Error(), "attribute") {
			t.Errorf("attributes %q: error %q does not name the agent and the attribute", spec, err)
		}
	}
}

// TestContainerImageRefused checks that a task asking for a container image
// fails at once with TASK_ERROR saying why, instead of running on the host.
func TestContainerImageRefused(t *testing.T) {
	c := startCluster(t, Config{})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("image"))
	o := f.offers()[0]
	docker := shellTask("docker", "touch ran")
	docker.Container = &mesos.ContainerInfo{Type: mesos.ContainerInfo_DOCKER.Enum(), Docker: &mesos.ContainerInfo_DockerInfo{Image: "debian:12"}}
	f.launch(o, docker)
	st := f.waitState("docker", mesos.TASK_ERROR)
	if !strings.Contains(st.GetMessage(), "cannot run images") {
		t.Errorf("message %q does not say why", st.GetMessage())
	}
}

// TestTaskUser checks --switch_user's behaviour: as root the agent runs a
// task as its CommandInfo.user; as anyone else it fails the task, naming
// both users.
func TestTaskUser(t *testing.T) {
	// The task's user must reach its sandbox: not under t.TempDir (0700).
	work, err := os.MkdirTemp("", "localcluster-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, Config{WorkDir: work})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("user"))
	o := f.offers()[0]
	tk := shellTask("whoami", "id -un; touch mine")
	user := "nobody"
	tk.Command.User = &user
	f.launch(o, tk)
	if os.Geteuid() != 0 {
		st := f.waitState("whoami", mesos.TASK_FAILED)
		if !strings.Contains(st.GetMessage(), `"nobody"`) || !strings.Contains(st.GetMessage(), "cannot switch") {
			t.Errorf("message %q does not say the agent cannot switch to nobody", st.GetMessage())
		}
		return
	}
	f.waitState("whoami", mesos.TASK_FINISHED)
	if got := readTaskFile(t, c, "whoami", "stdout"); got != "nobody\n" {
		t.Errorf("the task ran as %q, want nobody", got)
	}
}
