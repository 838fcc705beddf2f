package fetcher

import (
	"context"
	"encoding/json"
	"errors"
)

// errNotFaked is returned by a Fake method whose function field is nil.
var errNotFaked = errors.New("fetcher: fake method not set")

// Fake is a Fetcher whose methods call its function fields, for tests. A
// nil ConfigureFunc accepts any settings; another nil field makes its
// method return an error.
type Fake struct {
	DescribeFunc  func(ctx context.Context) (Info, error)
	ConfigureFunc func(ctx context.Context, settings json.RawMessage) error
	FetchFunc     func(ctx context.Context, req Request, progress func(Progress)) (Result, error)
	ExtractFunc   func(ctx context.Context, req ExtractRequest) (ExtractResult, error)
	StatFunc      func(ctx context.Context, req StatRequest) (StatResult, error)
}

var (
	_ Fetcher   = (*Fake)(nil)
	_ Extractor = (*Fake)(nil)
	_ Stater    = (*Fake)(nil)
)

// Describe calls DescribeFunc.
func (f *Fake) Describe(ctx context.Context) (Info, error) {
	if f.DescribeFunc == nil {
		return Info{}, errNotFaked
	}
	return f.DescribeFunc(ctx)
}

// Configure calls ConfigureFunc.
func (f *Fake) Configure(ctx context.Context, settings json.RawMessage) error {
	if f.ConfigureFunc == nil {
		return nil
	}
	return f.ConfigureFunc(ctx, settings)
}

// Fetch calls FetchFunc.
func (f *Fake) Fetch(ctx context.Context, req Request, progress func(Progress)) (Result, error) {
	if f.FetchFunc == nil {
		return Result{}, errNotFaked
	}
	return f.FetchFunc(ctx, req, progress)
}

// Extract calls ExtractFunc; when it is nil, Extract answers like a plugin
// without the capability, with ErrNotExtractor.
func (f *Fake) Extract(ctx context.Context, req ExtractRequest) (ExtractResult, error) {
	if f.ExtractFunc == nil {
		return ExtractResult{}, ErrNotExtractor
	}
	return f.ExtractFunc(ctx, req)
}

// Stat calls StatFunc; when it is nil, Stat answers like a plugin without
// the capability, with ErrNotStater.
func (f *Fake) Stat(ctx context.Context, req StatRequest) (StatResult, error) {
	if f.StatFunc == nil {
		return StatResult{}, ErrNotStater
	}
	return f.StatFunc(ctx, req)
}
