package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// filesAPI runs a task that leaves a file in its sandbox and fails, then
// reads its sandbox through the files API of the agent its offer named,
// at the address in the offer's url: each answer's status and
// Content-Type, its body (error messages that hold the target's own
// sandbox path are left out), and the listing of the sandbox.
func filesAPI(x *run) {
	o, ok := x.subscribedOffer()
	if !ok {
		return
	}
	addr := o.GetURL().GetAddress()
	base := fmt.Sprintf("http://%s:%d", addr.GetIP(), addr.GetPort())
	const id = "files-1"
	x.accept("accept", o, calls.OpLaunch(task(id, "printf 'hello\\nworld\\n' > out.txt; mkdir sub; exit 3", o.AgentID)))
	if seen := x.updates("updates", id, terminal); len(seen) == 0 || !terminal(seen[len(seen)-1]) {
		return
	}
	sandbox := "/frameworks/" + x.fwID + "/executors/" + id + "/runs/latest"
	reads := []struct {
		name, query string
		body        bool // record the body
	}{
		{"read", "path=" + sandbox + "/out.txt&offset=0", true},
		{"read-part", "path=" + sandbox + "/out.txt&offset=2&length=5", true},
		{"size", "path=" + sandbox + "/out.txt&offset=-1", true},
		{"no-offset", "path=" + sandbox + "/out.txt", true},
		{"past-end", "path=" + sandbox + "/out.txt&offset=100", true},
		{"length-minus-one", "path=" + sandbox + "/out.txt&offset=6&length=-1", true},
		{"length-zero", "path=" + sandbox + "/out.txt&offset=0&length=0", true},
		{"trailing-slash", "path=" + sandbox + "/&offset=0", true},
		{"directory", "path=" + sandbox + "/sub&offset=0", true},
		{"unknown-file", "path=" + sandbox + "/nope&offset=0", true},
		{"unknown-task", "path=/frameworks/" + x.fwID + "/executors/nope/runs/latest/stderr&offset=0", true},
		{"escape", "path=" + sandbox + strings.Repeat("/..", 40) + "/etc/passwd&offset=0", false},
		{"escape-missing", "path=" + sandbox + strings.Repeat("/..", 40) + "/no-such-file&offset=0", true},
		{"not-attached", "path=/etc/passwd&offset=0", true},
		{"no-path", "offset=0", true},
		{"empty-path", "path=&offset=0", true},
		{"negative-offset", "path=" + sandbox + "/out.txt&offset=-2", true},
		{"negative-length", "path=" + sandbox + "/out.txt&offset=0&length=-2", true},
		{"bad-offset", "path=" + sandbox + "/out.txt&offset=x", true},
		{"bad-length", "path=" + sandbox + "/out.txt&offset=0&length=x", true},
	}
	for _, r := range reads {
		q, _ := url.ParseQuery(r.query)
		x.getFiles("read-"+r.name, base+"/files/read?"+q.Encode(), r.body)
	}
	x.browse("browse", base+"/files/browse?path="+url.QueryEscape(sandbox))
	x.getFiles("browse-unknown", base+"/files/browse?path="+url.QueryEscape("/frameworks/"+x.fwID+"/executors/nope/runs/latest"), true)
	x.getFiles("browse-no-path", base+"/files/browse", true)
}

// getFiles records a files API answer; the body only when body is set.
func (x *run) getFiles(what, u string, body bool) {
	status, ct, b := x.get(u)
	x.record(what+"/status", status)
	x.record(what+"/content-type", contentType(ct))
	if body {
		x.record(what+"/body", b)
	}
}

// browse records a listing's entries: path, mode, size (but of stdout and
// stderr) and nlink.
func (x *run) browse(what, u string) {
	status, ct, b := x.get(u)
	x.record(what+"/status", status)
	x.record(what+"/content-type", contentType(ct))
	var list []struct {
		Path  string `json:"path"`
		Mode  string `json:"mode"`
		Size  int64  `json:"size"`
		Nlink int    `json:"nlink"`
	}
	if err := json.Unmarshal([]byte(b), &list); err != nil {
		x.record(what+"/body", b)
		return
	}
	var entries []string
	for _, e := range list {
		if e.Path == "" {
			continue
		}
		s := e.Path + " " + e.Mode
		// Mesos's command executor logs to the sandbox's stdout and
		// stderr; the embedded one does not: their sizes differ.
		if base := path.Base(e.Path); e.Mode[0] == '-' && base != "stdout" && base != "stderr" {
			s += fmt.Sprint(" ", e.Size)
		}
		entries = append(entries, s+fmt.Sprint(" nlink=", e.Nlink))
	}
	sort.Strings(entries)
	x.record(what+"/entries", entries)
}

func (x *run) get(u string) (int, string, string) {
	resp, err := x.tg.client.Get(u)
	if err != nil {
		x.t.Logf("%s GET %s: %v", x.tg.name, u, err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// subscribedOffer subscribes with JSON and waits for an offer of room for one
// small task (0.1 cpus, 32 MB), recording its absence; false when either
// did not come.
func (x *run) subscribedOffer() (mesos.Offer, bool) {
	if x.subscribe("subscribe", sub{}) == nil {
		return mesos.Offer{}, false
	}
	f, ok := x.offerOf(resources{cpus: 0.1, mem: 32})
	if !ok {
		x.record("offer", "<no offer>")
		return mesos.Offer{}, false
	}
	return f.ev.Offers.Offers[0], true
}
