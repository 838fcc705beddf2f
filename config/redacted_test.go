package config

import (
	"strings"
	"testing"
)

func TestRedacted(t *testing.T) {
	c, err := Parse("cluster.toml", []byte(`
[cluster]
master = "http://mesos:5050"
[fetchers.ftp]
user = "bob"
password = "hunter2"
[[job]]
name = "sums"
workload = "sum"
  [job.params]
  token = "tok-123"
  [[job.artifacts]]
  uri = "ftp://bob:hunter2@files.example.com/data.tgz?sig=abc"
  extract = true
`))
	if err != nil {
		t.Fatal(err)
	}
	out := c.Redacted()
	for _, want := range []string{"master http://mesos:5050", "fetcher ftp: keys password, user", "job sums: workload sum", "params token", "files.example.com/data.tgz", "extract"} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"hunter2", "tok-123", "sig=abc"} {
		if strings.Contains(out, secret) {
			t.Errorf("Redacted shows %q:\n%s", secret, out)
		}
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := Default()
	c.Jobs = []Job{DefaultJob()}
	c.Jobs[0].Name, c.Jobs[0].Workload, c.Jobs[0].CPUs = "a", "sum", 0
	err := c.Validate()
	if err == nil || err.Error() != "job[0].cpus: must be > 0" {
		t.Errorf("Validate = %v, want the problem without a position", err)
	}
	c.Jobs[0].CPUs = 1
	if err := c.Validate(); err != nil {
		t.Errorf("Validate of defaults = %v", err)
	}
}
