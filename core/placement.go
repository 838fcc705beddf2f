package core

import (
	"fmt"
	"regexp"
	"strconv"
)

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

// Check reports what is wrong with c, or nil.
func (c Constraint) Check() error {
	if c.Field == "" {
		return fmt.Errorf("constraint %s %s: no field", c.Operator, c.Value)
	}
	switch c.Operator {
	case OpUnique:
		if c.Value != "" {
			return fmt.Errorf("constraint %s %s: UNIQUE takes no value, got %q", c.Field, c.Operator, c.Value)
		}
	case OpCluster:
	case OpLike, OpUnlike:
		if _, err := regexp.Compile("^(?:" + c.Value + ")$"); err != nil || c.Value == "" {
			return fmt.Errorf("constraint %s %s: want a regular expression, got %q", c.Field, c.Operator, c.Value)
		}
	case OpMaxPer:
		if n, err := strconv.Atoi(c.Value); err != nil || n < 1 {
			return fmt.Errorf("constraint %s %s: want a count of 1 or more, got %q", c.Field, c.Operator, c.Value)
		}
	default:
		return fmt.Errorf("constraint %s %q: unknown operator; want UNIQUE, CLUSTER, LIKE, UNLIKE or MAX_PER", c.Field, c.Operator)
	}
	return nil
}
