package localcluster

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/batchd/batchd/localcluster/fetch"
)

// master is the state the master keeps, all guarded by Cluster.mu.
type master struct {
	id         string // this master's uuid, the prefix of every id it hands out
	hostname   string
	agents     []*agent
	frameworks map[string]*framework
	offers     map[string]*offer
	nextFW     int
	nextOffer  int
	rr         int // round-robin position among frameworks
	closed     bool
	removed    []string // ids of the last maxRemembered frameworks torn down, oldest first
	// completedFWs are those frameworks, for the state endpoints.
	completedFWs []*framework
	started      time.Time
	downUntil    time.Time // the scheduler API answers 503 until then (faults.go, Unavailable)
}

// maxRemembered is how many torn-down framework ids the master keeps to
// refuse their re-subscription, as Mesos's --max_completed_frameworks.
const maxRemembered = 50

// remember notes a torn-down framework's id.
func (m *master) remember(fw *framework) {
	if len(m.removed) == maxRemembered {
		m.removed = append(m.removed[:0], m.removed[1:]...)
		m.completedFWs = append(m.completedFWs[:0], m.completedFWs[1:]...)
	}
	m.removed = append(m.removed, fw.id)
	m.completedFWs = append(m.completedFWs, fw)
}

// wasRemoved reports whether a framework with the id was torn down.
func (m *master) wasRemoved(id string) bool { return id != "" && slices.Contains(m.removed, id) }

func (m *master) init(cfg Config, host string, attrs [][]mesos.Attribute) {
	m.id = newUUID()
	m.hostname = host
	m.started = time.Now()
	m.frameworks = map[string]*framework{}
	m.offers = map[string]*offer{}
	for i := 0; i < cfg.Agents; i++ {
		id := fmt.Sprintf("%s-S%d", m.id, i)
		dir := filepath.Join(cfg.WorkDir, "agents", id)
		abs, err := filepath.Abs(dir)
		if err != nil {
			abs = dir
		}
		m.agents = append(m.agents, &agent{
			id:     id,
			path:   fmt.Sprintf("/slave(%d)", i+1),
			dir:    dir,
			absDir: abs,
			total:  res{cpus: cfg.CPUs, mem: cfg.MemMB, disk: cfg.DiskMB},
			// Agents share one machine, so each gets its own slice of
			// ports; the first has Mesos's default, [31000-32000].
			ports:    mesos.Ranges{{Begin: uint64(31000 + 1001*i), End: uint64(32000 + 1001*i)}},
			allPorts: mesos.Ranges{{Begin: uint64(31000 + 1001*i), End: uint64(32000 + 1001*i)}},
			fetcher: fetch.New(fetch.Config{
				CacheDir:   filepath.Join(dir, "fetch-cache"),
				CacheBytes: cfg.FetchCacheBytes,
				Client:     cfg.fetchClient(),
			}),
			offers: map[string]*offer{},
		})
		if i < len(attrs) {
			m.agents[i].attrs = attrs[i]
		}
	}
}

func (m *master) agent(id string) *agent {
	for _, a := range m.agents {
		if a.id == id {
			return a
		}
	}
	return nil
}

// framework is a subscribed (or failing-over) framework.
type framework struct {
	id             string
	info           *mesos.FrameworkInfo
	stream         *stream // nil while disconnected
	suppressed     bool
	filters        map[string]refusal // agent id -> what was refused, until when
	tasks          map[string]*task   // every task, terminal ones included
	completed      []*task            // the last maxCompletedTasks forgotten, oldest first
	registered     time.Time
	failover       *time.Timer
	multiRole      bool
	partitionAware bool
	role           string
	removed        bool
}

func newFramework(id string) *framework {
	return &framework{id: id, filters: map[string]refusal{}, tasks: map[string]*task{}, registered: time.Now()}
}

// maxCompletedTasks is how many completed tasks a framework's state keeps,
// as Mesos's --max_completed_tasks_per_framework (1000 by default).
const maxCompletedTasks = 1000

// complete keeps a task the master forgot for the state endpoints.
func (fw *framework) complete(t *task) {
	if len(fw.completed) == maxCompletedTasks {
		fw.completed = append(fw.completed[:0], fw.completed[1:]...)
	}
	fw.completed = append(fw.completed, t)
}

// setInfo records the FrameworkInfo of a (re)subscription.
func (fw *framework) setInfo(info *mesos.FrameworkInfo) {
	fw.info = info
	fw.multiRole, fw.partitionAware = false, false
	for _, cp := range info.GetCapabilities() {
		switch cp.GetType() {
		case mesos.FrameworkInfo_Capability_MULTI_ROLE:
			fw.multiRole = true
		case mesos.FrameworkInfo_Capability_PARTITION_AWARE:
			fw.partitionAware = true
		}
	}
	fw.role = "*"
	if fw.multiRole && len(info.GetRoles()) > 0 {
		fw.role = info.GetRoles()[0]
	} else if info.GetRole() != "" {
		fw.role = info.GetRole()
	}
}

// send queues an event on the framework's stream, if it has one.
func (fw *framework) send(ev *scheduler.Event) {
	if fw.stream != nil {
		fw.stream.send(ev)
	}
}

// failoverTimeout is how long the framework's tasks outlive its connection.
func (fw *framework) failoverTimeout() time.Duration {
	return time.Duration(fw.info.GetFailoverTimeout() * float64(time.Second))
}

// newUUID returns a random RFC 4122 version 4 uuid.
func newUUID() string {
	b := uuidBytes()
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func uuidBytes() []byte {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}
