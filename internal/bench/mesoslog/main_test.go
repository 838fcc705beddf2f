package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden")

// TestReport reads two tasks' lines from a real Mesos 1.11.1 master's and
// agent's logs (testdata) and checks the report against a golden file.
func TestReport(t *testing.T) {
	tl := newTimeline()
	if err := tl.read(filepath.Join("testdata", "master.INFO"), tl.masterLine); err != nil {
		t.Fatal(err)
	}
	if err := tl.read(filepath.Join("testdata", "agent.INFO"), tl.agentLine); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	tl.report(&got)
	golden := filepath.Join("testdata", "report.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("report:\n%s\nwant:\n%s", got.Bytes(), want)
	}
}
