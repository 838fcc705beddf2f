package workload_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/workload"
	"github.com/batchd/batchd/plugins/workload/workloadtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func spec(i int) workload.TaskSpec {
	id := strconv.Itoa(i)
	return workload.TaskSpec{
		ID: id, Name: "task " + id, Label: "group " + id, Command: []string{"./sum", "--task", id},
		Env: map[string]string{"N": id}, CPUs: 0.5, MemMB: 64, Timeout: time.Duration(i) * time.Millisecond,
		Artifacts: []workload.Artifact{{URI: "http://example.com/sum", Executable: true, Cache: true, Checksum: "sha256:ab"}},
		Data:      json.RawMessage(`{"i":` + id + `}`),
	}
}

func TestPlanStreamsManySpecs(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		padding int
	}{
		{name: "none", n: 0},
		{name: "20000 small", n: 20000},
		{name: "300 of 40KB, 12MB in all", n: 300, padding: 40 << 10},
		{name: "one of 2MB", n: 1, padding: 2 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pad := strings.Repeat("x", tc.padding)
			want := make([]workload.TaskSpec, tc.n)
			for i := range want {
				want[i] = spec(i)
				if pad != "" {
					want[i].Env["PAD"] = pad
				}
			}
			w := workloadtest.Conn(t, &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
				for _, s := range want {
					if err := emit(s); err != nil {
						return err
					}
				}
				return nil
			}})
			var got []workload.TaskSpec
			err := w.Plan(context.Background(), workload.Job{Name: "j"}, func(s workload.TaskSpec) error {
				got = append(got, s)
				return nil
			})
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d specs, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("spec %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestSpecRoundTripsEveryField sends a spec with every field set, Label
// included, through the real gRPC shims: a field added to TaskSpec or
// Artifact but not to the conversion code fails here.
func TestSpecRoundTripsEveryField(t *testing.T) {
	full := workload.TaskSpec{
		ID: "7", Name: "sum 1 2 3", Label: "1 2 3", Command: []string{"./sum", "1", "2", "3"},
		Env: map[string]string{"K": "v"}, CPUs: 0.25, MemMB: 32, Timeout: time.Minute,
		Artifacts: []workload.Artifact{{
			URI: "https://example.com/a.tgz", Executable: true, Extract: true, Cache: true,
			OutputFile: "a.tgz", Checksum: "sha256:ab", Direct: true, Immutable: true,
		}},
		Data: json.RawMessage(`"1 2 3"`),
	}
	for _, v := range []reflect.Value{reflect.ValueOf(full), reflect.ValueOf(full.Artifacts[0])} {
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				t.Fatalf("%s.%s is not set in this test", v.Type().Name(), v.Type().Field(i).Name)
			}
		}
	}
	tests := []struct {
		name string
		spec workload.TaskSpec
	}{
		{"every field", full},
		{"no label, as from an older plugin", workload.TaskSpec{ID: "0", Command: []string{"x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := workloadtest.Conn(t, &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
				return emit(tt.spec)
			}})
			var got []workload.TaskSpec
			err := w.Plan(context.Background(), workload.Job{Name: "j"}, func(s workload.TaskSpec) error {
				got = append(got, s)
				return nil
			})
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.spec) {
				t.Fatalf("got %+v\nwant %+v", got, tt.spec)
			}
		})
	}
}

func TestPlanRefusesSpecTooBigForOneMessage(t *testing.T) {
	w := workloadtest.Conn(t, &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
		return emit(workload.TaskSpec{ID: "huge", Env: map[string]string{"PAD": strings.Repeat("x", 5<<20)}})
	}})
	err := w.Plan(context.Background(), workload.Job{}, func(workload.TaskSpec) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `task spec "huge" is too large`) {
		t.Fatalf("Plan error = %v, want one naming the oversized spec", err)
	}
}

