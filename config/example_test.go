package config_test

import (
	"fmt"

	"github.com/batchd/batchd/config"
)

// Parse reports every problem in a file at once, each with its position and
// key path.
func ExampleParse() {
	_, err := config.Parse("cluster.toml", []byte(`
[clustr]
master = "http://mesos:5050"

[[job]]
name = "sums"
cpus = "two"
timeout = "10"
`))
	fmt.Println(err)
	// Output:
	// cluster.toml:2:2: clustr: unknown key (did you mean "cluster"?)
	// cluster.toml:5:3: job[0].workload: required
	// cluster.toml:7:1: job[0].cpus: expected a number, got string
	// cluster.toml:8:1: job[0].timeout: invalid duration "10": want a Go duration such as "30s", "10m" or "1h30m"
}

// The shortest useful file: one job, everything else defaulted.
func ExampleLoad() {
	c, err := config.Load("testdata/demo.good.toml")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := c.RequireJobs(); err != nil {
		fmt.Println(err)
		return
	}
	j := c.Jobs[0]
	fmt.Println(j.Name, j.Workload, j.Params["groups"], j.Mem, j.Timeout, c.Cluster.Master == "")
	// Output:
	// sums sum [1 2 3 4 5 6 7 8 9] 64MiB 10m0s true
}
