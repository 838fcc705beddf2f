package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/batchd/batchd/core/state"
)

// resultRow is what `batchd results` prints of one task, and the JSON
// line the state API streams. Every key is always present (null or empty
// when the task has no such thing yet), so scripts can rely on them. The
// keys job, task, label, output and display mean what they mean in a
// job's output file.
type resultRow struct {
	Job      string          `json:"job"`
	Task     string          `json:"task"` // the workload's task id
	Label    string          `json:"label"`
	State    state.TaskState `json:"state"`
	Attempts int             `json:"attempts"`
	Agent    string          `json:"agent"`   // the last attempt's
	Start    *time.Time      `json:"start"`   // the first attempt's
	End      *time.Time      `json:"end"`     // the last attempt's, once it ended
	Output   json.RawMessage `json:"output"`  // the committed result's, else null
	Display  string          `json:"display"` // the committed result's
	Error    string          `json:"error"`   // why a failed task failed
	// Stderr is the last lines of the last attempt's stderr, kept when it
	// ended other than FINISHED (jsonl and csv only, not in the table).
	Stderr string `json:"stderr"`
}

// rowOf turns a stored task of job into a row.
func rowOf(job string, t state.Task) resultRow {
	r := resultRow{Job: job, Task: t.ID, Label: t.Label, State: t.State, Attempts: len(t.Attempts), Error: t.Error}
	if n := len(t.Attempts); n > 0 {
		first, last := t.Attempts[0], t.Attempts[n-1]
		r.Agent, r.Stderr = last.Agent, last.Stderr
		if !first.Start.IsZero() {
			r.Start = &first.Start
		}
		if !last.End.IsZero() {
			r.End = &last.End
		}
	}
	if t.Result != nil {
		r.Output, r.Display = t.Result.Output, t.Result.Display
	}
	return r
}

// outputText is a row's output as compact JSON; "" when it has none.
func (r resultRow) outputText() string {
	s := strings.TrimSpace(string(r.Output))
	if s == "" || s == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}

// jobInfo is what `batchd results` needs of a stored job.
type jobInfo struct {
	Name  string         `json:"name"`
	State state.JobState `json:"state"`
	// Tasks is the plan's size once the plan is whole, else 0.
	Tasks int `json:"tasks"`
}

// rowWriter prints rows in one format: startJob, its rows, endJob, for
// each job, then flush.
type rowWriter interface {
	startJob(jobInfo) error
	row(resultRow) error
	endJob() error
	flush() error
}

// Formats of `batchd results`.
var resultFormats = []string{"jsonl", "csv", "table"}

// newRowWriter returns the writer of format to w.
func newRowWriter(format string, w io.Writer) (rowWriter, error) {
	switch format {
	case "jsonl":
		return &jsonlWriter{enc: json.NewEncoder(w)}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}, nil
	case "table":
		return &tableWriter{out: w}, nil
	}
	return nil, fmt.Errorf("--format %q: want one of %s", format, strings.Join(resultFormats, ", "))
}

// jsonlWriter prints one JSON object per row.
type jsonlWriter struct{ enc *json.Encoder }

func (w *jsonlWriter) startJob(jobInfo) error { return nil }
func (w *jsonlWriter) endJob() error          { return nil }
func (w *jsonlWriter) flush() error           { return nil }
func (w *jsonlWriter) row(r resultRow) error {
	if r.outputText() == "" {
		r.Output = nil // null, however it came
	}
	return w.enc.Encode(r)
}

// csvColumns is the csv header, in the order of resultRow's fields.
var csvColumns = []string{"job", "task", "label", "state", "attempts", "agent", "start", "end", "output", "display", "error", "stderr"}

// csvWriter prints a header row, then one record per row.
type csvWriter struct {
	w      *csv.Writer
	header bool
}

func (w *csvWriter) startJob(jobInfo) error { return nil }
func (w *csvWriter) endJob() error          { return nil }
func (w *csvWriter) row(r resultRow) error {
	if !w.header {
		w.header = true
		if err := w.w.Write(csvColumns); err != nil {
			return err
		}
	}
	return w.w.Write([]string{r.Job, r.Task, r.Label, string(r.State), strconv.Itoa(r.Attempts), r.Agent,
		timeText(r.Start, time.RFC3339Nano), timeText(r.End, time.RFC3339Nano), r.outputText(), r.Display, r.Error, r.Stderr})
}

func (w *csvWriter) flush() error {
	if !w.header { // no rows: the header alone
		w.header = true
		if err := w.w.Write(csvColumns); err != nil {
			return err
		}
	}
	w.w.Flush()
	return w.w.Error()
}

// Widths beyond which table cells are cut.
const (
	tableOutputWidth = 40
	tableTextWidth   = 60 // display and error
)

// tableWriter prints each job as aligned columns under a header, then the
// line "job NAME: STATE, N of M tasks done, F failed".
type tableWriter struct {
	out          io.Writer
	tw           *tabwriter.Writer
	job          jobInfo
	rows         int
	done, failed int
}

func (w *tableWriter) startJob(j jobInfo) error {
	w.job, w.rows, w.done, w.failed = j, 0, 0, 0
	w.tw = tabwriter.NewWriter(w.out, 0, 4, 2, ' ', 0)
	_, err := fmt.Fprintln(w.tw, "JOB\tTASK\tLABEL\tSTATE\tATTEMPTS\tAGENT\tSTART\tEND\tOUTPUT\tDISPLAY\tERROR")
	return err
}

func (w *tableWriter) row(r resultRow) error {
	w.rows++
	switch r.State {
	case state.TaskDone:
		w.done++
	case state.TaskFailed:
		w.failed++
	}
	cells := []string{r.Job, r.Task, r.Label, string(r.State), strconv.Itoa(r.Attempts), r.Agent,
		timeText(r.Start, time.RFC3339), timeText(r.End, time.RFC3339),
		cut(r.outputText(), tableOutputWidth), cut(r.Display, tableTextWidth), cut(r.Error, tableTextWidth)}
	for i, c := range cells {
		cells[i] = cellText(c)
	}
	_, err := fmt.Fprintln(w.tw, strings.Join(cells, "\t"))
	return err
}

func (w *tableWriter) endJob() error {
	if err := w.tw.Flush(); err != nil {
		return err
	}
	total := w.job.Tasks
	if total < w.rows { // the plan is still being written
		total = w.rows
	}
	_, err := fmt.Fprintf(w.out, "job %s: %s, %d of %d tasks done, %d failed\n", w.job.Name, w.job.State, w.done, total, w.failed)
	return err
}

func (w *tableWriter) flush() error { return nil }

// timeText formats t with layout; "" when unknown.
func timeText(t *time.Time, layout string) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(layout)
}

// cut shortens s to at most n runes, marking the cut with "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// cellText keeps a table cell on its line and in its column.
func cellText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}
