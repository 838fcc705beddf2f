package config

import (
	"errors"
	"testing"
)

func TestKeyError(t *testing.T) {
	c, err := Parse("cluster.toml", []byte(`[[job]]
name = "a"
workload = "sum"
[[job]]
name = "b"
workload = "sum"
[job.params]
groups = ["1 2",
  "abc"]
[[job.artifacts]]
uri = "s3://bucket/key"
`))
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("wrong")
	tests := []struct {
		path, want string
	}{
		{"job[1].params.groups[1]", `cluster.toml:9:3: job[1].params.groups[1]: wrong`},
		{"job[1].params.groups", `cluster.toml:8:1: job[1].params.groups: wrong`},
		{"job[1].artifacts[0].uri", `cluster.toml:11:1: job[1].artifacts[0].uri: wrong`},
		{"job[1].params.input", `cluster.toml:7:6: job[1].params.input: wrong`},   // absent: at [job.params]
		{"job[0].params.groups", `cluster.toml:1:3: job[0].params.groups: wrong`}, // absent: at [[job]]
	}
	for _, tc := range tests {
		e := c.KeyError(tc.path, cause)
		if e.Error() != tc.want || !errors.Is(e, cause) {
			t.Errorf("KeyError(%s) = %q, want %q", tc.path, e, tc.want)
		}
	}
}
