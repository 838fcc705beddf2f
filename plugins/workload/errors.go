package workload

import (
	"github.com/batchd/batchd/plugins/rpcerr"
	"google.golang.org/grpc/codes"
)

// wireErrors is how this contract's sentinel errors travel: the one table
// both shims use to turn errors into gRPC statuses and back.
var wireErrors = rpcerr.Table{
	{Err: ErrInvalidParams, Code: codes.InvalidArgument, Reason: "WORKLOAD_INVALID_PARAMS"},
	{Err: ErrInvalidResult, Code: codes.FailedPrecondition, Reason: "WORKLOAD_INVALID_RESULT"},
	{Err: ErrNotValidator, Code: codes.Unimplemented, Reason: "WORKLOAD_NOT_VALIDATOR"},
}
