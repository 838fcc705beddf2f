package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// A direct read of the store holds a shared lock on it while it lasts, so
// `batchd results` copies the rows it prints to a temporary file first and
// lets go of the store before printing: a slow reader of its output (a
// pager) must not keep a batchd from opening the store.

// spoolSource serves rows copied to a temporary file.
type spoolSource struct {
	f     *os.File
	list  []jobInfo
	spans map[string][2]int64 // job -> its rows' byte range in f
}

// spool copies the rows of jobs from src to a temporary file (unlinked at
// once: it is gone when closed, or when batchd dies).
func spool(ctx context.Context, src resultSource, jobs []jobInfo) (*spoolSource, error) {
	f, err := os.CreateTemp("", "batchd-results-")
	if err != nil {
		return nil, fmt.Errorf("spooling results: %w", err)
	}
	os.Remove(f.Name())
	sp := &spoolSource{f: f, list: jobs, spans: map[string][2]int64{}}
	buf := bufio.NewWriter(f)
	enc := json.NewEncoder(buf)
	var off int64
	for _, j := range jobs {
		start := off
		if err := src.rows(ctx, j.Name, func(r resultRow) error { return enc.Encode(r) }); err != nil {
			sp.close()
			return nil, err
		}
		if err := buf.Flush(); err != nil {
			sp.close()
			return nil, fmt.Errorf("spooling results to %s: %w", f.Name(), err)
		}
		if off, err = f.Seek(0, io.SeekCurrent); err != nil {
			sp.close()
			return nil, fmt.Errorf("spooling results to %s: %w", f.Name(), err)
		}
		sp.spans[j.Name] = [2]int64{start, off}
	}
	return sp, nil
}

func (sp *spoolSource) close() { sp.f.Close() }

func (sp *spoolSource) jobs(context.Context) ([]jobInfo, error) { return sp.list, nil }

func (sp *spoolSource) rows(_ context.Context, job string, fn func(resultRow) error) error {
	span := sp.spans[job]
	in := bufio.NewReader(io.NewSectionReader(sp.f, span[0], span[1]-span[0]))
	return decodeRows(in, "spooled results", fn)
}
