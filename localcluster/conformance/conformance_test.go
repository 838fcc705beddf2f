package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/localcluster"
)

// TestConformance runs every scenario against a real Mesos master and the
// embedded cluster and fails on a difference Departures does not list, or
// on a row of Departures that no longer matches a difference.
func TestConformance(t *testing.T) {
	real := realTarget(t)
	emb := embeddedTarget(t, real)
	var (
		checks, differ int
		done           = map[string]bool{} // scenarios that ran to the end on both targets
		used           = make([]bool, len(Departures))
	)
	for _, sc := range scenarios {
		ok := t.Run(sc.name, func(t *testing.T) {
			trs := runBoth(t, sc, real, emb)
			if t.Failed() {
				return
			}
			checks += checkCount(trs[0], trs[1])
			for _, d := range compare(trs[0], trs[1]) {
				differ++
				i := departureFor(d.id)
				if i < 0 {
					t.Errorf("%s (not in Departures)", d)
					continue
				}
				used[i] = true
				t.Logf("departure: %s", d)
			}
		})
		done[sc.name] = ok
	}
	for i, d := range Departures {
		if done[d.Scenario()] && !used[i] {
			t.Errorf("departure %q no longer occurs: remove it from Departures (and regenerate DEPARTURES.md)", d.Check)
		}
	}
	t.Logf("%d differential checks over %d scenarios; %d differences, all listed in Departures (%d rows)", checks, len(scenarios), differ, len(Departures))
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
func runBoth(t *testing.T, sc scenario, targets ...*target) []*transcript {
	trs := make([]*transcript, len(targets))
	t.Run("on", func(t *testing.T) {
		for i, tg := range targets {
			trs[i] = newTranscript()
			t.Run(tg.name, func(t *testing.T) {
				t.Parallel()
				sc.run(&run{t: t, tg: tg, tr: trs[i], name: sc.name})
			})
		}
	})
	return trs
}

// realTarget is the real Mesos master named by BATCHD_TEST_MESOS.
func realTarget(t *testing.T) *target {
	url := strings.TrimRight(os.Getenv("BATCHD_TEST_MESOS"), "/")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but no real Mesos master is available (BATCHD_TEST_MESOS)")
		}
		t.Skip("no real Mesos master: set BATCHD_TEST_MESOS")
	}
	tg := &target{name: "mesos", url: url, client: &http.Client{}}
	tg.whole = agentResources(t, url)
	return tg
}

// agentResources reads the first agent's resources from /master/state.
func agentResources(t *testing.T, url string) resources {
	t.Helper()
	resp, err := http.Get(url + "/master/state")
	if err != nil {
		t.Fatalf("reading the master's state: %v", err)
	}
	defer resp.Body.Close()
	var state struct {
		Slaves []struct {
			Resources struct{ CPUs, Mem, Disk float64 } `json:"resources"`
		} `json:"slaves"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil || len(state.Slaves) == 0 {
		t.Fatalf("reading the master's agents from /master/state: %v (%d agents)", err, len(state.Slaves))
	}
	r := state.Slaves[0].Resources
	return resources{cpus: r.CPUs, mem: r.Mem, disk: r.Disk}
}

// embeddedTarget starts an embedded cluster with the real agent's resources.
func embeddedTarget(t *testing.T, real *target) *target {
	c := localcluster.New(localcluster.Config{
		WorkDir:       t.TempDir(),
		CPUs:          real.whole.cpus,
		MemMB:         real.whole.mem,
		DiskMB:        real.whole.disk,
		OfferInterval: time.Second,
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

var _ = fmt.Sprint
