package mesoscluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/batchd/batchd/core"
)

// Reading a task's sandbox files through its agent's files API: a Mesos
// agent attaches each executor's run folder under the virtual path
// /frameworks/<framework>/executors/<executor>/runs/latest (slave.cpp), and
// the executor of a command task has the task's id. /files/read answers
// {"data": "...", "offset": N}; offset=-1 gives the file's size, and a read
// returns at most 64 KiB.

var _ core.SandboxReader = (*Cluster)(nil)

// maxTail bounds ReadTail: one read of the files API.
const maxTail = 64 << 10

// agentBase is the base URL of an offer's agent: its url's address (the IP
// when given, else the host name), or the offer's host name on Mesos's
// default agent port when the master sent no url.
func agentBase(o *mesos.Offer) string {
	u := o.GetURL()
	if u == nil || u.Address.Port == 0 {
		return "http://" + net.JoinHostPort(o.Hostname, "5051")
	}
	host := u.Address.GetIP()
	if host == "" {
		host = u.Address.GetHostname()
	}
	scheme := u.Scheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(int(u.Address.Port)))
}

// ReadTail reads at most limit bytes from the end of the file name in the
// sandbox of the task's latest run on the agent, whose address is the one
// its last offer carried.
func (c *Cluster) ReadTail(ctx context.Context, taskID, agentID, name string, limit int) ([]byte, error) {
	c.mu.Lock()
	base, fw := c.agents[agentID], c.frameworkID
	c.mu.Unlock()
	if base == "" {
		return nil, fmt.Errorf("reading %s of task %s: no address known for agent %q", name, taskID, agentID)
	}
	if fw == "" {
		return nil, core.ErrNotConnected
	}
	limit = min(limit, maxTail)
	path := "/frameworks/" + fw + "/executors/" + taskID + "/runs/latest/" + name
	size, _, err := c.readFile(ctx, base, path, -1, 0)
	if err != nil {
		return nil, err
	}
	_, data, err := c.readFile(ctx, base, path, max(size-int64(limit), 0), int64(limit))
	return data, err
}

// readFile is one /files/read: the offset the agent answered (the file's
// size when offset is -1) and the data.
func (c *Cluster) readFile(ctx context.Context, base, path string, offset, length int64) (int64, []byte, error) {
	q := url.Values{"path": {path}, "offset": {strconv.FormatInt(offset, 10)}, "length": {strconv.FormatInt(length, 10)}}
	where := base + "/files/read?path=" + url.QueryEscape(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/files/read?"+q.Encode(), nil)
	if err != nil {
		return 0, nil, fmt.Errorf("reading %s: %w", where, err)
	}
	if c.cfg.Principal != "" && c.cfg.Secret != "" {
		req.SetBasicAuth(c.cfg.Principal, c.cfg.Secret)
	}
	resp, err := c.files.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("reading %s: %w", where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8*maxTail)) // JSON escapes grow the data
	if err != nil {
		return 0, nil, fmt.Errorf("reading %s: %w", where, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("reading %s: %s: %q", where, resp.Status, body)
	}
	var out struct {
		Data   *string `json:"data"`
		Offset *int64  `json:"offset"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return 0, nil, fmt.Errorf("reading %s: decoding the answer: %w", where, err)
	}
	if out.Data == nil || out.Offset == nil {
		return 0, nil, fmt.Errorf("reading %s: %w", where, errors.New(`answer lacks "data" or "offset"`))
	}
	return *out.Offset, []byte(*out.Data), nil
}
