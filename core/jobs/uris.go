package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/plugins/workload"
)

// jobArtifacts keeps each distinct artifact list of a job's plan once, and
// stages each artifact once: 100,000 tasks fetching the same program share
// one list, in the plan spool as in memory.
type jobArtifacts struct {
	job   string // whose URLs the staged artifacts get
	lists [][]workload.Artifact
	first []string       // the first task using each list, named in staging errors
	index map[string]int // listKey -> position in lists
}

func newJobArtifacts(job string) *jobArtifacts {
	return &jobArtifacts{job: job, index: map[string]int{}}
}

// add returns the position of the list jobArts + taskArts, the task's.
func (j *jobArtifacts) add(taskID string, jobArts, taskArts []workload.Artifact) int {
	key := listKey(jobArts, taskArts)
	if i, ok := j.index[key]; ok {
		return i
	}
	j.lists = append(j.lists, append(append([]workload.Artifact(nil), jobArts...), taskArts...))
	j.first = append(j.first, taskID)
	j.index[key] = len(j.lists) - 1
	return len(j.lists) - 1
}

// stage stages every artifact once and returns the lists as URIs agents
// fetch, in the same positions.
func (j *jobArtifacts) stage(ctx context.Context, r *Runner, lease *staging.Lease) ([][]core.URI, error) {
	staged := map[workload.Artifact]core.URI{}
	out := make([][]core.URI, len(j.lists))
	for i, arts := range j.lists {
		out[i] = make([]core.URI, len(arts))
		for k, a := range arts {
			u, ok := staged[a]
			if !ok {
				got, err := r.uris(ctx, lease, j.job, []workload.Artifact{a})
				if err != nil {
					return nil, fmt.Errorf("task %s: %w", j.first[i], err)
				}
				u = got[0]
				staged[a] = u
			}
			out[i][k] = u
		}
	}
	return out, nil
}

// listKey names a list of artifacts, every field included.
func listKey(lists ...[]workload.Artifact) string {
	var b strings.Builder
	for _, arts := range lists {
		for _, a := range arts {
			for _, s := range []string{a.URI, a.OutputFile, a.Checksum} {
				b.WriteString(strconv.Quote(s))
			}
			for _, f := range []bool{a.Executable, a.Extract, a.Cache, a.Direct, a.Immutable} {
				b.WriteByte('0' + boolByte(f))
			}
			b.WriteByte(';')
		}
	}
	return b.String()
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
