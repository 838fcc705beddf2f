package mesoskit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// State is the part of the master's /master/state the tests read.
type State struct {
	Slaves              []Slave     `json:"slaves"`
	Frameworks          []Framework `json:"frameworks"`
	CompletedFrameworks []Framework `json:"completed_frameworks"`
}

// Slave is an agent as the master lists it.
type Slave struct {
	ID     string `json:"id"`
	PID    string `json:"pid"` // "slave(1)@127.0.0.1:PORT"
	Active bool   `json:"active"`
}

// Framework is a framework as the master lists it, with its tasks.
type Framework struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Active           bool   `json:"active"`
	Tasks            []Task `json:"tasks"`
	CompletedTasks   []Task `json:"completed_tasks"`
	UnreachableTasks []Task `json:"unreachable_tasks"`
}

// Task is a task as the master lists it.
type Task struct {
	ID        string                        `json:"id"`
	Name      string                        `json:"name"`
	SlaveID   string                        `json:"slave_id"`
	State     string                        `json:"state"`
	Role      string                        `json:"role"`
	Resources map[string]any                `json:"resources"`
	Labels    []struct{ Key, Value string } `json:"labels"`
}

// AllTasks returns the framework's running, completed and unreachable tasks.
func (f Framework) AllTasks() []Task {
	all := append(append(append([]Task(nil), f.Tasks...), f.CompletedTasks...), f.UnreachableTasks...)
	return all
}

// Framework returns the framework with the id, active or completed.
func (s *State) Framework(id string) (Framework, bool) {
	for _, f := range append(append([]Framework(nil), s.Frameworks...), s.CompletedFrameworks...) {
		if f.ID == id {
			return f, true
		}
	}
	return Framework{}, false
}

// FrameworksNamed returns every framework named name the master knows, active or
// completed.
func (s *State) FrameworksNamed(name string) []Framework {
	var out []Framework
	for _, f := range append(append([]Framework(nil), s.Frameworks...), s.CompletedFrameworks...) {
		if f.Name == name {
			out = append(out, f)
		}
	}
	return out
}

// httpClient keeps no idle connections, so no goroutine of it outlives a
// call (tests check for leaked goroutines).
var httpClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// State fetches the master's /master/state.
func (c *Cluster) State() (*State, error) {
	var st State
	if err := c.GetJSON("/master/state", &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// GetJSON fetches a master endpoint (e.g. "/master/state") and decodes its JSON into v.
func (c *Cluster) GetJSON(path string, v any) error {
	resp, err := httpClient.Get(c.Master + path)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: decoding: %w", path, err)
	}
	return nil
}
