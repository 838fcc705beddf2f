package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
)

// fmtTasks is one job's stored tasks: done, failed after two attempts,
// running, and pending.
func fmtTasks() []state.Task {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	t1 := t0.Add(2 * time.Second)
	t2 := t0.Add(5 * time.Second)
	return []state.Task{
		{ID: "0", Label: "1 2 3", State: state.TaskDone,
			Attempts: []state.Attempt{{N: 1, TaskID: "c-0", Agent: "a1", Start: t0, End: t1}},
			Result:   &state.Result{Attempt: 1, Output: json.RawMessage(`{ "sum": "6" }`), Display: "sum of 1 2 3 = 6"}},
		{ID: "1", State: state.TaskFailed, Error: "exit 1:\ttoo bad\nreally",
			Attempts: []state.Attempt{{N: 1, Agent: "a1", Start: t0, End: t1}, {N: 2, Agent: "a2", Start: t1, End: t2, Stderr: "oops\nline 2"}}},
		{ID: "2", State: state.TaskRunning, Attempts: []state.Attempt{{N: 1, Agent: "a2", Start: t1}},
			Result: nil},
		{ID: "3", State: state.TaskPending,
			Result: &state.Result{Output: json.RawMessage(`"` + strings.Repeat("x", 50) + `"`)}},
	}
}

func TestResultsFormat(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{
			format: "jsonl",
			want: `{"job":"j","task":"0","label":"1 2 3","state":"done","attempts":1,"agent":"a1","start":"2026-01-02T03:04:05.0000006Z","end":"2026-01-02T03:04:07.0000006Z","output":{"sum":"6"},"display":"sum of 1 2 3 = 6","error":"","stderr":""}
{"job":"j","task":"1","label":"","state":"failed","attempts":2,"agent":"a2","start":"2026-01-02T03:04:05.0000006Z","end":"2026-01-02T03:04:10.0000006Z","output":null,"display":"","error":"exit 1:\ttoo bad\nreally","stderr":"oops\nline 2"}
{"job":"j","task":"2","label":"","state":"running","attempts":1,"agent":"a2","start":"2026-01-02T03:04:07.0000006Z","end":null,"output":null,"display":"","error":"","stderr":""}
{"job":"j","task":"3","label":"","state":"pending","attempts":0,"agent":"","start":null,"end":null,"output":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","display":"","error":"","stderr":""}
`,
		},
		{
			format: "csv",
			want: `job,task,label,state,attempts,agent,start,end,output,display,error,stderr
j,0,1 2 3,done,1,a1,2026-01-02T03:04:05.0000006Z,2026-01-02T03:04:07.0000006Z,"{""sum"":""6""}",sum of 1 2 3 = 6,,
j,1,,failed,2,a2,2026-01-02T03:04:05.0000006Z,2026-01-02T03:04:10.0000006Z,,,"exit 1:	too bad
really","oops
line 2"
j,2,,running,1,a2,2026-01-02T03:04:07.0000006Z,,,,,
j,3,,pending,0,,,,"""xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx""",,,
`,
		},
		{
			format: "table",
			want: `JOB  TASK  LABEL  STATE    ATTEMPTS  AGENT  START                 END                   OUTPUT                                    DISPLAY           ERROR
j    0     1 2 3  done     1         a1     2026-01-02T03:04:05Z  2026-01-02T03:04:07Z  {"sum":"6"}                               sum of 1 2 3 = 6
j    1            failed   2         a2     2026-01-02T03:04:05Z  2026-01-02T03:04:10Z                                                              exit 1: too bad really
j    2            running  1         a2     2026-01-02T03:04:07Z
j    3            pending  0                                                            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…
job j: running, 1 of 5 tasks done, 1 failed
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var out bytes.Buffer
			w, err := newRowWriter(tt.format, &out)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.startJob(jobInfo{Name: "j", State: state.JobRunning, Tasks: 5}); err != nil {
				t.Fatal(err)
			}
			for _, tk := range fmtTasks() {
				if err := w.row(rowOf("j", tk)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.endJob(); err != nil {
				t.Fatal(err)
			}
			if err := w.flush(); err != nil {
				t.Fatal(err)
			}
			if got := trimLines(out.String()); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// trimLines drops the spaces tabwriter leaves at the end of table lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// TestResultsFormatRoundTrip checks a row that went through the state API
// (JSON and back) prints as one read from the store does.
func TestResultsFormatRoundTrip(t *testing.T) {
	for _, format := range resultFormats {
		t.Run(format, func(t *testing.T) {
			var direct, viaAPI bytes.Buffer
			for _, c := range []struct {
				out  *bytes.Buffer
				trip bool
			}{{&direct, false}, {&viaAPI, true}} {
				w, err := newRowWriter(format, c.out)
				if err != nil {
					t.Fatal(err)
				}
				w.startJob(jobInfo{Name: "j", State: state.JobRunning, Tasks: 4})
				for _, tk := range fmtTasks() {
					r := rowOf("j", tk)
					if c.trip {
						raw, err := json.Marshal(r)
						if err != nil {
							t.Fatal(err)
						}
						r = resultRow{}
						if err := json.Unmarshal(raw, &r); err != nil {
							t.Fatal(err)
						}
					}
					w.row(r)
				}
				w.endJob()
				w.flush()
			}
			if direct.String() != viaAPI.String() {
				t.Errorf("read from the store:\n%s\nthrough the API:\n%s", direct.String(), viaAPI.String())
			}
		})
	}
}

func TestResultsFormatEmptyAndUnknown(t *testing.T) {
	var out bytes.Buffer
	w, err := newRowWriter("csv", &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), strings.Join(csvColumns, ",")+"\n"; got != want {
		t.Errorf("csv without rows = %q, want the header %q", got, want)
	}
	if _, err := newRowWriter("xml", &out); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("unknown format: err = %v, want one naming it", err)
	}
}
