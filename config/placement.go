package config

import (
	"strings"

	"github.com/batchd/batchd/core"
)

// labels decodes [job.labels]: key = "value".
func (d *decoder) labels(dst *map[string]string) func(string, any) {
	return func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			d.addf(path, "expected a table of key = \"value\", got %s", tomlType(v))
			return
		}
		out := make(map[string]string, len(m))
		for _, k := range sortedKeys(m) {
			s, ok := m[k].(string)
			if !ok {
				d.addf(joinKey(path, k), "expected a string, got %s", tomlType(m[k]))
				continue
			}
			out[k] = s
		}
		*dst = out
	}
}

// constraints decodes a job's constraints in Marathon's form: an array of
// [field, operator] or [field, operator, value] arrays, e.g.
// [["hostname", "UNIQUE"], ["rack", "LIKE", "a|b"]].
func (d *decoder) constraints(dst *[]core.Constraint) func(string, any) {
	return func(path string, v any) {
		list, ok := v.([]any)
		if !ok {
			d.addf(path, "expected an array of [field, operator, value] arrays, got %s", tomlType(v))
			return
		}
		for i, el := range list {
			p := indexKey(path, i)
			parts, ok := el.([]any)
			if !ok || len(parts) < 2 || len(parts) > 3 {
				d.addf(p, "expected [field, operator] or [field, operator, value], got %s", tomlType(el))
				continue
			}
			var s [3]string
			for j, x := range parts {
				if s[j], ok = x.(string); !ok {
					d.addf(indexKey(p, j), "expected a string, got %s", tomlType(x))
				}
			}
			c := core.Constraint{Field: s[0], Operator: strings.ToUpper(s[1]), Value: s[2]}
			if err := c.Check(); err != nil {
				d.add(p, err)
				continue
			}
			*dst = append(*dst, c)
		}
	}
}

// container decodes [job.container]: type, image and volumes.
func (d *decoder) container(dst **Container) func(string, any) {
	return func(path string, v any) {
		c := &Container{Type: "MESOS"}
		var volumes []string
		d.table(path, v, fields{
			"type":    d.str(&c.Type),
			"image":   d.str(&c.Image),
			"volumes": d.stringList(&volumes),
		})
		c.Type = strings.ToUpper(c.Type)
		switch {
		case c.Type != "MESOS" && c.Type != "DOCKER":
			d.addf(joinKey(path, "type"), "expected \"MESOS\" or \"DOCKER\", got %q", c.Type)
		case c.Type == "DOCKER" && c.Image == "":
			d.addf(path, "a DOCKER container needs an image")
		}
		for i, spec := range volumes {
			vol, ok := parseVolume(spec)
			if !ok {
				d.addf(indexKey(joinKey(path, "volumes"), i), "expected \"host_path:container_path\" with an optional \":ro\" or \":rw\", got %q", spec)
				continue
			}
			c.Volumes = append(c.Volumes, vol)
		}
		*dst = c
	}
}

// parseVolume parses "host_path:container_path[:ro|rw]".
func parseVolume(spec string) (core.Volume, bool) {
	parts := strings.Split(spec, ":")
	var v core.Volume
	switch {
	case len(parts) == 3 && (parts[2] == "ro" || parts[2] == "rw"):
		v.ReadOnly = parts[2] == "ro"
	case len(parts) != 2:
		return v, false
	}
	v.HostPath, v.ContainerPath = parts[0], parts[1]
	return v, v.HostPath != "" && strings.HasPrefix(v.ContainerPath, "/")
}
