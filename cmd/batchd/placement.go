package main

import (
	"github.com/batchd/batchd/config"
	"github.com/batchd/batchd/core"
)

// placement is a job's disk, GPUs, user, labels, constraints and
// container as the scheduler and the engine take them; nil when it asks
// for none of them.
func placement(j config.Job) *core.Placement {
	p := &core.Placement{
		DiskMB: j.Disk.MiB(), GPUs: j.GPUs, User: j.User, Labels: j.Labels, Constraints: j.Constraints,
	}
	if c := j.Container; c != nil {
		p.Container = &core.Container{Type: c.Type, Image: c.Image, Volumes: c.Volumes}
	}
	if p.DiskMB == 0 && p.GPUs == 0 && p.User == "" && len(p.Labels) == 0 && len(p.Constraints) == 0 && p.Container == nil {
		return nil
	}
	return p
}