func TestJobAndDataRoundTrip(t *testing.T) {
	job := workload.Job{
		Name: "sums",
		Params: map[string]any{
			"groups":  []any{"1 2 3", "4 x 6"},
			"n":       float64(42),
			"deep":    map[string]any{"ok": true, "ratio": 0.25},
			"nothing": nil,
		},
		Files: map[string]string{"input": "/staging/ab/cd"},
	}
	var planned, reduced workload.Job
	var results []workload.Result
	w := workloadtest.Conn(t, &workload.Fake{
		PlanFunc: func(ctx context.Context, j workload.Job, emit func(workload.TaskSpec) error) error {
			planned = j
			return emit(workload.TaskSpec{ID: "0", Data: json.RawMessage(`{"group":"1 2 3"}`)})
		},
		ReduceFunc: func(ctx context.Context, j workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
			reduced = j
			for {
				r, err := next()
				if errors.Is(err, io.EOF) {
					return workload.Summary{Text: "sum = 6", Output: json.RawMessage(`{"sum":6}`)}, nil
				}
				if err != nil {
					return workload.Summary{}, err
				}
				results = append(results, r)
			}
		},
	})
	var specs []workload.TaskSpec
	if err := w.Plan(context.Background(), job, func(s workload.TaskSpec) error { specs = append(specs, s); return nil }); err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if !reflect.DeepEqual(planned, job) {
		t.Errorf("plugin planned job\n %#v\nwant %#v", planned, job)
	}
	if len(specs) != 1 || string(specs[0].Data) != `{"group":"1 2 3"}` {
		t.Errorf("specs = %+v", specs)
	}
	in := []workload.Result{{TaskID: "0", Output: json.RawMessage(`6`), Display: "sum of 1 2 3 = 6", Data: specs[0].Data}}
	sum, err := w.Reduce(context.Background(), job, feed(in))
	if err != nil {
		t.Fatalf("Reduce: %v", err)
	}
	if !reflect.DeepEqual(reduced, job) {
		t.Errorf("plugin reduced job\n %#v\nwant %#v", reduced, job)
	}
	if !reflect.DeepEqual(results, in) {
		t.Errorf("plugin got results %+v, want %+v", results, in)
	}
	if sum.Text != "sum = 6" || string(sum.Output) != `{"sum":6}` {
		t.Errorf("summary = %+v", sum)
	}
}

// feed returns a next function over rs.
func feed(rs []workload.Result) func() (workload.Result, error) {
	return func() (workload.Result, error) {
		if len(rs) == 0 {
			return workload.Result{}, io.EOF
		}
		r := rs[0]
		rs = rs[1:]
		return r, nil
	}
}

func TestReduceManyResults(t *testing.T) {
	const n = 30000
	in := make([]workload.Result, n)
	for i := range in {
		in[i] = workload.Result{TaskID: strconv.Itoa(i), Output: json.RawMessage(strconv.Itoa(i))}
	}
	w := workloadtest.Conn(t, &workload.Fake{ReduceFunc: func(ctx context.Context, j workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
		total, count := 0, 0
		for {
			r, err := next()
			if errors.Is(err, io.EOF) {
				return workload.Summary{Text: fmt.Sprintf("%d results, total %d", count, total)}, nil
			}
			if err != nil {
				return workload.Summary{}, err
			}
			if r.TaskID != strconv.Itoa(count) {
				return workload.Summary{}, fmt.Errorf("result %d has task id %q", count, r.TaskID)
			}
			v, _ := strconv.Atoi(string(r.Output))
			total += v
			count++
		}
	}})
	sum, err := w.Reduce(context.Background(), workload.Job{Name: "j"}, feed(in))
	if err != nil {
		t.Fatalf("Reduce: %v", err)
	}
	if want := fmt.Sprintf("%d results, total %d", n, n*(n-1)/2); sum.Text != want {
		t.Fatalf("summary %q, want %q", sum.Text, want)
	}
}
