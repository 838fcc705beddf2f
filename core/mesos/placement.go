package mesoscluster

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/batchd/batchd/core"
)

// attributes are an offer's attributes as text by name, for placement
// constraints: a scalar as its number, ranges as "[1-10,20-30]", a set as
// "{a,b}" (sorted), text as it is.
func attributes(attrs []mesos.Attribute) map[string]string {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]string, len(attrs))
	for _, a := range attrs {
		switch a.GetType() {
		case mesos.SCALAR:
			out[a.Name] = strconv.FormatFloat(a.GetScalar().GetValue(), 'f', -1, 64)
		case mesos.RANGES:
			var parts []string
			for _, r := range a.GetRanges().GetRange() {
				parts = append(parts, fmt.Sprintf("%d-%d", r.Begin, r.End))
			}
			out[a.Name] = "[" + strings.Join(parts, ",") + "]"
		case mesos.SET:
			items := append([]string(nil), a.GetSet().GetItem()...)
			sort.Strings(items)
			out[a.Name] = "{" + strings.Join(items, ",") + "}"
		default:
			out[a.Name] = a.GetText().GetValue()
		}
	}
	return out
}

// labels are a task's labels, sorted by key; nil for none.
func labels(m map[string]string) *mesos.Labels {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &mesos.Labels{}
	for _, k := range keys {
		v := m[k]
		out.Labels = append(out.Labels, mesos.Label{Key: k, Value: &v})
	}
	return out
}

// containerInfo is a task's ContainerInfo: Docker with its image, or the
// Mesos containerizer with a Docker-format image; and its volumes.
func containerInfo(c *core.Container) *mesos.ContainerInfo {
	if c == nil {
		return nil
	}
	ci := &mesos.ContainerInfo{}
	switch c.Type {
	case "DOCKER":
		ci.Type = mesos.ContainerInfo_DOCKER.Enum()
		ci.Docker = &mesos.ContainerInfo_DockerInfo{Image: c.Image}
	default:
		ci.Type = mesos.ContainerInfo_MESOS.Enum()
		if c.Image != "" {
			ci.Mesos = &mesos.ContainerInfo_MesosInfo{Image: &mesos.Image{
				Type:   mesos.Image_DOCKER.Enum(),
				Docker: &mesos.Image_Docker{Name: c.Image},
			}}
		}
	}
	for _, v := range c.Volumes {
		mode := mesos.RW
		if v.ReadOnly {
			mode = mesos.RO
		}
		vol := mesos.Volume{ContainerPath: v.ContainerPath, Mode: &mode}
		if v.HostPath != "" {
			hp := v.HostPath
			vol.HostPath = &hp
		}
		ci.Volumes = append(ci.Volumes, vol)
	}
	return ci
}
