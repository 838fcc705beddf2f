package core

// Placement is what a job asks of where and how its tasks run beyond cpus
// and memory: passed through to the engine with every launch, and, for
// constraints and the extra resources, matched against offers by the
// scheduler. One value is shared by all of a job's tasks.
type Placement struct {
	DiskMB float64
	GPUs   float64
	// User runs the task as that user (CommandInfo.user); "" runs it as
	// the framework's user.
	User string
	// Labels are attached to every task (TaskInfo.labels).
	Labels      map[string]string
	Constraints []Constraint
	// Container, when set, runs the task in a container (ContainerInfo).
	Container *Container
}

// Constraint is a placement rule on an agent's hostname or one of its
// attributes, with Marathon's operators: UNIQUE (one task of the job per
// value), CLUSTER (every task on agents with Value, or, without one, with
// the value of the first task placed), LIKE and UNLIKE (the value matches,
// or does not match, the regular expression Value, whole), MAX_PER (at
// most Value tasks per value).
type Constraint struct {
	Field    string // "hostname" or an attribute's name
	Operator string
	Value    string
}

// Constraint operators.
const (
	OpUnique  = "UNIQUE"
	OpCluster = "CLUSTER"
	OpLike    = "LIKE"
	OpUnlike  = "UNLIKE"
	OpMaxPer  = "MAX_PER"
)

// FieldHostname is the constraint field naming the agent's hostname.
const FieldHostname = "hostname"

// Container is a task's container: the Mesos containerizer ("MESOS") or
// Docker ("DOCKER"), an image, and volumes.
type Container struct {
	Type    string
	Image   string
	Volumes []Volume
}

// Volume mounts HostPath (or, with HostPath empty, a fresh folder) at
// ContainerPath.
type Volume struct {
	ContainerPath string
	HostPath      string
	ReadOnly      bool
}
