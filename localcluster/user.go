package localcluster

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"sync"
	"syscall"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Tasks run as their user, as a Mesos agent with --switch_user (its
// default) runs them: CommandInfo.user, else the framework's user. An agent
// running as root switches to that user and gives it the sandbox; an agent
// running as anyone else can run only its own user's tasks and fails the
// others, as Mesos's launcher fails to switch user.

var (
	agentUserOnce sync.Once
	agentUser     string   // the user the agents run as
	credentials   sync.Map // user name -> *syscall.Credential
)

// userOf is the user a task of fw runs as; launchLocked keeps it in the task.
func userOf(fw *framework, ti *mesos.TaskInfo) string {
	if u := ti.Command.GetUser(); u != "" {
		return u
	}
	return fw.info.GetUser()
}

// credentialFor returns the credential to run a task of name with, nil when
// it runs as the agent's own user.
func credentialFor(name string) (*syscall.Credential, error) {
	agentUserOnce.Do(func() {
		if u, err := user.Current(); err == nil {
			agentUser = u.Username
		}
	})
	if name == "" || name == agentUser {
		return nil, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("the task runs as user %q and the agent, running as %q, cannot switch to it (Mesos switches user only as root)", name, agentUser)
	}
	if c, ok := credentials.Load(name); ok {
		return c.(*syscall.Credential), nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("the task's user %q: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("the task's user %q has uid %q and gid %q", name, u.Uid, u.Gid)
	}
	c := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	credentials.Store(name, c)
	return c, nil
}

// giveSandbox makes the sandbox folder and its stdout and stderr files the
// task user's, as the Mesos agent chowns a sandbox to the task's user.
func giveSandbox(sandbox string, c *syscall.Credential) error {
	for _, p := range []string{sandbox, sandbox + "/stdout", sandbox + "/stderr"} {
		if err := os.Chown(p, int(c.Uid), int(c.Gid)); err != nil {
			return fmt.Errorf("giving the sandbox to uid %d: %w", c.Uid, err)
		}
	}
	return nil
}
