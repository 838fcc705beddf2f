package fetcher

import (
	"github.com/batchd/batchd/plugins/rpcerr"
	"google.golang.org/grpc/codes"
)

// wireErrors is how this contract's sentinel errors travel: the one table
// both shims use to turn errors into gRPC statuses and back. ErrUnavailable
// shares its code with gRPC's own "connection lost", so it is recognised by
// its ErrorInfo reason only.
var wireErrors = rpcerr.Table{
	{Err: ErrNotFound, Code: codes.NotFound, Reason: "FETCHER_NOT_FOUND"},
	{Err: ErrPermission, Code: codes.PermissionDenied, Reason: "FETCHER_PERMISSION"},
	{Err: ErrUnsupported, Code: codes.Unimplemented, Reason: "FETCHER_UNSUPPORTED"},
	{Err: ErrUnavailable, Code: codes.Unavailable, Reason: "FETCHER_UNAVAILABLE"},
	{Err: ErrInvalidConfig, Code: codes.InvalidArgument, Reason: "FETCHER_INVALID_CONFIG"},
	{Err: ErrUnsafeArchive, Code: codes.FailedPrecondition, Reason: "FETCHER_UNSAFE_ARCHIVE"},
	// After ErrUnsupported: a bare UNIMPLEMENTED from Fetch still means
	// an unsupported URI. The client's Extract and Stat read it as ErrNotExtractor and
	// ErrNotStater.
	{Err: ErrNotExtractor, Code: codes.Unimplemented, Reason: "FETCHER_NOT_EXTRACTOR"},
	{Err: ErrNotStater, Code: codes.Unimplemented, Reason: "FETCHER_NOT_STATER"},
}
