package workload

import (
	"encoding/json"
	"fmt"
	"time"

	pb "github.com/batchd/batchd/plugins/workload/proto"
)

// This file converts between the contract's Go types and their wire form.

func infoToProto(i Info) *pb.DescribeResponse {
	out := &pb.DescribeResponse{Name: i.Name, Version: i.Version, Description: i.Description}
	for _, p := range i.Params {
		out.Params = append(out.Params, &pb.Param{
			Name: p.Name, Type: string(p.Type), Required: p.Required, Description: p.Description,
		})
	}
	return out
}

func infoFromProto(r *pb.DescribeResponse) Info {
	out := Info{Name: r.GetName(), Version: r.GetVersion(), Description: r.GetDescription()}
	for _, p := range r.GetParams() {
		out.Params = append(out.Params, Param{
			Name: p.GetName(), Type: ParamType(p.GetType()), Required: p.GetRequired(), Description: p.GetDescription(),
		})
	}
	return out
}

func jobToProto(j Job) (*pb.Job, error) {
	params, err := json.Marshal(j.Params)
	if err != nil {
		return nil, fmt.Errorf("encoding params of job %q: %w", j.Name, err)
	}
	return &pb.Job{Name: j.Name, ParamsJson: params, Files: j.Files}, nil
}

// jobFromProto decodes params with encoding/json's usual rules: numbers
// become float64, objects map[string]any, arrays []any.
func jobFromProto(j *pb.Job) (Job, error) {
	out := Job{Name: j.GetName(), Files: j.GetFiles()}
	if len(j.GetParamsJson()) > 0 {
		if err := json.Unmarshal(j.GetParamsJson(), &out.Params); err != nil {
			return Job{}, fmt.Errorf("decoding params of job %q: %w", j.GetName(), err)
		}
	}
	return out, nil
}

func specToProto(s TaskSpec) *pb.TaskSpec {
	out := &pb.TaskSpec{
		Id: s.ID, Name: s.Name, Label: s.Label, Command: s.Command, Env: s.Env, Cpus: s.CPUs, MemMb: s.MemMB,
		TimeoutNanos: int64(s.Timeout), Data: s.Data,
	}
	for _, a := range s.Artifacts {
		out.Artifacts = append(out.Artifacts, &pb.Artifact{
			Uri: a.URI, Executable: a.Executable, Extract: a.Extract, Cache: a.Cache,
			OutputFile: a.OutputFile, Checksum: a.Checksum, Direct: a.Direct, Immutable: a.Immutable,
		})
	}
	return out
}

func specFromProto(s *pb.TaskSpec) TaskSpec {
	out := TaskSpec{
		ID: s.GetId(), Name: s.GetName(), Label: s.GetLabel(), Command: s.GetCommand(), Env: s.GetEnv(), CPUs: s.GetCpus(),
		MemMB: s.GetMemMb(), Timeout: time.Duration(s.GetTimeoutNanos()), Data: rawOrNil(s.GetData()),
	}
	for _, a := range s.GetArtifacts() {
		out.Artifacts = append(out.Artifacts, Artifact{
			URI: a.GetUri(), Executable: a.GetExecutable(), Extract: a.GetExtract(), Cache: a.GetCache(),
			OutputFile: a.GetOutputFile(), Checksum: a.GetChecksum(), Direct: a.GetDirect(), Immutable: a.GetImmutable(),
		})
	}
	return out
}

func resultToProto(r Result) *pb.Result {
	return &pb.Result{TaskId: r.TaskID, Output: r.Output, Display: r.Display, Data: r.Data}
}

func resultFromProto(r *pb.Result) Result {
	return Result{TaskID: r.GetTaskId(), Output: rawOrNil(r.GetOutput()), Display: r.GetDisplay(), Data: rawOrNil(r.GetData())}
}

func rawOrNil(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}
