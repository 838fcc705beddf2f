package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// ErrNoJobs is reported by [Config.RequireJobs] when the file has no [[job]].
var ErrNoJobs = errors.New("config: at least one [[job]] is required")

// Error is one problem found in a configuration file. Parse, Load and
// Validate return several of them joined with errors.Join; use errors.As to
// get at the first, or the Unwrap() []error method of the joined error to
// walk them all.
type Error struct {
	File string // file name as given to Load or Parse; may be empty
	Line int    // 1-based line, 0 when unknown
	Col  int    // 1-based byte column, 0 when unknown
	Key  string // key path such as "job[0].cpus"; empty for syntax errors
	Err  error  // what is wrong
}

// Error formats the problem as "file:line:col: key: problem".
func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Key != "" {
		msg = e.Key + ": " + msg
	}
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, msg)
	case e.File != "":
		return e.File + ": " + msg
	case e.Line > 0:
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, msg)
	}
	return msg
}

// Unwrap returns the underlying problem so errors.Is can match sentinels.
func (e *Error) Unwrap() error { return e.Err }

// problems collects the errors of one Parse or Validate run.
type problems struct {
	file string
	pos  positions
	list []*Error
}

// add records a problem with the key at path, positioned at that key or, if it
// is absent from the file, at the nearest enclosing table.
func (p *problems) add(path string, err error) {
	line, col := p.pos.find(path)
	if line == 0 && p.file != "" {
		line, col = 1, 1
	}
	p.list = append(p.list, &Error{File: p.file, Line: line, Col: col, Key: path, Err: err})
}

// addf is add with a formatted message.
func (p *problems) addf(path, format string, args ...any) {
	p.add(path, fmt.Errorf(format, args...))
}

// err returns all problems sorted by position and joined, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	slices.SortStableFunc(p.list, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	errs := make([]error, len(p.list))
	for i, e := range p.list {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// KeyError returns err as a problem of the key at path ("job[0].params.groups[0]"),
// positioned at that key in c's file or, when the file does not hold it, at
// its nearest enclosing key. It lets what batchd learns about a config
// after Load (a workload plugin's verdict on a job's params, an artifact
// scheme no fetcher handles) be reported like any other config error.
func (c *Config) KeyError(path string, err error) *Error {
	p := problems{file: c.File, pos: c.pos}
	p.add(path, err)
	return p.list[0]
}
