package sdk

import (
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/workload"
)

// The contracts' sentinel errors, re-exported so a plugin imports only sdk.
// Wrap them (fmt.Errorf("...: %w", sdk.ErrInvalidParams)) to tell batchd
// precisely what went wrong; the message travels to batchd unchanged.
var (
	ErrInvalidParams = workload.ErrInvalidParams
	ErrInvalidResult = workload.ErrInvalidResult
	ErrNotFound      = fetcher.ErrNotFound
	ErrPermission    = fetcher.ErrPermission
	ErrUnsupported   = fetcher.ErrUnsupported
	ErrUnavailable   = fetcher.ErrUnavailable
	ErrInvalidConfig = fetcher.ErrInvalidConfig
	ErrUnsafeArchive = fetcher.ErrUnsafeArchive
	ErrNotExtractor  = fetcher.ErrNotExtractor
)

// Parameter types of a workload's schema, re-exported.
const (
	ParamString = workload.ParamString
	ParamInt    = workload.ParamInt
	ParamBool   = workload.ParamBool
	ParamList   = workload.ParamList
	ParamURI    = workload.ParamURI
)
