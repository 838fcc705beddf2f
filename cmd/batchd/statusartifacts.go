package main

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/plugins/redact"
)

// artifactStatus is one staged artifact of a job on the status page.
type artifactStatus struct {
	// URI is the artifact's URI, credentials redacted.
	URI    string `json:"uri"`
	Digest string `json:"digest,omitempty"`
	// Size is the staged blob's size; -1 when the store no longer holds
	// it (evicted) or the artifact is passed to agents as is (Direct).
	Size   int64 `json:"size"`
	Direct bool  `json:"direct,omitempty"`
	// FetchSeconds is how long this batchd took to fetch it; -1 when it
	// did not fetch it (staged by an earlier run, or reused).
	FetchSeconds float64 `json:"fetch_seconds"`
}

// maxArtifacts bounds the artifacts listed per job.
const maxArtifacts = 50

// stagedRecord is the part of core/jobs' staged record (state.Job.Staged)
// the page reads: the job's distinct artifact lists, as configured and as
// the agents fetch them ("/artifacts/<job>/<token>/<digest>/<name>" when
// staged).
type stagedRecord struct {
	Lists [][]struct{ URI string }   `json:"lists"`
	URIs  [][]struct{ Value string } `json:"uris"`
}

// artifactsOf lists the distinct artifacts of a job's staged record, with
// their sizes from store and fetch times from fetches.
func artifactsOf(raw json.RawMessage, store *staging.Store, fetches *fetchLog) ([]artifactStatus, int) {
	out := []artifactStatus{}
	var rec stagedRecord
	if len(raw) == 0 || json.Unmarshal(raw, &rec) != nil {
		return out, 0
	}
	seen := map[string]bool{}
	for i, list := range rec.Lists {
		for k, a := range list {
			value := ""
			if i < len(rec.URIs) && k < len(rec.URIs[i]) {
				value = rec.URIs[i][k].Value
			}
			if seen[a.URI+"\x00"+value] {
				continue
			}
			seen[a.URI+"\x00"+value] = true
			if len(out) == maxArtifacts {
				continue
			}
			st := artifactStatus{URI: redact.URI(a.URI), Size: -1, FetchSeconds: -1}
			if digest, ok := blobDigest(value); ok {
				st.Digest = digest
				if n, ok := store.Size(digest); ok {
					st.Size = n
				}
			} else {
				st.Direct = true
			}
			if f, ok := fetches.get(st.URI); ok {
				st.FetchSeconds = f.seconds
			}
			out = append(out, st)
		}
	}
	return out, len(seen)
}

// blobDigest is the digest in a staged URI's
// "/artifacts/<job>/<token>/<digest>/<name>": the segment before the name.
func blobDigest(uri string) (string, bool) {
	_, rest, ok := strings.Cut(uri, "/artifacts/")
	if !ok {
		return "", false
	}
	segs := strings.Split(rest, "/")
	if len(segs) < 2 || segs[len(segs)-2] == "" {
		return "", false
	}
	return segs[len(segs)-2], true
}

// maxFetches bounds the fetches a fetchLog remembers.
const maxFetches = 10000

// fetchLog remembers the fetches this batchd made, by redacted URI: its
// observe is the staging store's Options.Progress.
type fetchLog struct {
	mu sync.Mutex
	m  map[string]fetchRecord
}

type fetchRecord struct {
	size    int64
	seconds float64
	at      time.Time
}

// observe records a fetch that has all its bytes; the staging store calls
// it last with the average rate of the whole fetch.
func (l *fetchLog) observe(uri string, bytes, total int64, rate float64) {
	if total < 0 || bytes != total {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]fetchRecord{}
	}
	if _, ok := l.m[uri]; !ok && len(l.m) >= maxFetches {
		return
	}
	r := fetchRecord{size: bytes, at: time.Now()}
	if rate > 0 {
		r.seconds = float64(bytes) / rate
	}
	l.m[uri] = r
}

func (l *fetchLog) get(uri string) (fetchRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.m[uri]
	return r, ok
}
