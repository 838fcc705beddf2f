package mesoscluster

import (
	"sort"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/batchd/batchd/core"
)

// Scalar resource names the engine counts in offers and asks for in launches.
const (
	resCPUs = "cpus"
	resMem  = "mem"
	resDisk = "disk"
	resGPUs = "gpus"
)

// frameworkInfo builds the FrameworkInfo sent with SUBSCRIBE. The framework
// subscribes with one role through the MULTI_ROLE capability, so offers and
// launches carry allocation_info; frameworkID is empty on first subscription.
func frameworkInfo(cfg Config, frameworkID string) *mesos.FrameworkInfo {
	role := cfg.Role
	if role == "" {
		role = "*"
	}
	failover := cfg.FailoverTimeout.Seconds()
	checkpoint := true
	fi := &mesos.FrameworkInfo{
		User:            cfg.User,
		Name:            cfg.FrameworkName,
		FailoverTimeout: &failover,
		Checkpoint:      &checkpoint,
		Roles:           []string{role},
		Capabilities: []mesos.FrameworkInfo_Capability{
			{Type: mesos.FrameworkInfo_Capability_MULTI_ROLE},
		},
	}
	if cfg.Principal != "" {
		p := cfg.Principal
		fi.Principal = &p
	}
	if cfg.Hostname != "" {
		h := cfg.Hostname
		fi.Hostname = &h
	}
	if frameworkID != "" {
		fi.ID = &mesos.FrameworkID{Value: frameworkID}
	}
	return fi
}

// allocationRole is the role a resource of offer o was allocated to, or "".
func allocationRole(o *mesos.Offer, r *mesos.Resource) string {
	if r.AllocationInfo != nil && r.AllocationInfo.Role != nil {
		return *r.AllocationInfo.Role
	}
	if o.AllocationInfo != nil && o.AllocationInfo.Role != nil {
		return *o.AllocationInfo.Role
	}
	return ""
}

// usableResources returns the scalar cpus/mem/disk resources of o that were
// allocated to role (or carry no allocation role, as from older masters).
func usableResources(o *mesos.Offer, role string) []mesos.Resource {
	var out []mesos.Resource
	for i := range o.Resources {
		r := &o.Resources[i]
		if r.Scalar == nil || r.GetType() != mesos.SCALAR {
			continue
		}
		switch r.Name {
		case resCPUs, resMem, resDisk, resGPUs:
		default:
			continue
		}
		if ar := allocationRole(o, r); ar != "" && role != "" && ar != role {
			continue
		}
		out = append(out, *r)
	}
	return out
}

// offerFromProto sums the usable scalar resources of o into a core.Offer.
func offerFromProto(o *mesos.Offer, role string) core.Offer {
	out := core.Offer{ID: o.ID.Value, AgentID: o.AgentID.Value, Hostname: o.Hostname, Attributes: attributes(o.Attributes)}
	for _, r := range usableResources(o, role) {
		switch r.Name {
		case resCPUs:
			out.CPUs += r.Scalar.Value
		case resMem:
			out.MemMB += r.Scalar.Value
		case resDisk:
			out.DiskMB += r.Scalar.Value
		case resGPUs:
			out.GPUs += r.Scalar.Value
		}
	}
	return out
}

// resourcePool hands out scalar amounts from an offer's resources, keeping
// each piece's role, reservations and allocation_info so the master accepts
// the launch.
type resourcePool struct {
	pieces []mesos.Resource
	role   string
}

// take removes amount of the named scalar from the pool and returns the
// resources that make it up. When the pool runs short (or knows nothing of
// the offer) the remainder is asked for as unreserved resources of the role.
func (p *resourcePool) take(name string, amount float64) []mesos.Resource {
	var out []mesos.Resource
	for i := range p.pieces {
		if amount <= 0 {
			break
		}
		r := &p.pieces[i]
		if r.Name != name || r.Scalar.Value <= 0 {
			continue
		}
		n := min(r.Scalar.Value, amount)
		piece := *r
		piece.Scalar = &mesos.Value_Scalar{Value: n}
		out = append(out, piece)
		r.Scalar = &mesos.Value_Scalar{Value: r.Scalar.Value - n}
		amount -= n
	}
	if amount > 1e-9 {
		out = append(out, scalarResource(name, amount, p.role))
	}
	return out
}

