package jobs

import (
	"encoding/json"
	"fmt"
	"time"
)

// A job's plan lives in the state store, not in memory: the runner checks
// and stages the whole plan before the first launch (a bad plan fails the
// job with nothing launched), storing each checked task, then feeds the
// scheduler from the store a window at a time. Results are committed to
// the store as they arrive, and Reduce reads them back from it. Memory
// follows the tasks in flight, not the tasks planned.

// planned is one checked task as the store keeps it.
type planned struct {
	ID      string            `json:"id"`
	Command []string          `json:"command"`
	Env     map[string]string `json:"env,omitempty"`
	CPUs    float64           `json:"cpus,omitempty"`
	MemMB   float64           `json:"mem_mb,omitempty"`
	Timeout time.Duration     `json:"timeout,omitempty"`
	Data    json.RawMessage   `json:"data,omitempty"`
	// URIs indexes the job's distinct staged URI lists (staged.URIs).
	URIs int `json:"uris"`
}

func encodePlanned(p *planned) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding task %s: %w", p.ID, err)
	}
	return raw, nil
}

func decodePlanned(raw []byte) (planned, error) {
	var p planned
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("decoding a stored task: %w", err)
	}
	return p, nil
}
