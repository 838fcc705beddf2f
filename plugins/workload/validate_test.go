package workload_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
	pb "github.com/batchd/batchd/plugins/workload/proto"
	"github.com/batchd/batchd/plugins/workload/workloadtest"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

func TestValidateCarriesProblems(t *testing.T) {
	want := []workload.Problem{
		{Field: "params.groups[0]", Message: `"abc" is not an integer`},
		{Field: "params.groups", Message: "empty list"},
	}
	var got workload.Job
	w := workloadtest.Conn(t, &workload.Fake{ValidateFunc: func(_ context.Context, job workload.Job) ([]workload.Problem, error) {
		got = job
		return want, nil
	}})
	problems, err := w.(workload.Validator).Validate(context.Background(), workload.Job{
		Name: "sums", Params: map[string]any{"groups": []any{"abc"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems = %+v, want %+v", problems, want)
	}
	if got.Name != "sums" || !reflect.DeepEqual(got.Params["groups"], []any{"abc"}) {
		t.Errorf("plugin saw %+v", got)
	}
	if s := problems[0].Error(); s != `params.groups[0]: "abc" is not an integer` {
		t.Errorf("Problem.Error() = %q", s)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		impl workload.Workload
		want error
	}{
		{name: "fake without ValidateFunc", impl: &workload.Fake{}, want: workload.ErrNotValidator},
		{name: "workload without Validate", impl: planOnly{&workload.Fake{}}, want: workload.ErrNotValidator},
		{name: "plugin error keeps its sentinel", want: workload.ErrInvalidParams,
			impl: &workload.Fake{ValidateFunc: func(context.Context, workload.Job) ([]workload.Problem, error) {
				return nil, fmt.Errorf("checking: %w", workload.ErrInvalidParams)
			}}},
		{name: "plugin cancelled", want: context.Canceled,
			impl: &workload.Fake{ValidateFunc: func(ctx context.Context, _ workload.Job) ([]workload.Problem, error) {
				return nil, context.Canceled
			}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := workloadtest.Conn(t, tc.impl)
			_, err := w.(workload.Validator).Validate(context.Background(), workload.Job{Name: "j"})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Validate: %v, want %v", err, tc.want)
			}
			if tc.want != workload.ErrNotValidator && errors.Is(err, workload.ErrNotValidator) {
				t.Errorf("Validate: %v also matches ErrNotValidator", err)
			}
		})
	}
}

// planOnly is a workload built against this contract that does not validate.
type planOnly struct{ workload.Workload }

// oldPlugin serves a workload built before Validate existed: its gRPC
// server has no Validate method at all.
type oldPlugin struct{ plugin.NetRPCUnsupportedPlugin }

type oldServer struct{ pb.UnimplementedWorkloadServer }

func (oldPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterWorkloadServer(s, oldServer{})
	return nil
}

func (oldPlugin) GRPCClient(ctx context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return (&workload.GRPCPlugin{}).GRPCClient(ctx, b, c)
}

func TestValidateOnPluginOlderThanIt(t *testing.T) {
	c, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{workload.PluginName: oldPlugin{}})
	t.Cleanup(func() { _ = c.Close() })
	raw, err := c.Dispense(workload.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	_, err = raw.(workload.Validator).Validate(context.Background(), workload.Job{Name: "j"})
	if !errors.Is(err, workload.ErrNotValidator) || !strings.Contains(err.Error(), "Validate") {
		t.Errorf("Validate: %v, want ErrNotValidator with gRPC's message", err)
	}
}

func TestParamField(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{workload.ParamField("input"), "params.input"},
		{workload.ParamField("groups", 0), "params.groups[0]"},
		{workload.ParamField("m", 1, 2), "params.m[1][2]"},
	} {
		if tc.got != tc.want {
			t.Errorf("ParamField = %q, want %q", tc.got, tc.want)
		}
	}
}
