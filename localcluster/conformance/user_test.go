package conformance

import (
	"fmt"
	"os"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// taskUser runs a task with CommandInfo.user = "nobody" and reads what it
// wrote through the agent's files API: as root, a Mesos agent (with
// --switch_user, its default) runs it as nobody in a sandbox it gave to
// nobody. Not as root, neither side can switch: only that is recorded.
func taskUser(x *run) {
	if os.Geteuid() != 0 {
		x.record("skipped", "not root")
		return
	}
	o, ok := x.subscribedOffer()
	if !ok {
		return
	}
	const id = "user-1"
	ti := task(id, "id -un > who.txt; touch mine && echo ok >> who.txt", o.AgentID)
	user := "nobody"
	ti.Command.User = &user
	x.accept("accept", o, calls.OpLaunch(ti))
	if seen := x.updates("updates", id, terminal); len(seen) == 0 || !terminal(seen[len(seen)-1]) {
		return
	}
	addr := o.GetURL().GetAddress()
	base := fmt.Sprintf("http://%s:%d", addr.GetIP(), addr.GetPort())
	sandbox := "/frameworks/" + x.fwID + "/executors/" + id + "/runs/latest"
	x.getFiles("who", base+"/files/read?path="+sandbox+"/who.txt&offset=0", true)
}
