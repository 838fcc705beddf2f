package conformance

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/mesoskit"
	"github.com/batchd/batchd/localcluster"
)

var transcripts = flag.Bool("transcripts", false, "log every observation of both targets")

// TestConformance runs every scenario against a real Mesos master and the
// embedded cluster and fails on a difference Departures does not list, or
// on a row of Departures that no longer matches a difference.
func TestConformance(t *testing.T) {
	real := realTarget(t)
	emb := embeddedTarget(t, real)
	artifacts := artifactServer(t)
	var (
		checks, differ int
		compared       int // scenarios that ran to the end on both targets and were compared
		used           = make([]int, len(Departures))
	)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			trs := runBoth(t, sc, artifacts, real, emb)
			if t.Failed() {
				return
			}
			if *transcripts {
				logTranscripts(t, trs[0], trs[1])
			}
			checks += checkCount(trs[0], trs[1])
			for _, d := range compare(trs[0], trs[1]) {
				differ++
				i := departureFor(d.id)
				if i < 0 {
					t.Errorf("%s (not in Departures)", d)
					continue
				}
				used[i]++
				t.Logf("departure: %s", d)
			}
			compared++
		})
	}
	if compared < len(scenarios) {
		t.Logf("%d of %d scenarios compared: Departures not checked for rows that no longer occur", compared, len(scenarios))
		return
	}
	for i, d := range Departures {
		if used[i] == 0 && !d.Sometimes {
			t.Errorf("departure %q no longer occurs: remove it from Departures and regenerate DEPARTURES.md", d.Check)
		}
		t.Logf("departure %q: %d differences", d.Check, used[i])
	}
	t.Logf("%d differential checks over %d scenarios; %d differences (%d rows of Departures)", checks, len(scenarios), differ, len(Departures))
}

// logTranscripts logs each check with both targets' answers.
func logTranscripts(t *testing.T, mesos, embedded *transcript) {
	ids := append([]string(nil), mesos.ids...)
	for _, id := range embedded.ids {
		if _, ok := mesos.obs[id]; !ok {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		t.Logf("%s\n\tmesos:    %s\n\tembedded: %s", id, canonical(mesos.obs[id]), canonical(embedded.obs[id]))
	}
}

func departureFor(id string) int {
	for i, d := range Departures {
		if d.Matches(id) {
			return i
		}
	}
	return -1
}

// runBoth runs a scenario on both targets at once and returns their
// transcripts, Mesos's first.
func runBoth(t *testing.T, sc scenario, artifacts string, targets ...*target) []*transcript {
	trs := make([]*transcript, len(targets))
	t.Run("on", func(t *testing.T) {
		for i, tg := range targets {
			trs[i] = newTranscript()
			t.Run(tg.name, func(t *testing.T) {
				t.Parallel()
				sc.run(&run{t: t, tg: tg, tr: trs[i], name: sc.name, artifacts: artifacts})
			})
		}
	})
	return trs
}

// realTarget is a real Mesos master from mesoskit (the kit, or
// $BATCHD_TEST_MESOS), whose first agent's resources the embedded cluster
// copies.
func realTarget(t *testing.T) *target {
	c := mesoskit.Start(t, mesoskit.Options{
		MasterFlags: []string{"--allocation_interval=100ms"},
		AgentFlags:  []string{"--resources=cpus:2;mem:1024;disk:1024"},
	})
	var state struct {
		Slaves []struct {
			Resources struct{ CPUs, Mem, Disk float64 } `json:"resources"`
		} `json:"slaves"`
	}
	if err := c.GetJSON("/master/state", &state); err != nil || len(state.Slaves) == 0 {
		t.Fatalf("reading the master's agents: %v (%d agents)", err, len(state.Slaves))
	}
	r := state.Slaves[0].Resources
	return &target{name: "mesos", url: c.Master, client: &http.Client{}, whole: resources{cpus: r.CPUs, mem: r.Mem, disk: r.Disk}}
}

// embeddedTarget starts an embedded cluster with the real agent's resources.
func embeddedTarget(t *testing.T, real *target) *target {
	work := t.TempDir()
	// Searchable by all, as the real agent's: a task run as another user
	// (the task-user scenario) must reach its sandbox.
	for _, d := range []string{work, filepath.Dir(work)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c := localcluster.New(localcluster.Config{
		WorkDir:       work,
		CPUs:          real.whole.cpus,
		MemMB:         real.whole.mem,
		DiskMB:        real.whole.disk,
		OfferInterval: 100 * time.Millisecond, // as the real master's --allocation_interval
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting the embedded cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing the embedded cluster: %v", err)
		}
	})
	return &target{name: "embedded", url: c.URL(), client: &http.Client{}, whole: real.whole}
}