// scalarResource is an unreserved scalar resource allocated to role.
func scalarResource(name string, v float64, role string) mesos.Resource {
	t := mesos.SCALAR
	r := mesos.Resource{Name: name, Type: &t, Scalar: &mesos.Value_Scalar{Value: v}}
	if role != "" {
		role := role
		r.AllocationInfo = &mesos.Resource_AllocationInfo{Role: &role}
	}
	return r
}

// taskInfo builds the TaskInfo for one launch, drawing resources from pool.
func taskInfo(l core.Launch, pool *resourcePool) mesos.TaskInfo {
	name := l.Name
	if name == "" {
		name = l.TaskID
	}
	ti := mesos.TaskInfo{
		Name:    name,
		TaskID:  mesos.TaskID{Value: l.TaskID},
		AgentID: mesos.AgentID{Value: l.AgentID},
		Command: commandInfo(l),
	}
	if l.CPUs > 0 {
		ti.Resources = append(ti.Resources, pool.take(resCPUs, l.CPUs)...)
	}
	if l.MemMB > 0 {
		ti.Resources = append(ti.Resources, pool.take(resMem, l.MemMB)...)
	}
	if p := l.Placement; p != nil {
		if p.DiskMB > 0 {
			ti.Resources = append(ti.Resources, pool.take(resDisk, p.DiskMB)...)
		}
		if p.GPUs > 0 {
			ti.Resources = append(ti.Resources, pool.take(resGPUs, p.GPUs)...)
		}
		if p.User != "" {
			u := p.User
			ti.Command.User = &u
		}
		ti.Labels = labels(p.Labels)
		ti.Container = containerInfo(p.Container)
	}
	return ti
}

// commandInfo runs l.Command without a shell: value is argv[0] and
// arguments the whole argv, as Mesos expects.
func commandInfo(l core.Launch) *mesos.CommandInfo {
	shell := false
	ci := &mesos.CommandInfo{Shell: &shell}
	if len(l.Command) > 0 {
		v := l.Command[0]
		ci.Value = &v
		ci.Arguments = append([]string(nil), l.Command...)
	}
	for _, u := range l.URIs {
		ci.URIs = append(ci.URIs, uriInfo(u))
	}
	if len(l.Env) > 0 {
		names := make([]string, 0, len(l.Env))
		for k := range l.Env {
			names = append(names, k)
		}
		sort.Strings(names)
		env := &mesos.Environment{}
		for _, k := range names {
			v := l.Env[k]
			env.Variables = append(env.Variables, mesos.Environment_Variable{Name: k, Value: &v})
		}
		ci.Environment = env
	}
	return ci
}

// uriInfo sets every fetcher option explicitly: Mesos defaults extract to true.
func uriInfo(u core.URI) mesos.CommandInfo_URI {
	exe, extract, cache := u.Executable, u.Extract, u.Cache
	out := mesos.CommandInfo_URI{Value: u.Value, Executable: &exe, Extract: &extract, Cache: &cache}
	if u.OutputFile != "" {
		f := u.OutputFile
		out.OutputFile = &f
	}
	return out
}

// updateFromProto translates a status update.
func updateFromProto(s *mesos.TaskStatus) core.Update {
	u := core.Update{
		TaskID:  s.TaskID.Value,
		State:   core.TaskState(s.GetState().String()),
		Message: s.GetMessage(),
	}
	if s.AgentID != nil {
		u.AgentID = s.AgentID.Value
	}
	if s.Reason != nil {
		u.Reason = s.Reason.String()
	}
	if s.Source != nil {
		u.Source = s.Source.String()
	}
	return u
}

// subscribedFromProto translates a SUBSCRIBED event.
func subscribedFromProto(s *scheduler.Event_Subscribed) core.Subscribed {
	out := core.Subscribed{Heartbeat: secondsToDuration(s.GetHeartbeatIntervalSeconds())}
	if s.FrameworkID != nil {
		out.FrameworkID = s.FrameworkID.Value
	}
	return out
}
